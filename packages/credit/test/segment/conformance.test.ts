import { loadConformanceCases } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { expectCloseMasked as expectClose } from "../conformance-helpers.js";
import { spoChainAdvantages, type CutValues } from "../../src/index.js";

// Vectors of tools/conformance/vectors (a copy of ../shared/conformance; SPO-chain vectors follow spec credit.md §13).
const cases = loadConformanceCases();

describe("conformance segment.spoChain", () => {
  const spo = cases.filter((c) => c.op === "segment.spoChain");
  it("has the 4 cases", () => expect(spo.length).toBe(4));
  for (const c of spo) {
    it(c.id, () => {
      const a = c.args;
      const r = spoChainAdvantages(
        { probs: a.probs as number[], cutValues: a.cutValues as CutValues, score: a.score as number },
        { threshold: a.threshold as number, interval: a.interval as number },
      );
      expect(Array.from(r.cutpoints)).toEqual(c.expected.cutpoints);
      expectClose(r.advantages.toFlatArray(), c.expected.advantages as number[], c.tol, undefined, `${c.id} advantages`);
      expectClose(r.lossMask.toFlatArray(), c.expected.lossMask as number[], c.tol, undefined, `${c.id} lossMask`);
    });
  }
});

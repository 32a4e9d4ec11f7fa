import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { spoChainAdvantages, type CutValues } from "../../src/index.js";

// Vectors of ../shared/conformance (SPO-chain vectors follow spec credit.md §13).
const file = new URL("../../../../../shared/conformance/credit-tree-process.json", import.meta.url);
interface Case {
  id: string;
  op: string;
  args: Record<string, unknown>;
  expected: Record<string, unknown>;
  tol: { abs: number; rel: number };
}
const cases = (JSON.parse(readFileSync(file, "utf8")) as { cases: Case[] }).cases;

function expectClose(got: number[], want: number[], tol: Case["tol"], mask?: number[], where = "") {
  expect(got.length, `${where} length`).toBe(want.length);
  want.forEach((w, k) => {
    if (mask !== undefined && mask[k] === 0) return;
    const g = got[k] as number;
    expect(Math.abs(g - w) <= tol.abs + tol.rel * Math.abs(w), `${where}[${k}]: got ${g}, want ${w}`).toBe(true);
  });
}

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

import { loadConformanceCases } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { expectCloseMasked as expectClose } from "../conformance-helpers.js";
import { tempoAdvantages } from "../../src/index.js";

// Vectors of tools/conformance/vectors (a copy of ../shared/conformance; the TEMPO ones come from the official TEMPO code).
const cases = loadConformanceCases();

describe("conformance advantage.tempo", () => {
  const tempo = cases.filter((c) => c.op === "advantage.tempo");
  it("has the 8 cases", () => expect(tempo.length).toBe(8));
  for (const c of tempo) {
    it(c.id, () => {
      const a = c.args;
      const r = tempoAdvantages(
        {
          tokenRewards: a.tokenRewards as number[][],
          tokenIds: a.responses as number[][],
          mask: a.mask as number[][],
          groups: a.groups as number[],
        },
        { epsilon: a.epsilon as number, normalizeByStd: a.normalizeByStd as boolean },
      );
      const want = (c.expected.advantages as number[][]).flat();
      const mask = (a.mask as number[][]).flat();
      expectClose(r.advantages.toFlatArray(), want, c.tol, mask, c.id);
      // padding is exactly 0
      r.advantages.toFlatArray().forEach((v, k) => {
        if (mask[k] === 0) expect(v).toBe(0);
      });
    });
  }
});


import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tempoAdvantages } from "../../src/index.js";

// Vectors of ../shared/conformance (the TEMPO ones come from the official TEMPO code).
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

describe("conformance advantage.tempo", () => {
  const tempo = cases.filter((c) => c.op === "advantage.tempo");
  it("has the 8 cases", () => expect(tempo.length).toBe(8));
  for (const c of tempo) {
    it(c.id, () => {
      const a = c.args;
      const r = tempoAdvantages(
        {
          tokenRewards: a.tokenRewards as number[][],
          responses: a.responses as number[][],
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


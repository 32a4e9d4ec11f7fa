import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maskedWhiten } from "@rl/core";
import { reinforcePlusPlusAdvantages } from "../../src/index.js";
import { paddingIsZero } from "./arbitraries.js";

describe("reinforcePlusPlusAdvantages (spec §4)", () => {
  const batch = { tokenRewards: [[-0.1, 0, 1], [0, 0.5, 0]], mask: [[1, 1, 1], [1, 1, 0]] };

  it("worked example 1 (verl, γ = 1)", () => {
    const r = reinforcePlusPlusAdvantages(batch);
    expect(r.returns.toArray()).toEqual([[0.9, 1, 1], [0.5, 0.5, 0]].map((row) => row.map(Math.fround)));
    const exact = reinforcePlusPlusAdvantages(batch, { dtype: "float64" }).returns.toArray();
    expect(exact).toEqual([[0.9, 1, 1], [0.5, 0.5, 0]].map((row) => row.map((x) => expect.closeTo(x, 12))));
    const want = [[0.4636004, 0.8499341, 0.8499341], [-1.0817343, -1.0817343, 0]];
    r.advantages.toArray().forEach((row, b) => row.forEach((v, t) => expect(v).toBeCloseTo(want[b]![t]!, 6)));
  });

  it("an interior masked token cuts the return chain (verl)", () => {
    const r = reinforcePlusPlusAdvantages({ tokenRewards: [[1, 5, 2]], mask: [[1, 0, 1]] }, { whiten: false });
    expect(r.returns.toArray()).toEqual([[1, 0, 2]]);
    expect(r.advantages.toArray()).toEqual([[1, 0, 2]]);
  });

  it("discounts with γ", () => {
    const r = reinforcePlusPlusAdvantages({ tokenRewards: [[0, 0, 1]], mask: [[1, 1, 1]] }, { gamma: 0.5, whiten: false });
    expect(r.returns.toArray()).toEqual([[0.25, 0.5, 1]]);
  });

  it("advantages equal core's maskedWhiten of the returns; padding 0; OpenRLHF biased variance", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 5, maxLength: 5 }),
        fc.boolean(),
        (rows, lengths, unbiased) => {
          const mask = rows.map((_, b) => [0, 1, 2, 3].map((t) => (t < lengths[b]! ? 1 : 0)));
          const tokenRewards = rows.map((r) => r.map((x) => x / 4));
          const r = reinforcePlusPlusAdvantages({ tokenRewards, mask }, { unbiased, dtype: "float64" });
          const ref = maskedWhiten(r.returns, mask, { unbiased }).toArray();
          const a = r.advantages.toArray();
          return paddingIsZero(a, mask) && paddingIsZero(r.returns.toArray(), mask) && a.every((row, b) => row.every((v, t) => Math.abs(v - ref[b]![t]!) < 1e-9));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("stores float32 by default: the float64 results rounded once per entry, bit for bit", () => {
    const b = { tokenRewards: [[-0.013, 0.1, 0.7, 0], [0.02, -0.031, 0.35, 1.3]], mask: [[1, 1, 1, 0], [1, 0, 1, 1]] };
    for (const config of [{}, { gamma: 0.97 }, { whiten: false, gamma: 0.9 }, { unbiased: false }]) {
      const exact = reinforcePlusPlusAdvantages(b, { ...config, dtype: "float64" });
      const stored = reinforcePlusPlusAdvantages(b, config);
      for (const key of ["advantages", "returns"] as const) {
        expect(exact[key].data).toBeInstanceOf(Float64Array);
        expect(Array.from(exact[key].data).some((x) => Math.fround(x) !== x)).toBe(true);
        expect(stored[key].data).toBeInstanceOf(Float32Array);
        expect(stored[key].data).toEqual(Float32Array.from(exact[key].data));
      }
    }
  });

  it("one valid token or all-equal returns: advantages 0 (verl raises)", () => {
    expect(reinforcePlusPlusAdvantages({ tokenRewards: [[3, 0]], mask: [[1, 0]] }).advantages.toArray()).toEqual([[0, 0]]);
    expect(reinforcePlusPlusAdvantages({ tokenRewards: [[0, 1], [0, 1]], mask: [[0, 1], [0, 1]] }).advantages.toArray()).toEqual([[0, 0], [0, 0]]);
  });

  it("errors name the function and both shapes", () => {
    expect(() => reinforcePlusPlusAdvantages({ tokenRewards: [[1, 2]], mask: [[1]] })).toThrow(
      "reinforcePlusPlusAdvantages: mask has shape [1,1], tokenRewards has [1,2]",
    );
    expect(() => reinforcePlusPlusAdvantages({ tokenRewards: [], mask: [] })).toThrow(/the batch is empty/);
    expect(() => reinforcePlusPlusAdvantages(batch, { gamma: 2 })).toThrow(/invalid config/);
  });
});

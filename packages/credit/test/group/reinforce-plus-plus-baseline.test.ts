import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { groupPresets, reinforcePlusPlusBaselineAdvantages } from "../../src/index.js";
import { closeTo, groupBatch, paddingIsZero, shiftGroup } from "./arbitraries.js";

describe("reinforcePlusPlusBaselineAdvantages (spec §4)", () => {
  const batch = { rewards: [1, 0, 1], mask: [[1, 1, 0], [1, 1, 1], [1, 0, 0]], groups: [0, 0, 0] };

  it("worked example 2 (verl): a = [1/3, −2/3, 1/3], unbiased whitening", () => {
    const k = 0.9128709;
    const want = [[k, k, 0], [-k, -k, -k], [k, 0, 0]];
    reinforcePlusPlusBaselineAdvantages(batch)
      .advantages.toArray()
      .forEach((row, b) => row.forEach((v, t) => expect(v).toBeCloseTo(want[b]![t]!, 6)));
  });

  it("worked example 3 (OpenRLHF flavour): biased variance", () => {
    const a = reinforcePlusPlusBaselineAdvantages(batch, groupPresets.openrlhf.reinforcePlusPlusBaseline).advantages.toArray();
    const want = [[1, 1, 0], [-1, -1, -1], [1, 0, 0]];
    a.forEach((row, b) => row.forEach((v, t) => expect(v).toBeCloseTo(want[b]![t]!, 6)));
  });

  it("normalizeByStd: false only centres", () => {
    const a = reinforcePlusPlusBaselineAdvantages(batch, { normalizeByStd: false, dtype: "float64" }).advantages.toArray();
    expect(a).toEqual([[0.5, 0.5, 0], [-0.5, -0.5, -0.5], [0.5, 0, 0]].map((r) => r.map((x) => expect.closeTo(x, 12))));
  });

  it("shift invariant per group (groups of two or more); padding 0", () => {
    fc.assert(
      fc.property(groupBatch({ minGroupSize: 2 }), fc.integer({ min: -40, max: 40 }), (b, k) => {
        const a = reinforcePlusPlusBaselineAdvantages(b, { dtype: "float64" }).advantages.toArray();
        const s = reinforcePlusPlusBaselineAdvantages(shiftGroup(b, b.groups[0]!, k / 8), { dtype: "float64" }).advantages.toArray();
        return paddingIsZero(a, b.mask) && closeTo(a, s, 1e-7);
      }),
      { numRuns: 100 },
    );
  });

  it("stores float32 by default: the float64 result rounded once per entry, bit for bit", () => {
    const b = { rewards: [0.7, 0.1, 0.35, 1.3, 0.2], mask: [[1, 1, 1], [1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 1, 1]], groups: [0, 0, 0, 1, 1] };
    for (const config of [{}, { flavor: "openrlhf" as const }, { normalizeByStd: false }]) {
      const exact = reinforcePlusPlusBaselineAdvantages(b, { ...config, dtype: "float64" });
      expect(exact.advantages.data).toBeInstanceOf(Float64Array);
      expect(Array.from(exact.advantages.data).some((x) => Math.fround(x) !== x)).toBe(true);
      const stored = reinforcePlusPlusBaselineAdvantages(b, config);
      expect(stored.advantages.data).toBeInstanceOf(Float32Array);
      expect(stored.advantages.data).toEqual(Float32Array.from(exact.advantages.data));
      expect(stored.returns).toBe(stored.advantages);
    }
  });

  it("a group of one keeps its raw score before whitening (verl μ = 0)", () => {
    const a = reinforcePlusPlusBaselineAdvantages({ rewards: [2, 0], mask: [[1], [1]], groups: [0, 1] }, { normalizeByStd: false });
    expect(a.advantages.toArray()).toEqual([[1], [-1]]);
  });

  it("errors", () => {
    expect(() => reinforcePlusPlusBaselineAdvantages({ rewards: [1], mask: [[1]], groups: [0, 1] })).toThrow(
      "reinforcePlusPlusBaselineAdvantages: groups has 2 entries, mask has 1 rows",
    );
  });
});

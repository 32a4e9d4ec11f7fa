import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gpgAdvantages } from "../../src/index.js";
import { groupBatch, paddingIsZero } from "./arbitraries.js";

const col = (m: number[][], t = 0) => m.map((r) => r[t]!);
const ones = (B: number) => Array.from({ length: B }, () => [1]);

describe("gpgAdvantages (spec §7)", () => {
  const batch = { rewards: [1, 0, 0, 0, 0, 0, 0, 0], mask: ones(8), groups: [0, 0, 0, 0, 1, 1, 1, 1] };

  it("worked example: verl α = B / #non-zero = 8", () => {
    expect(col(gpgAdvantages(batch).advantages.toArray())).toEqual([6, -2, -2, -2, 0, 0, 0, 0]);
  });

  it("worked example: paper α = B / (B − M) = 2", () => {
    expect(col(gpgAdvantages(batch, { alpha: "validGroups" }).advantages.toArray())).toEqual([1.5, -0.5, -0.5, -0.5, 0, 0, 0, 0]);
  });

  it("fixed α and fNorm; all-zero rewards give 0; singleton uses mean 0", () => {
    expect(col(gpgAdvantages(batch, { alpha: 1, fNorm: 2 }).advantages.toArray())).toEqual([0.375, -0.125, -0.125, -0.125, 0, 0, 0, 0]);
    expect(col(gpgAdvantages({ ...batch, rewards: Array(8).fill(0) }).advantages.toArray())).toEqual(Array(8).fill(0));
    expect(gpgAdvantages({ rewards: [2], mask: [[1, 0]], groups: [0] }).advantages.toArray()).toEqual([[2, 0]]);
  });

  it("stores float32 by default: the float64 result rounded once per entry, bit for bit", () => {
    const b = { rewards: [0.7, 0.1, 0.35, 1.3, 0.2], mask: [[1, 1, 1], [1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 1, 1]], groups: [0, 0, 0, 1, 1] };
    for (const config of [{}, { alpha: "validGroups" as const, fNorm: 3 }]) {
      const exact = gpgAdvantages(b, { ...config, dtype: "float64" }).advantages;
      expect(exact.data).toBeInstanceOf(Float64Array);
      expect(Array.from(exact.data).some((x) => Math.fround(x) !== x)).toBe(true);
      const stored = gpgAdvantages(b, config).advantages;
      expect(stored.data).toBeInstanceOf(Float32Array);
      expect(stored.data).toEqual(Float32Array.from(exact.data));
    }
  });

  it("padding is 0", () => {
    fc.assert(
      fc.property(groupBatch(), (b) => paddingIsZero(gpgAdvantages(b).advantages.toArray(), b.mask)),
      { numRuns: 50 },
    );
  });

  it("bad alpha is INVALID_CONFIG", () => {
    expect(() => gpgAdvantages(batch, { alpha: -1 })).toThrow(/gpgAdvantages: invalid config/);
  });
});

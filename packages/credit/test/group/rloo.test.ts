import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { klPenalizedRewards, rlooAdvantages } from "../../src/index.js";
import { closeTo, groupBatch, paddingIsZero, shiftGroup } from "./arbitraries.js";

const full = (B: number, T: number) => Array.from({ length: B }, () => Array<number>(T).fill(1));
const col = (m: number[][], t = 0) => m.map((r) => r[t]!);
/** Exact identities are checked on the float64 output, so float32 rounding cannot hide a bug. */
const f64 = { dtype: "float64" } as const;

describe("rlooAdvantages — worked examples (spec §3)", () => {
  it("example 1: scores [1, 0, 0, 1]", () => {
    const a = col(rlooAdvantages({ rewards: [1, 0, 0, 1], mask: full(4, 1), groups: [0, 0, 0, 0] }).advantages.toArray());
    [0.6666667, -0.6666667, -0.6666667, 0.6666667].forEach((w, b) => expect(a[b]).toBeCloseTo(w, 6));
  });

  it("example 2: a singleton keeps its score (verl) or gets 0 (TRL / vectorized)", () => {
    const one = { rewards: [0.7], mask: [[1, 1]], groups: [0] };
    expect(rlooAdvantages(one).advantages.toArray()).toEqual([[Math.fround(0.7), Math.fround(0.7)]]);
    expect(rlooAdvantages(one, f64).advantages.toArray()).toEqual([[0.7, 0.7]]);
    expect(rlooAdvantages(one, { singleton: "zero" }).advantages.toArray()).toEqual([[0, 0]]);
  });

  it("example 3: TRL with KL folded into the score through klPenalizedRewards (k1, β = 0.05)", () => {
    // per-sequence summed k1 [2, -1]: d = lp - ref on one token
    const { tokenRewards } = klPenalizedRewards(
      { tokenRewards: [[0, 1], [0, 0]], logProbs: [[-1, -1], [-2, -1]], refLogProbs: [[-3, -1], [-1, -1]], mask: full(2, 2) },
      { beta: 0.05, kind: "k1" },
    );
    const a = col(rlooAdvantages({ tokenRewards, mask: full(2, 2), groups: [0, 0] }, f64).advantages.toArray());
    expect(a[0]).toBeCloseTo(0.85, 12);
    expect(a[1]).toBeCloseTo(-0.85, 12);
    expect(col(rlooAdvantages({ tokenRewards, mask: full(2, 2), groups: [0, 0] }).advantages.toArray())).toEqual([Math.fround(0.85), Math.fround(-0.85)]);
  });

  it("TRL normalize_advantages: a batch z-score with ε = 1e-4", () => {
    const normalized = { rewards: [1, 0, 3, 1], mask: full(4, 1), groups: [0, 0, 1, 1] };
    const a = col(rlooAdvantages(normalized, { normalize: true, ...f64 }).advantages.toArray());
    // raw [1, -1, 2, -2]: mean 0, unbiased std sqrt(10/3)
    const sd = Math.sqrt(10 / 3) + 1e-4;
    expect(a).toEqual([1 / sd, -1 / sd, 2 / sd, -2 / sd].map((x) => expect.closeTo(x, 12)));
    expect(col(rlooAdvantages(normalized, { normalize: true }).advantages.toArray())).toEqual(a.map(Math.fround));
  });
});

describe("rlooAdvantages — properties", () => {
  it("sums to zero within every group of two or more", () => {
    fc.assert(
      fc.property(groupBatch({ minGroupSize: 2 }), (batch) => {
        const a = rlooAdvantages({ rewards: batch.scores, mask: batch.mask.map((r) => r.map(() => 1)), groups: batch.groups }, f64).advantages.toArray();
        const sums = new Map<number, number>();
        batch.groups.forEach((g, b) => sums.set(g, (sums.get(g) ?? 0) + a[b]![0]!));
        return [...sums.values()].every((s) => Math.abs(s) < 1e-9);
      }),
      { numRuns: 100 },
    );
  });

  it("is unchanged when a constant is added to one group's rewards", () => {
    fc.assert(
      fc.property(groupBatch({ minGroupSize: 2 }), fc.integer({ min: -40, max: 40 }), (batch, k) => {
        const before = rlooAdvantages(batch, f64).advantages.toArray();
        const after = rlooAdvantages(shiftGroup(batch, batch.groups[0]!, k / 8), f64).advantages.toArray();
        return closeTo(before, after);
      }),
      { numRuns: 100 },
    );
  });

  it("equals n/(n−1) times Dr. GRPO, and padding is 0", () => {
    fc.assert(
      fc.property(groupBatch(), (batch) => {
        const a = rlooAdvantages(batch, f64).advantages.toArray();
        const n = (b: number) => batch.groups.filter((g) => g === batch.groups[b]).length;
        const mean = (b: number) => batch.scores.filter((_, j) => batch.groups[j] === batch.groups[b]).reduce((x, y) => x + y, 0) / n(b);
        const ok = a.every((row, b) =>
          row.every((v, t) => {
            if (batch.mask[b]![t] === 0) return Object.is(v, 0);
            const want = n(b) === 1 ? batch.scores[b]! : (n(b) / (n(b) - 1)) * (batch.scores[b]! - mean(b));
            return Math.abs(v - want) < 1e-9;
          }),
        );
        return ok && paddingIsZero(a, batch.mask);
      }),
      { numRuns: 100 },
    );
  });
});

describe("rlooAdvantages — edge cases", () => {
  it("stores float32 by default: the float64 result rounded once per entry, bit for bit", () => {
    const b = { rewards: [0.7, 0.1, 0.35, 1.3, 0.2], mask: [[1, 1, 1], [1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 1, 1]], groups: [0, 0, 0, 1, 1] };
    for (const config of [{}, { normalize: true }]) {
      const exact = rlooAdvantages(b, { ...config, ...f64 }).advantages;
      expect(exact.data).toBeInstanceOf(Float64Array);
      expect(Array.from(exact.data).some((x) => Math.fround(x) !== x)).toBe(true);
      const stored = rlooAdvantages(b, config).advantages;
      expect(stored.data).toBeInstanceOf(Float32Array);
      expect(stored.data).toEqual(Float32Array.from(exact.data));
    }
  });

  it("all-equal rewards give exactly 0; a fully masked row gives 0 but is a sibling's baseline", () => {
    expect(rlooAdvantages({ rewards: [0.1, 0.1, 0.1], mask: full(3, 1), groups: [0, 0, 0] }).advantages.toArray()).toEqual([[0], [0], [0]]);
    const r = rlooAdvantages({ rewards: [3, 1], mask: [[0, 0], [1, 1]], groups: [0, 0] }).advantages.toArray();
    expect(r).toEqual([[0, 0], [-2, -2]]);
  });

  it("errors: empty batch, mismatched lengths", () => {
    expect(() => rlooAdvantages({ tokenRewards: [], mask: [], groups: [] })).toThrow(/rlooAdvantages: the batch is empty/);
    expect(() => rlooAdvantages({ tokenRewards: [[1], [0]], mask: full(2, 1), groups: [0, 0, 0] })).toThrow(
      "rlooAdvantages: groups has 3 entries, tokenRewards has 2 rows",
    );
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RLError } from "@rl/core";
import { rlErrorCode } from "@rl/core/testing";
import { grpoAdvantages, groupPresets } from "../../src/index.js";
import { closeTo, groupBatch, paddingIsZero, shiftGroup } from "./arbitraries.js";

const full = (B: number, T: number) => Array.from({ length: B }, () => Array<number>(T).fill(1));
const onLast = (scores: number[], T: number) => scores.map((s) => Array.from({ length: T }, (_, t) => (t === T - 1 ? s : 0)));
const col = (m: number[][], t = 0) => m.map((r) => r[t]!);
/** Exact identities are checked on the float64 output, so float32 rounding cannot hide a bug. */
const f64 = { dtype: "float64" } as const;

describe("grpoAdvantages — worked examples (spec §2)", () => {
  const batch = { tokenRewards: onLast([1, 0, 1, 0], 2), mask: full(4, 2), groups: [0, 0, 0, 0] };

  it("example 1: verl, Dr. GRPO and TRL group", () => {
    const verl = grpoAdvantages(batch).advantages.toArray();
    [0.8660239, -0.8660239, 0.8660239, -0.8660239].forEach((a, b) => {
      expect(verl[b]![0]).toBeCloseTo(a, 6);
      expect(verl[b]![1]).toBeCloseTo(a, 6);
    });
    expect(col(grpoAdvantages(batch, { normalizeByStd: false }).advantages.toArray())).toEqual([0.5, -0.5, 0.5, -0.5]);
    const trl = col(grpoAdvantages(batch, groupPresets.trl.grpo).advantages.toArray());
    trl.forEach((a, b) => expect(a).toBeCloseTo([0.8658754, -0.8658754, 0.8658754, -0.8658754][b]!, 6));
  });

  it("example 2: TRL scale_rewards batch and group", () => {
    const two = { rewards: [1, 0, 1, 0, 1, 1, 1, 0], mask: full(8, 1), groups: [0, 0, 0, 0, 1, 1, 1, 1] };
    const batchStd = col(grpoAdvantages(two, groupPresets.trl.grpoBatch).advantages.toArray());
    const want = [0.9659052, -0.9659052, 0.9659052, -0.9659052, 0.4829526, 0.4829526, 0.4829526, -1.4488577];
    batchStd.forEach((a, b) => expect(a).toBeCloseTo(want[b]!, 6));
    const group = col(grpoAdvantages(two, groupPresets.trl.grpo).advantages.toArray());
    expect(group[4]).toBeCloseTo(0.4999, 4);
    expect(group[7]).toBeCloseTo(-1.4997001, 6);
    // TRL scale_rewards="none" is Dr. GRPO
    expect(col(grpoAdvantages(two, groupPresets.trl.grpoNone).advantages.toArray())).toEqual([0.5, -0.5, 0.5, -0.5, 0.25, 0.25, 0.25, -0.75]);
  });

  it("example 3: singleton and near-equal scores", () => {
    const one = { rewards: [0.7], mask: [[1]], groups: ["p"] };
    expect(grpoAdvantages(one).advantages.get(0, 0)).toBeCloseTo(0.6999993, 7);
    expect(grpoAdvantages(one, groupPresets.trl.grpo).advantages.get(0, 0)).toBe(0);
    const near = { rewards: [1, 1.0005], mask: [[1], [1]], groups: [0, 0] };
    expect(grpoAdvantages(near).advantages.get(0, 0)).toBeCloseTo(-0.7051124, 6);
    expect(grpoAdvantages(near, groupPresets.verl.grpoVectorized).advantages.get(1, 0)).toBeCloseTo(0.2497502, 6);
  });
});

describe("grpoAdvantages — properties", () => {
  it("is unchanged when a constant is added to one group's rewards", () => {
    fc.assert(
      fc.property(groupBatch(), fc.integer({ min: -40, max: 40 }), (batch, k) => {
        const before = grpoAdvantages(batch, f64).advantages.toArray();
        const after = grpoAdvantages(shiftGroup(batch, batch.groups[0]!, k / 8), f64).advantages.toArray();
        return closeTo(before, after, 1e-9) || batch.groups.filter((g) => g === batch.groups[0]).length === 1;
      }),
      { numRuns: 100 },
    );
  });

  it("Dr. GRPO is also shift invariant, and scales linearly", () => {
    fc.assert(
      fc.property(groupBatch({ minGroupSize: 2 }), fc.integer({ min: -40, max: 40 }), (batch, k) => {
        const dr = { normalizeByStd: false, ...f64 };
        const a = grpoAdvantages(batch, dr).advantages.toArray();
        const shifted = grpoAdvantages(shiftGroup(batch, batch.groups[0]!, k / 8), dr).advantages.toArray();
        const scaled = grpoAdvantages({ ...batch, tokenRewards: batch.tokenRewards.map((r) => r.map((x) => 2 * x)) }, dr).advantages.toArray();
        return closeTo(a, shifted) && closeTo(scaled, a.map((r) => r.map((x) => 2 * x)));
      }),
      { numRuns: 100 },
    );
  });

  it("padding is always exactly 0, and every entry is finite", () => {
    fc.assert(
      fc.property(groupBatch(), fc.boolean(), (batch, std) => {
        const a = grpoAdvantages(batch, { normalizeByStd: std }).advantages.toArray();
        return paddingIsZero(a, batch.mask) && a.every((r) => r.every(Number.isFinite));
      }),
      { numRuns: 100 },
    );
  });

  it("with normalizeByStd the valid advantages of a group of n ≥ 2 have mean 0 and unbiased std ≈ 1", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 2, maxLength: 8 }), (ints) => {
        if (ints.every((x) => x === ints[0])) return true;
        const a = col(grpoAdvantages({ rewards: ints, mask: full(ints.length, 1), groups: ints.map(() => 0) }, f64).advantages.toArray());
        const m = a.reduce((x, y) => x + y, 0) / a.length;
        const v = a.reduce((x, y) => x + (y - m) ** 2, 0) / (a.length - 1);
        return Math.abs(m) < 1e-9 && Math.abs(Math.sqrt(v) - 1) < 1e-4;
      }),
      { numRuns: 100 },
    );
  });
});

describe("grpoAdvantages — edge cases", () => {
  it("a group of one follows `singleton`", () => {
    const one = { rewards: [2], mask: [[1, 1]], groups: [5] };
    expect(grpoAdvantages(one, f64).advantages.toArray()).toEqual([[2 / (1 + 1e-6), 2 / (1 + 1e-6)]]);
    expect(grpoAdvantages(one).advantages.toArray()).toEqual([[Math.fround(2 / (1 + 1e-6)), Math.fround(2 / (1 + 1e-6))]]);
    expect(grpoAdvantages(one, { normalizeByStd: false }).advantages.toArray()).toEqual([[2, 2]]);
    expect(grpoAdvantages(one, { singleton: "zero" }).advantages.toArray()).toEqual([[0, 0]]);
    expect(grpoAdvantages(one, { singleton: "raw" }).advantages.toArray()).toEqual([[2, 2]]);
    expect(() => grpoAdvantages(one, { singleton: "error" })).toThrow(/alone in its group/);
  });

  it("all-equal rewards give exactly 0 (no ε-sized noise)", () => {
    const r = grpoAdvantages({ rewards: [0.1, 0.1, 0.1], mask: full(3, 2), groups: [1, 1, 1] });
    expect(r.advantages.toArray()).toEqual([[0, 0], [0, 0], [0, 0]]);
    expect(r.diagnostics).toEqual({ groups: 1, singletonGroups: 0, zeroStdGroups: 1 });
  });

  it("a fully masked row gets 0 but still counts in its group's statistics", () => {
    const r = grpoAdvantages({ tokenRewards: [[1, 0], [0, 0], [0, 0]], mask: [[0, 0], [1, 1], [1, 1]], groups: [0, 0, 0] }, { normalizeByStd: false, ...f64 });
    expect(r.advantages.toArray()).toEqual([[0, 0], [-1 / 3, -1 / 3], [-1 / 3, -1 / 3]]);
  });

  it("groups may be strings and need not be contiguous; outcomes win over tokenRewards", () => {
    const r = grpoAdvantages(
      { tokenRewards: [[9], [9], [9], [9]], rewards: [1, 5, 0, 5], mask: full(4, 1), groups: ["a", "b", "a", "b"] },
      { normalizeByStd: false },
    );
    expect(col(r.advantages.toArray())).toEqual([0.5, 0, -0.5, 0]);
    expect(r.returns).toBe(r.advantages);
  });

  it("an empty batch is a clear error", () => {
    expect(() => grpoAdvantages({ tokenRewards: [], mask: [], groups: [] })).toThrow(/grpoAdvantages: the batch is empty/);
    expect(() => grpoAdvantages({ tokenRewards: [[], []], mask: [[], []], groups: [0, 0] })).toThrow(/empty/);
  });

  it("mismatched lengths are a clear error naming both", () => {
    const tokenRewards = onLast([1, 0, 1], 2);
    expect(() => grpoAdvantages({ tokenRewards, mask: full(3, 2), groups: [0, 0] })).toThrow(
      "grpoAdvantages: groups has 2 entries, tokenRewards has 3 rows",
    );
    expect(() => grpoAdvantages({ tokenRewards, mask: full(3, 3), groups: [0, 0, 0] })).toThrow(
      "grpoAdvantages: mask has shape [3,3], tokenRewards has [3,2]",
    );
    expect(() => grpoAdvantages({ rewards: [1, 2], mask: full(3, 3), groups: [0, 0, 0] })).toThrow(
      "grpoAdvantages: rewards has 2 entries, mask has 3 rows",
    );
    try {
      grpoAdvantages({ tokenRewards, mask: full(3, 2), groups: [0] });
    } catch (e) {
      expect(RLError.isInstance(e) && e.code).toBe("SHAPE_MISMATCH");
    }
  });

  it("bad input and bad config throw RLError with stable codes", () => {
    const code = rlErrorCode;
    expect(code(() => grpoAdvantages({ tokenRewards: [[NaN]], mask: [[1]], groups: [0] }))).toBe("NON_FINITE");
    expect(code(() => grpoAdvantages({ tokenRewards: [[1]], mask: [[0.5]], groups: [0] }))).toBe("INVALID_INPUT");
    expect(code(() => grpoAdvantages({ tokenRewards: [[1]], mask: [[1]], groups: [null as unknown as number] }))).toBe("INVALID_INPUT");
    expect(code(() => grpoAdvantages({ tokenRewards: [[1]], mask: [[1]] } as never))).toBe("INVALID_INPUT");
    expect(code(() => grpoAdvantages({ tokenRewards: [[1]], mask: [[1]], groups: [0] }, { epsilon: -1 }))).toBe("INVALID_CONFIG");
    expect(code(() => grpoAdvantages({ tokenRewards: [1, 2], mask: [1, 1], groups: [0, 0] }))).toBe("SHAPE_MISMATCH");
  });

  it("stores float32 by default: the float64 result rounded once per entry, bit for bit", () => {
    const b = { rewards: [0.7, 0.1, 0.35, 0.2, 1.3], mask: [[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0], [1, 1, 1]], groups: [0, 0, 0, 1, 1] };
    const exact = grpoAdvantages(b, f64).advantages;
    expect(exact.data).toBeInstanceOf(Float64Array);
    expect(Array.from(exact.data).some((x) => Math.fround(x) !== x)).toBe(true); // rounding is visible
    const stored = grpoAdvantages(b).advantages;
    expect(stored.data).toBeInstanceOf(Float32Array);
    expect(stored.shape).toEqual([5, 3]);
    expect(stored.data).toEqual(Float32Array.from(exact.data));
    expect(grpoAdvantages(b, { dtype: "float32" }).advantages.data).toEqual(stored.data);
    const drExact = grpoAdvantages(b, { normalizeByStd: false, stdScope: "batch", ...f64 }).advantages.data;
    expect(grpoAdvantages(b, { normalizeByStd: false, stdScope: "batch" }).advantages.data).toEqual(Float32Array.from(drExact));
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rlErrorCode } from "@rl/core/testing";
import { assignCredit, grpoAdvantages, grpoPasskAdvantages } from "../../src/index.js";
import { closeTo, groupBatch, paddingIsZero, shiftGroup } from "./arbitraries.js";

const col = (m: number[][], t = 0) => m.map((r) => r[t]!);
const ones = (B: number) => Array.from({ length: B }, () => [1]);
const f64 = { dtype: "float64" } as const;

describe("grpoPasskAdvantages — worked examples", () => {
  it("only the best row of each group gets (max − second) / (std + ε)", () => {
    // group 0: [1, 0, 0.5, 0]: margin 0.5, std = sqrt(0.6875 / 3) = 0.4787136; group 1: [2, 3]: margin 1, std = 0.7071068
    const batch = { rewards: [1, 0, 0.5, 0, 2, 3], mask: ones(6), groups: ["a", "a", "a", "a", "b", "b"] };
    const got = col(grpoPasskAdvantages(batch, f64).advantages.toArray());
    const want = [0.5 / (Math.sqrt(0.6875 / 3) + 1e-6), 0, 0, 0, 0, 1 / (Math.SQRT1_2 + 1e-6)];
    got.forEach((a, b) => expect(a).toBeCloseTo(want[b]!, 12));
    expect(got[0]).toBeCloseTo(1.0444638, 6);
    expect(got[5]).toBeCloseTo(1.4142115, 6);
    expect(col(grpoPasskAdvantages(batch, { normalizeByStd: false }).advantages.toArray())).toEqual([0.5, 0, 0, 0, 0, 1]);
  });

  it("broadcasts over the mask; a masked row still counts; scores sum every position (verl)", () => {
    const batch = {
      tokenRewards: [[0, 0.25, 0.5], [0, 1, 0], [2, 0, 0]],
      mask: [[1, 1, 1], [1, 1, 0], [0, 0, 0]],
      groups: [0, 0, 0],
    };
    // scores 0.75, 1, 2: row 2 wins (fully masked: 0 everywhere), so no row shows a value
    expect(grpoPasskAdvantages(batch, { normalizeByStd: false }).advantages.toArray()).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
    const noRow2 = { ...batch, tokenRewards: [[0, 0.25, 0.5], [0, 1, 0], [0, 0, 0]] };
    expect(grpoPasskAdvantages(noRow2, { normalizeByStd: false }).advantages.toArray()).toEqual([[0, 0, 0], [0.25, 0.25, 0], [0, 0, 0]]);
  });

  it("a tied maximum gives 0 everywhere; equal scores give 0", () => {
    expect(col(grpoPasskAdvantages({ rewards: [1, 0, 1], mask: ones(3), groups: [0, 0, 0] }).advantages.toArray())).toEqual([0, 0, 0]);
    expect(col(grpoPasskAdvantages({ rewards: [0.5, 0.5], mask: ones(2), groups: [0, 0] }).advantages.toArray())).toEqual([0, 0]);
  });

  it("a group of one throws by default (verl raises) or gives 0; a null outcome is left out", () => {
    const single = { rewards: [1, 0, 3], mask: ones(3), groups: [0, 0, 1] };
    expect(rlErrorCode(() => grpoPasskAdvantages(single))).toBe("INVALID_INPUT");
    expect(() => grpoPasskAdvantages(single)).toThrow(/grpoPasskAdvantages: row 2 is alone in its group \(1\)/);
    expect(col(grpoPasskAdvantages(single, { singleton: "zero", normalizeByStd: false }).advantages.toArray())).toEqual([1, 0, 0]);
    const withNull = { rewards: [null, 0, 2, 1], mask: ones(4), groups: [0, 0, 0, 0] };
    expect(col(grpoPasskAdvantages(withNull, { normalizeByStd: false }).advantages.toArray())).toEqual([0, 0, 1, 0]);
    expect(rlErrorCode(() => grpoPasskAdvantages(single, { epsilon: -1 }))).toBe("INVALID_CONFIG");
  });

  it("is registered as rl/grpo-passk", () => {
    const batch = { tokenRewards: [[1], [0], [0.5], [0]], mask: ones(4), groups: [0, 0, 0, 0] };
    expect(assignCredit("grpo-passk", batch).advantages.toArray()).toEqual(grpoPasskAdvantages(batch).advantages.toArray());
  });
});

describe("grpoPasskAdvantages — properties", () => {
  const twoPlus = groupBatch({ minGroupSize: 2 });

  it("per group: at most one non-zero row, ≥ 0, equal to max − second without the std", () => {
    fc.assert(
      fc.property(twoPlus, (b) => {
        const a = col(grpoPasskAdvantages({ rewards: b.scores, mask: ones(b.scores.length), groups: b.groups }, { ...f64, normalizeByStd: false }).advantages.toArray());
        for (const g of new Set(b.groups)) {
          const rows = b.groups.map((x, i) => (x === g ? i : -1)).filter((i) => i >= 0);
          const sorted = rows.map((i) => b.scores[i]!).sort((x, y) => y - x);
          const nonZero = rows.filter((i) => a[i] !== 0);
          expect(nonZero.length).toBeLessThanOrEqual(1);
          expect(rows.every((i) => a[i]! >= 0)).toBe(true);
          expect(rows.reduce((s, i) => s + a[i]!, 0)).toBe(sorted[0]! - sorted[1]!);
          if (nonZero.length === 1) expect(b.scores[nonZero[0]!]).toBe(sorted[0]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("the winner's divisor is GRPO's σ_g + ε: A = (max − second) / (σ_g + ε)", () => {
    fc.assert(
      fc.property(twoPlus, (b) => {
        const batch = { rewards: b.scores, mask: ones(b.scores.length), groups: b.groups };
        const passk = col(grpoPasskAdvantages(batch, f64).advantages.toArray());
        const raw = col(grpoPasskAdvantages(batch, { ...f64, normalizeByStd: false }).advantages.toArray());
        const centred = col(grpoAdvantages(batch, { ...f64, normalizeByStd: false }).advantages.toArray());
        const scaled = col(grpoAdvantages(batch, f64).advantages.toArray());
        passk.forEach((p, i) => {
          if (raw[i] === 0) return expect(p).toBe(0);
          // GRPO's scaled / centred advantage is 1/(σ+ε) for the same group: the same divisor
          expect(p).toBeCloseTo((raw[i]! * scaled[i]!) / centred[i]!, 9);
        });
      }),
      { numRuns: 100 },
    );
  });

  it("shifting a group's scores changes nothing; padding is exactly 0", () => {
    fc.assert(
      fc.property(twoPlus, fc.integer({ min: -16, max: 16 }), (b, k) => {
        const base = grpoPasskAdvantages(b, f64).advantages.toArray();
        const shifted = grpoPasskAdvantages(shiftGroup(b, b.groups[0]!, k / 4), f64).advantages.toArray();
        return closeTo(base, shifted, 1e-9) && paddingIsZero(grpoPasskAdvantages(b).advantages.toArray(), b.mask);
      }),
      { numRuns: 100 },
    );
  });
});

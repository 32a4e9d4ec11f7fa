import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RLError } from "@rl/core/arrays";
import { assignCredit, grpoAdvantages, optimalTokenBaselineAdvantages, tirOptimalTokenBaselineAdvantages } from "../../src/index.js";
import { closeTo, groupBatch, paddingIsZero } from "./arbitraries.js";

// Reference numbers: verl `compute_optimal_token_baseline_advantage` and
// `compute_multi_turn_optimal_token_baseline_advantage` (verl/trainer/ppo/core_algos.py at
// b178a3cd56f58b2d502255daba591e92833930a7), evaluated step by step from the reference's
// equations in float64. Hand check of one entry (case A, row 1, t = 0):
//   w = 1 − 2π + Σπ²:  row0 1 − 2e^{−0.1} + 0.85 = 0.040325, row1 1 − 2e^{−0.2} + 0.7 = 0.062539,
//   row2 1 − 2e^{−0.7} + 0.5 = 0.506830;  G_0 = (1, 0.5, 1)
//   B_0 = (0.040325 + 0.5·0.062539 + 0.506830) / 0.609694 = 0.948713;  A = 0.5 − B_0 = −0.448713
const caseA = {
  tokenRewards: [[0, 0, 1, 0], [0, 0.5, 0, 0], [0, 0, 0, 1], [0, 0, 0, 2]],
  mask: [[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1], [1, 1, 1, 1]],
  groups: ["a", "a", "a", "b"],
  oldLogProbs: [[-0.1, -0.5, -1.0, 0], [-0.2, -0.3, 0, 0], [-0.7, -0.05, -2.0, -0.4], [-0.1, -0.1, -0.1, -0.1]],
  sumPiSquared: [[0.85, 0.4, 0.3, 1], [0.7, 0.6, 1, 1], [0.5, 0.92, 0.2, 0.5], [0.9, 0.9, 0.9, 0.9]],
};
const caseTir = {
  tokenRewards: [[0, 1, 0, 1, 0], [0, 0, 0, 0, 1], [1, 0, 0, 0, 0.5], [0, 0, 0, 0, 0]],
  mask: [[1, 0, 1, 1, 0], [1, 1, 0, 0, 1], [0, 1, 1, 1, 1], [0, 0, 0, 0, 0]],
  groups: [0, 0, 0, 0],
  oldLogProbs: [[-0.3, 0, -0.6, -0.9, 0], [-0.1, -1.2, 0, 0, -0.4], [0, -0.5, -0.2, -0.8, -1.5], [0, 0, 0, 0, 0]],
  sumPiSquared: [[0.6, 1, 0.4, 0.3, 1], [0.85, 0.25, 1, 1, 0.5], [1, 0.5, 0.7, 0.35, 0.2], [1, 1, 1, 1, 1]],
};

function expectClose(actual: number[][], expected: number[][], digits = 8): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((v, t) => expect(v, `[${i}][${t}]`).toBeCloseTo(expected[i]![t]!, digits)));
}

describe("optimalTokenBaselineAdvantages (verl optimal_token_baseline)", () => {
  it("matches the reference on a batch with two groups, a singleton and unequal lengths", () => {
    const r = optimalTokenBaselineAdvantages(caseA, { dtype: "float64" });
    expectClose(r.advantages.toArray(), [
      [0.0512868835, 0.0969946389, 4.5e-9, 0],
      [-0.4487131165, -0.4030053611, 0, 0],
      [0.0512868835, 0.0969946389, 4.5e-9, 6.2e-9],
      [2, 2, 2, 2],
    ]);
    expect(r.returns.toArray()).toEqual([[1, 1, 1, 0], [0.5, 0.5, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2]]);
  });

  it("handleZeroTail: the strictly longest row's baseline is 0 from the second-longest length on", () => {
    const r = optimalTokenBaselineAdvantages(caseA, { dtype: "float64", handleZeroTail: true }).advantages.toArray();
    expect(r[2]![3]).toBe(1);
    expect(r[0]![0]).toBeCloseTo(0.0512868835, 9);
  });

  it("rollout IS weights scale w by ρ̄²", () => {
    const r = optimalTokenBaselineAdvantages(
      { ...caseA, rolloutIsWeights: [[1, 0.5, 2, 1], [1.5, 1, 1, 1], [0.8, 1, 1, 1.2], [1, 1, 1, 1]] },
      { dtype: "float64" },
    );
    expectClose(r.advantages.toArray(), [
      [0.1392060905, 0.1882685331, 2.8e-9, 0],
      [-0.3607939095, -0.3117314669, 0, 0],
      [0.1392060905, 0.1882685331, 2.8e-9, 6.7e-9],
      [2, 2, 2, 2],
    ]);
  });

  it("the registry runs it as rl/otb; float32 default is the float64 run rounded", () => {
    const exact = assignCredit("otb", caseA, { dtype: "float64" }).advantages;
    const stored = assignCredit("rl/otb", caseA).advantages;
    expect(stored.data).toEqual(Float32Array.from(exact.data));
  });

  it("bad input: a clear RLError", () => {
    expect(() => optimalTokenBaselineAdvantages({ ...caseA, sumPiSquared: undefined as never })).toThrow(/sumPiSquared is required/);
    expect(() => optimalTokenBaselineAdvantages({ ...caseA, oldLogProbs: [[0.5, 0, 0, 0], ...caseA.oldLogProbs.slice(1)] })).toThrow(RLError);
    expect(() => optimalTokenBaselineAdvantages({ ...caseA, sumPiSquared: [[0.1, 0.4, 0.3, 1], ...caseA.sumPiSquared.slice(1)] })).toThrow(/below π²/);
    expect(() => optimalTokenBaselineAdvantages({ ...caseA, groups: ["a"] })).toThrow(/groups has 1 entries/);
    expect(() => optimalTokenBaselineAdvantages({ ...caseA, oldLogProbs: [[Number.NaN, 0, 0, 0], ...caseA.oldLogProbs.slice(1)] })).toThrow(/oldLogProbs\[0\]\[0\] is NaN/);
    expect(() => optimalTokenBaselineAdvantages(caseA, { epsilon: -1 })).toThrow(RLError);
  });

  it("constant w and equal lengths: the baseline is the group mean, so OTB = Dr. GRPO (property)", () => {
    fc.assert(
      fc.property(groupBatch({ minGroupSize: 2 }), (batch) => {
        const full = { ...batch, mask: batch.mask.map((r) => r.map(() => 1)) };
        const T = full.mask[0]!.length;
        full.tokenRewards = batch.scores.map((s) => Array.from({ length: T }, (_, t) => (t === T - 1 ? s : 0)));
        const lp = full.mask.map((r) => r.map(() => Math.log(0.5)));
        const sp = full.mask.map((r) => r.map(() => 0.5));
        const otb = optimalTokenBaselineAdvantages({ ...full, oldLogProbs: lp, sumPiSquared: sp }, { dtype: "float64", epsilon: 0 }).advantages.toArray();
        const dr = grpoAdvantages(full, { normalizeByStd: false, dtype: "float64" }).advantages.toArray();
        return closeTo(otb, dr, 1e-9);
      }),
      { numRuns: 100 },
    );
  });

  it("padding is 0; on right-padded masks without empty rows TIR equals OTB (property)", () => {
    fc.assert(
      fc.property(groupBatch({ minGroupSize: 2 }), fc.boolean(), (batch, zeroTail) => {
        const mask = batch.mask.map((r) => r.map((x, t) => (t === 0 ? 1 : x)));
        const lp = mask.map((r, b) => r.map((_, t) => -0.1 * (1 + ((b + t) % 5))));
        const sp = lp.map((r) => r.map((x) => Math.min(1, Math.exp(2 * x) + 0.1)));
        const input = { ...batch, mask, oldLogProbs: lp, sumPiSquared: sp };
        const otb = optimalTokenBaselineAdvantages(input, { dtype: "float64", handleZeroTail: zeroTail }).advantages.toArray();
        const tir = tirOptimalTokenBaselineAdvantages(input, { dtype: "float64", handleZeroTail: zeroTail }).advantages.toArray();
        return paddingIsZero(otb, mask) && closeTo(otb, tir, 1e-12);
      }),
      { numRuns: 100 },
    );
  });
});

describe("tirOptimalTokenBaselineAdvantages (verl tir_optimal_token_baseline)", () => {
  it("matches the reference: aligned by valid-token index, an empty row, zero tail on (default)", () => {
    const r = tirOptimalTokenBaselineAdvantages(caseTir, { dtype: "float64" });
    expectClose(r.advantages.toArray(), [
      [0.3219491128, 0, 0.1198354714, 0.1566721406, 0],
      [0.3219491128, 0.1198354714, 0, 0, 0.1566721406],
      [0, -0.1780508872, -0.3801645286, -0.3433278594, 0.5],
      [0, 0, 0, 0, 0],
    ]);
    const off = tirOptimalTokenBaselineAdvantages(caseTir, { dtype: "float64", handleZeroTail: false }).advantages.toArray();
    expect(off[2]![4]).toBeCloseTo(3.2e-9, 9);
    expect(assignCredit("tir-otb", caseTir, { dtype: "float64" }).advantages.toArray()).toEqual(r.advantages.toArray());
  });

  it("a group of one keeps its reward-to-go", () => {
    const one = { tokenRewards: [[0, 1]], mask: [[1, 1]], groups: [0], oldLogProbs: [[-0.2, -0.2]], sumPiSquared: [[0.9, 0.9]] };
    expect(tirOptimalTokenBaselineAdvantages(one).advantages.toArray()).toEqual([[1, 1]]);
    expect(optimalTokenBaselineAdvantages(one).advantages.toArray()).toEqual([[1, 1]]);
  });
});

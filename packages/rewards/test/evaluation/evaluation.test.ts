import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RLError } from "@rl/core";
import {
  bestOfNAccuracy,
  bestOfNSelect,
  consensusFilter,
  expectedCalibrationError,
  completionStepLabels,
  pairwiseAccuracy,
  rewardBenchScores,
  rewardBenchV2BestOf,
  weightedSelfConsistency,
} from "../../src/index.js";
import { REWARD_BENCH_V1_SECTIONS, firstErrorStep } from "../../src/evaluation/index.js";

describe("pairwiseAccuracy (spec §1.3, §27)", () => {
  it("tie policies", () => {
    expect(pairwiseAccuracy([1, 2, 3], [0, 2, 4])).toEqual({ accuracy: 1 / 3, meanMargin: 0, count: 3, ties: 1 });
    expect(pairwiseAccuracy([1, 2, 3], [0, 2, 4], { tiePolicy: "split" }).accuracy).toBe(0.5);
    expect(pairwiseAccuracy([1, 2, 3], [0, 2, 4], { tiePolicy: "drop" })).toMatchObject({ accuracy: 0.5, count: 2 });
    expect(pairwiseAccuracy([1], [1], { tiePolicy: "drop" }).accuracy).toBeNull();
    expect(pairwiseAccuracy([], [])).toEqual({ accuracy: null, meanMargin: null, count: 0, ties: 0 });
  });
  it("swapping chosen and rejected mirrors the accuracy (no ties); adding a constant changes nothing", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 })), { minLength: 1, maxLength: 20 }), fc.integer({ min: -9, max: 9 }), (pairs, k) => {
        const c = pairs.map((p) => p[0]);
        const r = pairs.map((p) => p[1]);
        const a = pairwiseAccuracy(c, r, { tiePolicy: "split" }).accuracy as number;
        const b = pairwiseAccuracy(r, c, { tiePolicy: "split" }).accuracy as number;
        expect(a + b).toBeCloseTo(1, 12);
        expect(pairwiseAccuracy(c.map((x) => x + k), r.map((x) => x + k)).accuracy).toBe(pairwiseAccuracy(c, r).accuracy);
      }),
      { numRuns: 100 },
    );
  });
  it("errors", () => {
    expect(() => pairwiseAccuracy([1, 2], [1])).toThrow(/chosen has 2 entries, rejected has 1/);
    expect(() => pairwiseAccuracy([Number.NaN], [1])).toThrow(RLError);
    expect(() => pairwiseAccuracy([1], [1], { tiePolicy: "half" as "split" })).toThrow(/pairwiseAccuracy/);
  });
});

describe("RewardBench (spec §27)", () => {
  it("worked example 1: Chat is count-weighted", () => {
    const r = rewardBenchScores({ "alpacaeval-easy": 0.98, "alpacaeval-length": 0.9, "alpacaeval-hard": 0.95, "mt-bench-easy": 1, "mt-bench-med": 0.9 });
    expect(r.sections.Chat).toBeCloseTo(0.9434358, 7);
    expect(r.sections["Chat Hard"]).toBe(0);
    expect(r.overall).toBeCloseTo(0.9434358 / 4, 7);
  });
  it("worked example 3: overall is the unweighted mean of the sections", () => {
    const acc: Record<string, number> = {};
    [0.9, 0.6, 0.85, 0.8].forEach((v, k) => {
      for (const s of Object.values(REWARD_BENCH_V1_SECTIONS)[k] ?? []) acc[s] = v;
    });
    const r = rewardBenchScores(acc);
    expect(r.overall).toBeCloseTo(0.7875, 12);
    expect(r.ignored).toEqual([]);
  });
  it("missing subsets renormalise; unknown ones are reported", () => {
    const r = rewardBenchScores({ "math-prm": 1, "hep-go": 0, typo: 1 });
    expect(r.sections.Reasoning).toBeCloseTo(984 / (984 + 164), 12);
    expect(r.ignored).toEqual(["typo"]);
    expect(() => rewardBenchScores({ "math-prm": 1.5 })).toThrow(/\[0, 1\]/);
    expect(() => rewardBenchScores({ a: 1 }, { sections: { S: ["a"] }, counts: {} })).toThrow(/example count/);
  });
  it("worked example 2: v2 best-of-4", () => {
    expect(rewardBenchV2BestOf([0.9, 0.5, 0.2, 0.1])).toBe(1);
    expect(rewardBenchV2BestOf([0.5, 0.5, 0.2, 0.1])).toBe(0.5);
    expect(rewardBenchV2BestOf([0.5, 0.5, 0.5, 0.5])).toBe(0.25);
    expect(rewardBenchV2BestOf([0.4, 0.5, 0.2, 0.1])).toBe(0);
    expect(() => rewardBenchV2BestOf([])).toThrow(RLError);
  });
});

describe("Best-of-N", () => {
  it("selection and accuracy", () => {
    expect(bestOfNSelect([0.2, 0.9, 0.9])).toBe(1);
    expect(bestOfNSelect([])).toBeNull();
    const problems = [
      [{ score: 0.2, correct: false }, { score: 0.9, correct: true }],
      [{ score: 0.8, correct: false }, { score: 0.1, correct: true }],
    ];
    expect(bestOfNAccuracy(problems)).toEqual({ accuracy: 0.5, selected: [1, 0] });
    expect(bestOfNAccuracy(problems, { n: 1 })).toEqual({ accuracy: 0, selected: [0, 0] });
  });
  it("the pool is the n most likely candidates when logProbs are given", () => {
    const p = [[
      { score: 0.9, correct: false, logProb: -9 },
      { score: 0.5, correct: true, logProb: -1 },
      { score: 0.4, correct: false, logProb: -2 },
    ]];
    expect(bestOfNAccuracy(p, { n: 2 })).toEqual({ accuracy: 1, selected: [1] });
    expect(bestOfNAccuracy(p, { n: 3 }).selected).toEqual([0]);
  });
  it("weighted self-consistency (spec §10)", () => {
    const c = [{ answer: "4", score: 0.4 }, { answer: "4", score: 0.4 }, { answer: "5", score: 0.7 }];
    expect(weightedSelfConsistency(c)).toEqual({ answer: "4", votes: { "4": 0.8, "5": 0.7 } });
    expect(weightedSelfConsistency([{ answer: "a", score: -5 }, { answer: "b", score: -1 }]).answer).toBe("b");
    expect(weightedSelfConsistency([{ answer: "a", score: -5 }, { answer: "a", score: -5 }, { answer: "b", score: 1 }], { weight: "sigmoid" }).answer).toBe("b");
    expect(weightedSelfConsistency([{ answer: "a", score: -5 }, { answer: "a", score: -5 }, { answer: "b", score: 1 }], { weight: "uniform" }).answer).toBe("a");
    expect(weightedSelfConsistency([{ score: 1 }]).answer).toBeNull();
    const problems = [[
      { score: 0.4, correct: true, answer: "4" },
      { score: 0.4, correct: true, answer: "4" },
      { score: 0.7, correct: false, answer: "5" },
    ]];
    expect(bestOfNAccuracy(problems, { selection: "weightedVote" }).accuracy).toBe(1);
    expect(bestOfNAccuracy(problems).accuracy).toBe(0);
  });
  it("accuracy grows (weakly) with n when the pool is nested and the RM is an oracle", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 }), (probs) => {
        const problems = probs.map((cs) => cs.map((c) => ({ score: c ? 1 : 0, correct: c })));
        let prev = -1;
        for (const n of [1, 2, 4, 8]) {
          const acc = bestOfNAccuracy(problems, { n }).accuracy;
          expect(acc).toBeGreaterThanOrEqual(prev);
          prev = acc;
        }
      }),
      { numRuns: 100 },
    );
  });
  it("errors", () => {
    expect(() => bestOfNAccuracy([])).toThrow(/problems is empty/);
    expect(() => bestOfNAccuracy([[]])).toThrow(/problems\[0\] has no candidates/);
    expect(() => bestOfNAccuracy([[{ score: 1, correct: true }]], { selection: "weightedVote" })).toThrow(/no answer/);
    expect(() => bestOfNSelect([Number.NaN])).toThrow(RLError);
  });
});

describe("expectedCalibrationError", () => {
  it("worked numbers", () => {
    const r = expectedCalibrationError([0.9, 0.9, 0.2], [true, false, false]);
    expect(r.ece).toBeCloseTo(1 / 3, 12);
    expect(r.bins[9]).toEqual({ count: 2, accuracy: 0.5, confidence: 0.9 });
    expect(r.bins[0]).toEqual({ count: 0, accuracy: null, confidence: null });
    expect(expectedCalibrationError([1, 0], [true, false]).ece).toBe(0);
  });
  it("is in [0, 1]", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean()), { minLength: 1, maxLength: 30 }), (xs) => {
        const e = expectedCalibrationError(xs.map((x) => x[0]), xs.map((x) => x[1]), { bins: 5 }).ece;
        expect(e).toBeGreaterThanOrEqual(0);
        expect(e).toBeLessThanOrEqual(1);
      }),
      { numRuns: 100 },
    );
  });
  it("errors", () => {
    expect(() => expectedCalibrationError([], [])).toThrow(/empty/);
    expect(() => expectedCalibrationError([0.5], [])).toThrow(/SHAPE|entries/);
    expect(() => expectedCalibrationError([1.2], [true])).toThrow(/confidences\[0\] is 1.2/);
    expect(() => expectedCalibrationError([0.5], [true], { bins: 0 })).toThrow(RLError);
  });
});

describe("Monte-Carlo step labels and consensus filtering", () => {
  it("hard and soft labels (Math-Shepherd)", () => {
    const c = [[true, false, false, false], [false, false, false, false], []];
    expect(completionStepLabels(c)).toEqual([1, 0, null]);
    expect(completionStepLabels(c, { kind: "soft" })).toEqual([0.25, 0, null]);
    expect(completionStepLabels(c, { threshold: 0.5 })).toEqual([0, 0, null]);
  });
  it("hard = (soft > threshold)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), { maxLength: 6 }), (c) => {
        const soft = completionStepLabels(c, { kind: "soft" });
        expect(completionStepLabels(c)).toEqual(soft.map((s) => ((s as number) > 0 ? 1 : 0)));
      }),
      { numRuns: 100 },
    );
  });
  it("first error and consensus", () => {
    expect(firstErrorStep([1, 1, 0, 1])).toBe(2);
    expect(firstErrorStep([1, null, 1])).toBe(-1);
    expect(firstErrorStep([0.7, 0.2])).toBe(1);
    expect(consensusFilter([{ mcFirstError: 2, judgeFirstError: 2 }, { mcFirstError: -1, judgeFirstError: 1 }, { mcFirstError: -1, judgeFirstError: -1 }])).toEqual({
      keep: [true, false, true],
      kept: 2,
      fraction: 2 / 3,
    });
    expect(consensusFilter([])).toEqual({ keep: [], kept: 0, fraction: null });
  });
  it("errors", () => {
    expect(() => completionStepLabels([[1 as unknown as boolean]])).toThrow(/completions\[0\]\[0\] is 1/);
    expect(() => consensusFilter([{ mcFirstError: -2, judgeFirstError: 0 }])).toThrow(/mcFirstError is -2/);
    expect(() => completionStepLabels([[true]], { kind: "medium" as "soft" })).toThrow(/completionStepLabels/);
  });
});

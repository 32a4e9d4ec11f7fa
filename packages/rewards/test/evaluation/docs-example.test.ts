// The runnable example of docs/rewards/evaluation.md, with the numbers it prints.
import { describe, expect, it } from "vitest";
import { bestOfNAccuracy, completionStepLabels, rewardBenchScores } from "../../src/index.js";
import { firstErrorStep } from "../../src/evaluation/index.js";

describe("docs/rewards/evaluation.md", () => {
  it("prints what the page says", () => {
    const rb = rewardBenchScores({
      "alpacaeval-easy": 0.98, "alpacaeval-length": 0.9, "alpacaeval-hard": 0.95,
      "mt-bench-easy": 1, "mt-bench-med": 0.9, "math-prm": 0.8, "hep-python": 0.9,
    });
    expect(rb.sections.Reasoning).toBeCloseTo(0.8142857, 7);
    expect(rb.overall).toBeCloseTo(0.4394304, 7);
    const problems = [
      [{ score: 0.4, correct: true, answer: "4" }, { score: 0.4, correct: true, answer: "4" }, { score: 0.7, correct: false, answer: "5" }],
      [{ score: 0.9, correct: true, answer: "12" }, { score: 0.2, correct: false, answer: "13" }, { score: 0.1, correct: false, answer: "13" }],
    ];
    expect(bestOfNAccuracy(problems)).toEqual({ accuracy: 0.5, selected: [2, 0] });
    expect(bestOfNAccuracy(problems, { selection: "weightedVote" })).toEqual({ accuracy: 1, selected: [0, 0] });
    expect(bestOfNAccuracy(problems, { n: 1 })).toEqual({ accuracy: 1, selected: [0, 0] });
    const outcomes = [[true, true, false, false], [true, false, false, false], [false, false, false, false]];
    const labels = completionStepLabels(outcomes);
    expect(labels).toEqual([1, 1, 0]);
    expect(completionStepLabels(outcomes, { kind: "soft" })).toEqual([0.5, 0.25, 0]);
    expect(firstErrorStep(labels)).toBe(2);
  });
});

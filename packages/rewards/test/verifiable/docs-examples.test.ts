// The runnable example of docs/rewards/verifiable.md, with the numbers it prints.
import { describe, expect, it } from "vitest";
import {
  bleuReward,
  bleuScore,
  cosineScaledReward,
  dapoOverlongPenalty,
  gsm8kReward,
  gsm8kVerlReward,
  mathAnswerReward,
  minervaVerlReward,
  randomEvaluationEquivalence,
  regexFormatReward,
  repetitionPenalty,
  tagStructureReward,
  verlMathReward,
} from "../../src/index.js";

describe("docs/rewards/verifiable.md", () => {
  it("prints what the page says", () => {
    expect(mathAnswerReward("Let me think... so the answer is \\boxed{\\dfrac{3}{4}}.", "0.75")).toEqual({
      reward: 1,
      extracted: "\\dfrac{3}{4}",
      debug: { source: "boxed", stage: "numeric", symbolic: "not-needed" },
    });
    expect(mathAnswerReward("The answer is 1,000.", "1000").reward).toBe(1);
    expect(mathAnswerReward("<think>maybe 7</think> The answer is 8.", "8", { reasoningDelimiters: ["</think>"] }).reward).toBe(1);
    expect(mathAnswerReward("\\boxed{2x+1}", "1+2x").debug.symbolic).toBe("unavailable");
    expect(mathAnswerReward("\\boxed{2x+1}", "1+2x", { symbolic: randomEvaluationEquivalence() }).reward).toBe(1);
    expect(mathAnswerReward("whatever", "").reward).toBeNull();
    expect(verlMathReward("So \\boxed{10\\%}.", "10")).toEqual({ score: 1 });
    expect(verlMathReward("\\boxed{1,000}", "1000")).toEqual({ score: 0 });
    expect(minervaVerlReward("Answer: 41", "42")).toEqual({ score: -1, correct: false, prediction: "41" });
    expect(gsm8kVerlReward("so 1234.", "1234", { method: "flexible" })).toEqual({ score: 0, extracted: "1234." });
    expect(gsm8kReward("so 1234.", "1234", { method: "flexible" })).toEqual({ reward: 1, extracted: "1234" });
    expect(regexFormatReward("<think>\nr\n</think>\nans")).toBe(1);
    expect(tagStructureReward("<think>r</think><answer>4</answer>")).toBe(1);
    expect([70, 80, 90, 100, 120].map((n) => dapoOverlongPenalty(n, { maxLength: 100, cacheLength: 20 }))).toEqual([0, 0, -0.5, -1, -1]);
    expect([0, 50, 100].map((n) => cosineScaledReward(n, true, { maxLength: 100 }))).toEqual([1, 0.75, 0.5]);
    expect(repetitionPenalty([5, 5, 5, 5, 5], { ngramSize: 2 })).toBe(-0.75);
    const b = bleuScore("the cat sat on the mat", ["the cat is on the mat"], { tokenizer: "whitespace" });
    expect(b).toMatchObject({ brevityPenalty: 1, hypothesisLength: 6, referenceLength: 6 });
    expect(b.bleu).toBeCloseTo(0.488923, 6);
    expect(bleuReward("<answer>The cat sat on the mat.</answer>", ["The cat is on the mat."])).toBeCloseTo(0.5946036, 7);
  });
});

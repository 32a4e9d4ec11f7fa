import { describe, expect, it } from "vitest";
import { RLError } from "@rl/core";
import { gsm8kReward, gsm8kVerlReward, minervaVerlReward } from "../../src/index.js";
import { normalizeFinalAnswer } from "../../src/verifiable/index.js";

describe("GSM8K (spec §17)", () => {
  it("worked examples, verl preset", () => {
    expect(gsm8kVerlReward("blah #### 1,234", "1234").score).toBe(1);
    expect(gsm8kVerlReward("blah 1234", "1234").score).toBe(0);
    expect(gsm8kVerlReward("blah 1234", "1234", { method: "flexible" }).score).toBe(1);
    expect(gsm8kVerlReward("#### 1 then #### 2", "2").score).toBe(1);
    expect(gsm8kVerlReward("#### $5", "5").extracted).toBeNull(); // `$` is not in the number class
  });
  it("verl quirks: trailing period, 3.50 vs 3.5, the 300-character window, a lone '.'", () => {
    expect(gsm8kVerlReward("so 1234.", "1234", { method: "flexible", formatScore: 0.1 }).score).toBe(0.1);
    expect(gsm8kVerlReward("#### 3.50", "3.5", { formatScore: 0.1 }).score).toBe(0.1);
    expect(gsm8kVerlReward("#### 7" + "x".repeat(300), "7").score).toBe(0);
    // every match invalid: verl grades the first one (".") -> format score, not 0
    expect(gsm8kVerlReward("Hmm. Ok.", "1", { method: "flexible", formatScore: 0.25 })).toEqual({ score: 0.25, extracted: "." });
  });
  it("@rl defaults fix the quirks and keep null", () => {
    expect(gsm8kReward("so 1234.", "1234", { method: "flexible" }).reward).toBe(1);
    expect(gsm8kReward("#### 3.50", "3.5").reward).toBe(1);
    expect(gsm8kReward("#### 3.50", "3.5", { numericCompare: false }).reward).toBe(0);
    expect(gsm8kReward("so 1,000", "1000", { method: "flexible" }).reward).toBe(1);
    expect(gsm8kReward("nothing", "3").reward).toBe(0);
    expect(gsm8kReward("#### 3", "").reward).toBeNull();
    expect(gsm8kReward("#### 3", "", { onUnparsableGold: "zero" }).reward).toBe(0);
  });
  it("bad config -> RLError naming the function", () => {
    expect(() => gsm8kVerlReward("a", "b", { method: "loose" as "strict" })).toThrow(RLError);
    expect(() => gsm8kReward("a", "b", { score: Number.NaN })).toThrow(/gsm8kReward/);
  });
});

describe("Minerva / DAPO (spec §17)", () => {
  it("worked examples", () => {
    expect(minervaVerlReward("... Answer: $\\frac{1}{2}$", "\\frac{1}{2}")).toEqual({
      score: 1,
      correct: true,
      prediction: "\\frac{1}{2}",
    });
    expect(minervaVerlReward("Answer: 41", "42")).toEqual({ score: -1, correct: false, prediction: "41" });
    expect(normalizeFinalAnswer("x = 10 degrees")).toBe("10");
    expect(normalizeFinalAnswer("1,000")).toBe("1000");
  });
  it("normalisation details", () => {
    expect(normalizeFinalAnswer("\\text{5 ways}")).toBe("5");
    expect(normalizeFinalAnswer("\\boxed{7}")).toBe("7");
    expect(normalizeFinalAnswer("\\frac12")).toBe("\\frac{1}{2}");
    expect(normalizeFinalAnswer("\\sqrt3")).toBe("\\sqrt{3}");
    expect(normalizeFinalAnswer("an apple")).toBe("apple");
    expect(normalizeFinalAnswer("$x$ and $y$")).toBe("x");
    expect(normalizeFinalAnswer("1,2")).toBe("12");
    expect(normalizeFinalAnswer("(1,2)")).toBe("(1,2)");
  });
  it("last Answer line wins; case-insensitive; [INVALID] when none", () => {
    expect(minervaVerlReward("Answer: 1\nANSWER : 2", "2").correct).toBe(true);
    expect(minervaVerlReward("no answer", "2").prediction).toBe("[INVALID]");
  });
  it("strict box: last 100 characters, verbatim", () => {
    expect(minervaVerlReward("\\boxed{2}", "2", { strictBox: true })).toEqual({ score: 1, correct: true, prediction: "2" });
    expect(minervaVerlReward("\\boxed{2}" + "y".repeat(100), "2", { strictBox: true }).prediction).toBeNull();
    expect(minervaVerlReward("\\boxed{ 2}", "2", { strictBox: true }).correct).toBe(false);
  });
});

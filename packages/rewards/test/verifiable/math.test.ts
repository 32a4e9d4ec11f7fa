import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RLError } from "@rl/core";
import {
  mathAnswerReward,
  mathAnswersEqual,
  verlMathReward,
} from "../../src/index.js";
import { extractLastBoxed, extractMathAnswer, hendrycksEquivalent, stripMathString } from "../../src/verifiable/index.js";

// Spec rewards.md §16 grading table: [pred, gold, OpenRLHF, verl].
const TABLE: [string, string, boolean, boolean][] = [
  ["\\frac{1}{2}", "0.5", true, true],
  ["1,000", "1000", true, false],
  ["x=5", "5", true, true],
  ["(1,2)", "(1, 2)", true, true],
  ["[1,2)", "(1,2)", false, false],
  ["10\\%", "10", true, true],
  ["2/4", "1/2", false, false],
  ["0.333", "1/3", false, false],
  ["\\sqrt2", "\\sqrt{2}", true, true],
  ["\\dfrac12", "\\frac{1}{2}", true, true],
  ["5 cm", "5", true, false],
  ["\\text{(B)}", "B", true, false],
  ["2x+1", "1+2x", true, false], // OpenRLHF needs sympy here
  ["3.0", "3", true, false],
];

describe("math grading table (spec §16)", () => {
  it.each(TABLE)("verl is_equiv(%s, %s)", (pred, gold, _o, verl) => {
    expect(hendrycksEquivalent(pred, gold)).toBe(verl);
    expect(verlMathReward(`\\boxed{${pred}}`, gold).score).toBe(verl ? 1 : 0);
  });
  it.each(TABLE.filter((r) => r[0] !== "2x+1"))("mathAnswersEqual(%s, %s) follows OpenRLHF", (pred, gold, openrlhf) => {
    expect(mathAnswersEqual(pred, gold).equal).toBe(openrlhf);
  });
  it("2x+1 vs 1+2x needs the symbolic backend", () => {
    const r = mathAnswersEqual("2x+1", "1+2x");
    expect(r).toEqual({ equal: false, stage: "none", symbolic: "unavailable" });
    const calls: [string, string][] = [];
    const sym = (a: string, b: string): boolean => {
      calls.push([a, b]);
      return true;
    };
    expect(mathAnswersEqual("2x+1", "1+2x", { symbolic: sym })).toEqual({ equal: true, stage: "symbolic", symbolic: "used" });
    expect(calls).toEqual([["2x+1", "1+2x"]]);
    // a backend that cannot decide (null) is not a yes
    expect(mathAnswersEqual("2x+1", "1+2x", { symbolic: () => null }).equal).toBe(false);
  });
});

describe("stripMathString", () => {
  it("applies the Hendrycks steps", () => {
    expect(stripMathString("\\dfrac12")).toBe("\\frac{1}{2}");
    expect(stripMathString("x = 5")).toBe("5");
    expect(stripMathString("0.5")).toBe("\\frac{1}{2}");
    expect(stripMathString(".25")).toBe("0.25");
    expect(stripMathString("3/4")).toBe("\\frac{3}{4}");
    expect(stripMathString("03/4")).toBe("03/4");
    expect(stripMathString("\\left( 1, 2 \\right)")).toBe("(1,2)");
    expect(stripMathString("90^\\circ")).toBe("90");
    expect(stripMathString("5\\text{ cm}")).toBe("5");
    expect(stripMathString("")).toBe("");
  });
  it("returns null where the reference raises, and equivalence falls back to raw equality", () => {
    expect(stripMathString("1\\text{ a}\\text{ b}")).toBeNull();
    expect(stripMathString("2\\sqrt")).toBeNull();
    expect(hendrycksEquivalent("2\\sqrt", "2\\sqrt")).toBe(true);
    expect(hendrycksEquivalent("2\\sqrt", "2")).toBe(false);
  });
});

describe("verlMathReward quirks", () => {
  it("space form, fbox, unbalanced braces", () => {
    expect(verlMathReward("Thus \\boxed 12 ways", "12").score).toBe(0);
    expect(verlMathReward("Thus \\boxed 12$ done", "12").score).toBe(1);
    expect(verlMathReward("\\fbox{5}", "5").score).toBe(0);
    expect(verlMathReward("\\boxed{5", "5").score).toBe(0);
    expect(verlMathReward("no box", "5").score).toBe(0);
    expect(verlMathReward("\\boxed{1} then \\boxed{2}", "2").score).toBe(1);
  });
});

describe("extraction", () => {
  it("finds the last box with brace matching (spec §16)", () => {
    expect(extractLastBoxed("First \\boxed{1}, finally \\boxed{\\frac{1}{2}}.")).toBe("\\frac{1}{2}");
    expect(extractLastBoxed("\\boxed{1")).toBeNull();
    expect(extractLastBoxed("nothing")).toBeNull();
    expect(extractLastBoxed("\\boxed 5")).toBe("5");
    expect(extractLastBoxed("\\boxed 5", { allowBoxedSpace: false })).toBeNull();
    expect(extractLastBoxed("\\fbox{7}")).toBe("7");
    expect(extractLastBoxed("\\fbox{7}", { allowFbox: false })).toBeNull();
    expect(extractLastBoxed("\\boxed{}")).toBe("");
  });
  it("falls back to 'the answer is' and to the last number", () => {
    expect(extractMathAnswer("So the answer is $42$.")).toEqual({ answer: "42", source: "answerIs" });
    expect(extractMathAnswer("The answer is 0.5.")).toEqual({ answer: "0.5", source: "answerIs" });
    expect(extractMathAnswer("We get 3 apples, then 1,200.")).toEqual({ answer: "1,200", source: "lastNumber" });
    expect(extractMathAnswer("We get 3/4")).toEqual({ answer: "3/4", source: "lastNumber" });
    expect(extractMathAnswer("no digits")).toEqual({ answer: null, source: null });
    expect(extractMathAnswer("answer is 4", { strategies: ["boxed"] })).toEqual({ answer: null, source: null });
  });
});

describe("mathAnswerReward", () => {
  it("grades, strips reasoning and never coerces null", () => {
    expect(mathAnswerReward("... so \\boxed{\\dfrac12}", "0.5").reward).toBe(1);
    expect(mathAnswerReward("The answer is 1,000.", "1000").reward).toBe(1);
    expect(mathAnswerReward("The answer is 7.", "8").reward).toBe(0);
    expect(mathAnswerReward("no idea", "").reward).toBeNull();
    expect(mathAnswerReward("no idea", "  ", { onUnparsableGold: "zero" }).reward).toBe(0);
    expect(mathAnswerReward("no digits at all", "3").reward).toBe(0);
    expect(mathAnswerReward("x", "\\boxed{3}", {}).reward).toBe(0);
    expect(mathAnswerReward("it is 3", "\\boxed{3}").reward).toBe(1);
    const think = { reasoningDelimiters: ["</think>"] };
    expect(mathAnswerReward("<think>\\boxed{3}</think> answer: 4", "4", think).reward).toBe(1);
    expect(mathAnswerReward("<think>\\boxed{4}</think> answer: 3", "4", think).reward).toBe(0);
    expect(mathAnswerReward("\\boxed{4}", "4", think).reward).toBe(0);
    expect(mathAnswerReward("\\boxed{4}", "4", { correct: 1, incorrect: -1 }).reward).toBe(1);
    expect(mathAnswerReward("\\boxed{5}", "4", { correct: 1, incorrect: -1 }).reward).toBe(-1);
  });
  it("rejects a bad config with RLError", () => {
    expect(() => mathAnswerReward("a", "b", { strategies: [] })).toThrow(RLError);
    expect(() => mathAnswerReward("a", "b", { correct: "1" as unknown as number })).toThrow(/mathAnswerReward/);
  });
});

describe("properties", () => {
  it("integers, decimals and fractions compare by exact value", () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000, max: 10_000 }), fc.integer({ min: 1, max: 50 }), (p, q) => {
        const asFrac = `\\frac{${p * 2}}{${q * 2}}`;
        const dec = (p / q).toString();
        const exact = Number.isInteger(p / q) || /^-?\d+\.\d{1,8}$/.test(dec) && Number(dec) * q === p;
        // p*2/q*2 is an unreduced fraction: only equal to a decimal when the decimal is exact
        const r = mathAnswersEqual(dec, asFrac);
        if (exact) expect(r.equal).toBe(true);
        expect(mathAnswersEqual(String(p), `${p}.000`).equal).toBe(true);
        expect(mathAnswersEqual(String(p), String(p + 1)).equal).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
  it("equivalence is symmetric on numbers", () => {
    fc.assert(
      fc.property(fc.integer({ min: -999, max: 999 }), fc.integer({ min: 1, max: 9 }), (p, q) => {
        const a = `${p}/${q}`;
        const b = (p / q).toFixed(3);
        expect(mathAnswersEqual(a, b).equal).toBe(mathAnswersEqual(b, a).equal);
      }),
      { numRuns: 100 },
    );
  });
});

describe("more grader cases", () => {
  it.each([
    ["\\frac{\\pi}{2}", "\\pi/2", true],
    ["-\\frac{1}{4}", "-0.25", true],
    ["\\frac{-1}{4}", "-0.25", true],
    ["5.00", "5", true],
    ["\\text{Tuesday}", "tuesday", true],
    ["\\$5", "5", true],
    ["50\\%", "0.5", false],
    ["(1,2,3)", "(1,2)", false],
    ["(1,2)", "(2,1)", false],
    ["", "5", false],
  ])("mathAnswersEqual(%j, %j) = %s", (a, b, want) => {
    expect(mathAnswersEqual(a, b).equal).toBe(want);
  });
  it("'answer isn't' is not an answer; a broken gold box is no signal", () => {
    expect(extractMathAnswer("the answer isn't obvious, but 12").answer).toBe("12");
    expect(mathAnswerReward("\\boxed{1}", "\\boxed{1").reward).toBeNull();
  });
});

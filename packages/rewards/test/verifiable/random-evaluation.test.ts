import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RLError } from "@rl/core";
import { mathAnswerReward, mathAnswersEqual, randomEvaluationEquivalence } from "../../src/index.js";

const eq = randomEvaluationEquivalence();

describe("randomEvaluationEquivalence", () => {
  it("decides the CAS row of the grading table (spec §16)", () => {
    expect(mathAnswersEqual("2x+1", "1+2x", { symbolic: eq })).toEqual({ equal: true, stage: "symbolic", symbolic: "used" });
    expect(mathAnswerReward("so \\boxed{2x+1}", "1+2x", { symbolic: eq }).reward).toBe(1);
  });
  it("identities and non-identities", () => {
    expect(eq("(x+1)^2", "x^2+2x+1")).toBe(true);
    expect(eq("2(x+1)", "2x+2")).toBe(true);
    expect(eq("x*y", "yx")).toBe(true);
    expect(eq("sqrt(2)/2", "1/sqrt(2)")).toBe(true);
    expect(eq("2x+1", "2x-1")).toBe(false);
    expect(eq("x", "y")).toBe(false);
    expect(eq("-x^2", "-(x^2)")).toBe(true);
    expect(eq("pi", "3.14159")).toBe(false);
  });
  it("undecided cases return null", () => {
    expect(eq("x+", "x")).toBeNull();
    expect(eq("x+y+z", "z+y+x")).toBeNull(); // more than 2 variables
    expect(eq("sqrt(-1-x)", "sqrt(-1-x)")).toBeNull(); // never finite on the sample range
    expect(eq("x $ y", "x")).toBeNull();
  });
  it("agrees with the value for random linear forms", () => {
    fc.assert(
      fc.property(fc.integer({ min: -9, max: 9 }), fc.integer({ min: -9, max: 9 }), fc.integer({ min: -9, max: 9 }), (a, b, c) => {
        expect(eq(`${a}*x+(${b})`, `(${b})+x*(${a})`)).toBe(true);
        expect(eq(`${a}*x+(${b})`, `${a}*x+(${b + c})`)).toBe(c === 0);
      }),
      { numRuns: 100 },
    );
  });
  it("bad config", () => {
    expect(() => randomEvaluationEquivalence({ points: 0 })).toThrow(RLError);
  });
});

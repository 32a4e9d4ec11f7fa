import { describe, expect, it } from "vitest";
import { RLError } from "@rl/core";
import { firstErrorF1, prmStepAccuracy } from "../../src/index.js";

describe("firstErrorF1", () => {
  it("harmonic mean of the two accuracies", () => {
    const s = [
      { stepScores: [0.9, 0.2], firstErrorIdx: 1 },
      { stepScores: [0.9, 0.8], firstErrorIdx: -1 },
      { stepScores: [0.4, 0.8, 0.1], firstErrorIdx: 2 }, // predicted 0 -> wrong
      { stepScores: [0.3], firstErrorIdx: -1 }, // predicted 0 -> wrong
    ];
    const r = firstErrorF1(s);
    expect(r.predicted).toEqual([1, -1, 0, 0]);
    expect(r.erroneousAccuracy).toBe(0.5);
    expect(r.correctAccuracy).toBe(0.5);
    expect(r.f1).toBe(0.5);
    expect(firstErrorF1(s, { threshold: 0.35 }).predicted).toEqual([1, -1, 2, 0]);
  });
  it("edge cases", () => {
    expect(firstErrorF1([{ stepScores: [0.9], firstErrorIdx: -1 }])).toMatchObject({ f1: null, erroneousAccuracy: null, correctAccuracy: 1 });
    expect(firstErrorF1([{ stepScores: [0.9], firstErrorIdx: 0 }, { stepScores: [0.1], firstErrorIdx: -1 }]).f1).toBe(0);
    expect(() => firstErrorF1([{ stepScores: [0.9], firstErrorIdx: 3 }])).toThrow(/firstErrorIdx is 3/);
    expect(() => firstErrorF1([{ stepScores: [Number.NaN], firstErrorIdx: -1 }])).toThrow(RLError);
  });
});

describe("prmStepAccuracy", () => {
  it("ignores -100", () => {
    expect(prmStepAccuracy([1, 0, 1, 1], [1, -100, 0, 1])).toBeCloseTo(2 / 3, 12);
    expect(prmStepAccuracy([1], [-100])).toBeNull();
    expect(() => prmStepAccuracy([1], [1, 0])).toThrow(/predictions has 1 entries, labels has 2/);
  });
});

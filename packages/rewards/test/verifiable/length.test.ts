import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RLError } from "@rl/core";
import { cosineScaledReward, dapoOverlongPenalty, linearLengthPenalty, repetitionPenalty } from "../../src/index.js";

describe("dapoOverlongPenalty (spec §19)", () => {
  const cfg = { maxLength: 100, cacheLength: 20 };
  it("worked example", () => {
    expect([70, 80, 90, 100, 120].map((n) => dapoOverlongPenalty(n, cfg))).toEqual([0, 0, -0.5, -1, -1]);
    expect(dapoOverlongPenalty(120, { ...cfg, variant: "verl" })).toBeCloseTo(-2, 12);
    expect(dapoOverlongPenalty(90, { ...cfg, penaltyFactor: 2 })).toBeCloseTo(-1, 12);
  });
  it("L_c = 0 is a hard cutoff", () => {
    expect(dapoOverlongPenalty(100, { maxLength: 100, cacheLength: 0 })).toBe(0);
    expect(dapoOverlongPenalty(101, { maxLength: 100, cacheLength: 0 })).toBe(-1);
  });
  it("is non-increasing in length and within [-1, 0] (paper)", () => {
    fc.assert(
      fc.property(fc.nat(300), fc.nat(300), (a, b) => {
        const [x, y] = a <= b ? [a, b] : [b, a];
        const px = dapoOverlongPenalty(x, cfg);
        const py = dapoOverlongPenalty(y, cfg);
        expect(py).toBeLessThanOrEqual(px);
        expect(px).toBeGreaterThanOrEqual(-1);
        expect(px).toBeLessThanOrEqual(0);
      }),
      { numRuns: 100 },
    );
  });
  it("errors", () => {
    expect(() => dapoOverlongPenalty(-1, cfg)).toThrow(/length must be/);
    expect(() => dapoOverlongPenalty(1.5, cfg)).toThrow(RLError);
    expect(() => dapoOverlongPenalty(1, { maxLength: 10, cacheLength: 20 })).toThrow(/cacheLength/);
  });
});

describe("cosineScaledReward (spec §19)", () => {
  it("worked example", () => {
    const c = { maxLength: 100 };
    const good = [0, 50, 100, 150].map((n) => cosineScaledReward(n, true, c) as number);
    const bad = [0, 50, 100, 150].map((n) => cosineScaledReward(n, false, c) as number);
    [1, 0.75, 0.5, 0.5].forEach((v, k) => expect(good[k]).toBeCloseTo(v, 12));
    [-1, -0.75, -0.5, -0.5].forEach((v, k) => expect(bad[k]).toBeCloseTo(v, 12));
    expect(cosineScaledReward(10, null, c)).toBeNull();
  });
  it("correct always beats wrong at the same length", () => {
    fc.assert(
      fc.property(fc.nat(500), (n) => {
        expect(cosineScaledReward(n, true, { maxLength: 200 }) as number).toBeGreaterThan(cosineScaledReward(n, false, { maxLength: 200 }) as number);
      }),
      { numRuns: 100 },
    );
  });
});

describe("repetitionPenalty (spec §19)", () => {
  it("worked example", () => {
    expect(repetitionPenalty([1, 2, 3, 4], { ngramSize: 2 })).toBe(0);
    expect(repetitionPenalty([5, 5, 5, 5, 5], { ngramSize: 2 })).toBeCloseTo(-0.75, 12);
    expect(repetitionPenalty([1, 2, 1, 2, 1], { ngramSize: 2 })).toBeCloseTo(-0.5, 12);
    expect(repetitionPenalty([1, 2])).toBe(0);
  });
  it("is in [maxPenalty, 0]", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 40 }), (ids) => {
        const p = repetitionPenalty(ids, { maxPenalty: -2 });
        expect(p).toBeLessThanOrEqual(0);
        expect(p).toBeGreaterThanOrEqual(-2);
      }),
      { numRuns: 100 },
    );
  });
  it("maxPenalty > 0 is an error", () => {
    expect(() => repetitionPenalty([1], { maxPenalty: 1 })).toThrow(/maxPenalty/);
  });
});

describe("linearLengthPenalty (spec §19, PAR)", () => {
  it("worked example and defaults", () => {
    expect(linearLengthPenalty(350)).toBeCloseTo(-0.5, 12);
    expect(linearLengthPenalty(300)).toBe(0);
    expect(linearLengthPenalty(10, { freeTokens: 0, perToken: 0.1 })).toBeCloseTo(-1, 12);
    expect(() => linearLengthPenalty(-3)).toThrow(RLError);
  });
});

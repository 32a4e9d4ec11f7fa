import { RLError } from "@rl/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstErrorSearch, mathShepherdLabels, monteCarloStepLabels, monteCarloValue, omegaPrmPriority, restMctsValues } from "../../src/labels/index.js";

describe("mathShepherdLabels (spec §25)", () => {
  it("N = 8: 3 correct → SE 0.375, HE 1; 0 correct → 0, 0", () => {
    const { soft, hard } = mathShepherdLabels([
      [true, false, false, true, false, true, false, false],
      [0, 0, 0, 0, 0, 0, 0, 0],
    ]);
    expect(soft.toFlatArray()).toEqual([0.375, 0]);
    expect(hard.toFlatArray()).toEqual([1, 0]);
  });
  it("threshold moves the hard label; steps may have different N", () => {
    expect(mathShepherdLabels([[1, 0, 0, 0], [1, 1]], { threshold: 0.5 }).hard.toFlatArray()).toEqual([0, 1]);
  });
  it("errors: no steps, a step without completions, a non-boolean answer", () => {
    expect(() => mathShepherdLabels([])).toThrow(/mathShepherdLabels: completions is empty/);
    expect(() => mathShepherdLabels([[1], []])).toThrow(/completions\[1\] has no completion/);
    expect(() => mathShepherdLabels([[1, 0.5]])).toThrow(/completions\[0\]\[1\] is 0.5/);
  });
});

describe("Monte-Carlo labels with a completion oracle", () => {
  it("monteCarloValue = c/k over k concurrent completions", async () => {
    expect(await monteCarloValue(2, async (_p, i) => i < 3)).toBe(0.375);
  });
  it("monteCarloStepLabels labels every prefix", async () => {
    const { soft, hard } = await monteCarloStepLabels(3, async (p, i) => p < 2 || (p === 2 && i === 0), { rollouts: 4 });
    expect(soft.toFlatArray()).toEqual([1, 0.25, 0]);
    expect(hard.toFlatArray()).toEqual([1, 1, 0]);
  });
  it("a bad oracle answer or a bad step count throws RLError; oracle failures propagate", async () => {
    await expect(monteCarloValue(1, async () => 2)).rejects.toThrow(/completion oracle \(prefix 1, rollout 0\) is 2/);
    await expect(firstErrorSearch(0, async () => true)).rejects.toThrow(RLError);
    await expect(firstErrorSearch(3, async () => Promise.reject(new Error("server down")))).rejects.toThrow(/server down/);
  });
});

describe("firstErrorSearch (spec §26, OmegaPRM binary search)", () => {
  it("finds the first wrong step and keeps the visited MC values", async () => {
    const oracle = async (prefixLength: number) => prefixLength < 3; // step index 2 is wrong
    const out = await firstErrorSearch(5, oracle, { rollouts: 2 });
    expect(out.firstError).toBe(2);
    // mid = 2 (prefix 3: MC 0), mid = 0 (prefix 1: MC 1), mid = 1 (prefix 2: MC 1)
    expect([...out.labels.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [1, 1],
      [2, 1],
      [3, 0],
    ]);
    expect(out.completions).toBe(6);
  });
  it("soft MC values: only MC ≤ threshold counts as wrong", async () => {
    const oracle = async (p: number, i: number) => p < 2 || i === 0; // MC = 1, then 1/8 after step 0
    expect((await firstErrorSearch(4, oracle)).firstError).toBe(null);
    expect((await firstErrorSearch(4, oracle, { threshold: 0.2 })).firstError).toBe(1);
    expect((await firstErrorSearch(4, oracle, { threshold: 0 })).labels.get(2)).toBe(0.125);
  });
  it("matches a linear scan and costs k·⌈log2(K+1)⌉ completions at most (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 40 }), async (K, e0) => {
        const e = Math.min(e0, K); // e = K: no error
        let calls = 0;
        const oracle = async (prefixLength: number) => {
          calls++;
          return prefixLength <= e;
        };
        const out = await firstErrorSearch(K, oracle, { rollouts: 3 });
        expect(out.firstError).toBe(e < K ? e : null);
        expect(calls).toBe(out.completions);
        expect(calls).toBeLessThanOrEqual(3 * Math.ceil(Math.log2(K + 1)));
      }),
      { numRuns: 100 },
    );
  });
});

describe("omegaPrmPriority (spec §26 worked example)", () => {
  it("Q = 0.5822051, U = 0.2165064", () => {
    const { q, u, score } = omegaPrmPriority({ mc: 0.25, rolloutLength: 100, visits: 0, totalVisits: 3 });
    expect(q).toBeCloseTo(0.5822051, 6);
    expect(u).toBeCloseTo(0.2165064, 6);
    expect(score).toBeCloseTo(q + u, 12);
  });
  it("prefers higher MC and shorter rollouts", () => {
    const a = omegaPrmPriority({ mc: 0.75, rolloutLength: 100, visits: 1, totalVisits: 3 }).q;
    const b = omegaPrmPriority({ mc: 0.25, rolloutLength: 100, visits: 1, totalVisits: 3 }).q;
    const c = omegaPrmPriority({ mc: 0.75, rolloutLength: 400, visits: 1, totalVisits: 3 }).q;
    expect(a).toBeGreaterThan(b);
    expect(a).toBeGreaterThan(c);
  });
  it("errors", () => {
    expect(() => omegaPrmPriority({ mc: 1.5, rolloutLength: 1, visits: 0, totalVisits: 0 })).toThrow(/mc is 1.5/);
    expect(() => omegaPrmPriority({ mc: 0.5, rolloutLength: -1, visits: 0, totalVisits: 0 })).toThrow(/rolloutLength is -1/);
  });
});

describe("restMctsValues (spec §27 worked examples)", () => {
  it("correct trace and a wrong second step", () => {
    expect(restMctsValues([0, 0, 0], [2, 1, 0]).values.toFlatArray().map((v) => +v.toFixed(7))).toEqual([0.3333333, 0.6666667, 1]);
    expect(restMctsValues([0, 1, 0], [2, 1, 0]).values.toFlatArray().map((v) => +v.toFixed(7))).toEqual([0.3333333, 0, 1]);
  });
  it("values stay in [0, 1] (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 10 })), { maxLength: 12 }), (steps) => {
        restMctsValues(steps.map(([r]) => r), steps.map(([, m]) => m)).values.toFlatArray().forEach((v) => {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1 + 1e-12);
        });
      }),
      { numRuns: 100 },
    );
  });
  it("errors", () => {
    expect(() => restMctsValues([0, 1], [1])).toThrow(/stepIncorrect has 2 entries, distances has 1/);
    expect(() => restMctsValues([2], [1])).toThrow(/stepIncorrect\[0\] is 2/);
  });
});

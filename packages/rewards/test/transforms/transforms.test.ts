import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RLError } from "@rl/core";
import {
  centeredReward,
  chainTransforms,
  clipRewards,
  clipTransform,
  groupZScoreRewards,
  lscReference,
  lscTransform,
  normalizeRewards,
  normalizeTransform,
  parTransform,
  preferenceAsReward,
  runningRewardNormalizer,
  statelessTransform,
} from "../../src/index.js";
import { andCombine, emptyRunningRewardStats, logSigmoidCentered, updateRunningRewardStats } from "../../src/transforms/index.js";

const finite = fc.double({ min: -50, max: 50, noNaN: true });


/** True when f keeps the (weak) order of every pair. */
function keepsOrder(xs: readonly number[], ys: readonly (number | null)[]): boolean {
  for (let i = 0; i < xs.length; i++) {
    for (let j = 0; j < xs.length; j++) {
      if ((xs[i] as number) < (xs[j] as number) && (ys[i] as number) > (ys[j] as number)) return false;
    }
  }
  return true;
}

describe("running normalisation (spec §22)", () => {
  it("worked example: [1,2,3] then [4,5]", () => {
    const s = updateRunningRewardStats(updateRunningRewardStats(emptyRunningRewardStats(), [1, 2, 3]), [4, 5]);
    expect(s.count).toBe(5);
    expect(s.mean).toBeCloseTo(3, 12);
    expect(Math.sqrt(s.m2 / s.count)).toBeCloseTo(1.4142136, 7);
    const meanstd = runningRewardNormalizer();
    const clip = runningRewardNormalizer({ mode: "clip" });
    const s1 = meanstd.update({ rewards: [1, 2, 3] }, meanstd.init()).state;
    // update with [4,5] first, then transform: 5 -> (5-3)/sqrt(2)
    const out = meanstd.update({ rewards: [4, 5] }, s1).output;
    expect(out[1]).toBeCloseTo(1.4142136, 7);
    const c1 = clip.update({ rewards: [1, 2, 3] }, clip.init()).state;
    expect(clip.update({ rewards: [4, 5] }, c1).output[1]).toBeCloseTo(4.4142136, 7);
  });
  it("matches the population statistics of everything seen", () => {
    fc.assert(
      fc.property(fc.array(fc.array(finite, { maxLength: 6 }), { maxLength: 5 }), (batches) => {
        let s = emptyRunningRewardStats();
        for (const b of batches) s = updateRunningRewardStats(s, b);
        const all = batches.flat();
        expect(s.count).toBe(all.length);
        if (all.length > 0) {
          const mu = all.reduce((a, x) => a + x, 0) / all.length;
          expect(s.mean).toBeCloseTo(mu, 8);
          expect(s.m2 / all.length).toBeCloseTo(all.reduce((a, x) => a + (x - mu) ** 2, 0) / all.length, 6);
        }
      }),
      { numRuns: 100 },
    );
  });
  it("every mode keeps the order within a batch and passes null through", () => {
    for (const mode of ["meanstd", "center", "clip", "minmax"] as const) {
      fc.assert(
        fc.property(fc.array(finite, { minLength: 1, maxLength: 8 }), fc.array(finite, { maxLength: 8 }), (prev, xs) => {
          const t = runningRewardNormalizer({ mode });
          const s = t.update({ rewards: prev }, t.init()).state;
          const { output } = t.update({ rewards: [...xs, null] }, s);
          expect(output[xs.length]).toBeNull();
          expect(keepsOrder(xs, output)).toBe(true);
          output.slice(0, xs.length).forEach((v) => expect(Number.isFinite(v)).toBe(true));
        }),
        { numRuns: 50 },
      );
    }
  });
  it("edge cases: one sample, constant batch, all null", () => {
    const t = runningRewardNormalizer();
    expect(t.update({ rewards: [5] }, t.init()).output).toEqual([0]);
    const mm = runningRewardNormalizer({ mode: "minmax" });
    expect(mm.update({ rewards: [2, 2] }, mm.init()).output).toEqual([0.5, 0.5]);
    const r = t.update({ rewards: [null, null] }, t.init());
    expect(r.output).toEqual([null, null]);
    expect(r.state.count).toBe(0);
  });
  it("errors", () => {
    const t = runningRewardNormalizer();
    expect(() => t.update({ rewards: [Number.NaN] }, t.init())).toThrow(/rewards\[0\] is NaN/);
    expect(() => t.update({ rewards: [1] }, null as never)).toThrow(RLError);
    expect(() => runningRewardNormalizer({ mode: "zscore" as "center" })).toThrow(/runningRewardNormalizer/);
  });
});

describe("static normalisation and clipping", () => {
  it("normalize, clip, null", () => {
    expect(normalizeRewards([1, 3, null], { mean: 2, std: 2 })).toEqual([-0.5, 0.5, null]);
    expect(clipRewards([-5, 0.5, 7, null], { min: -1, max: 3 })).toEqual([-1, 0.5, 3, null]);
    expect(() => normalizeRewards([1], { std: 0 })).toThrow(RLError);
    expect(() => clipRewards([1], { min: 2, max: 1 })).toThrow(/min must be/);
  });
  it("keep the order", () => {
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 10 }), finite, fc.double({ min: 0.01, max: 10, noNaN: true }), (xs, m, s) => {
        expect(keepsOrder(xs, normalizeRewards(xs, { mean: m, std: s }))).toBe(true);
        expect(keepsOrder(xs, clipRewards(xs, { min: -1, max: 1 }))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe("LSC (spec §23)", () => {
  it("worked examples", () => {
    expect(logSigmoidCentered(1, 0.5)).toBeCloseTo(-0.474077, 6);
    expect(andCombine([[logSigmoidCentered(1, 0.5)], [logSigmoidCentered(-0.5, 0)]])[0]).toBeCloseTo(-1.448154, 6);
    expect(lscReference([0, 0.5, 2])).toBeCloseTo(1.9120978, 6);
    const t = lscTransform();
    expect(t.update({ rewards: [1], context: { refRewards: [[0, 0.5, 2]] } }, undefined).output[0]).toBeCloseTo(-1.2497698, 6);
    expect(lscTransform({ fixedReference: 0.5 }).update({ rewards: [1, null] }, undefined).output).toEqual([logSigmoidCentered(1, 0.5), null]);
  });
  it("is ≤ 0, increasing, stable for large gaps", () => {
    fc.assert(
      fc.property(finite, finite, finite, (a, b, ref) => {
        const ua = logSigmoidCentered(a, ref);
        expect(ua).toBeLessThanOrEqual(0);
        if (a < b) expect(ua).toBeLessThanOrEqual(logSigmoidCentered(b, ref));
      }),
      { numRuns: 100 },
    );
    expect(logSigmoidCentered(-1000, 0)).toBeCloseTo(-1000, 9);
    expect(Math.abs(logSigmoidCentered(1000, 0))).toBe(0); // core logSigmoid: min(x, 0) − log1p(e^{−|x|}) = 0 exactly
  });
  it("andCombine: null is contagious; shapes checked", () => {
    expect(andCombine([[1, null], [2, 3]])).toEqual([3, null]);
    expect(() => andCombine([[1], [1, 2]])).toThrow(/utilities\[1\] has 2 entries/);
    expect(() => andCombine([])).toThrow(RLError);
  });
  it("errors", () => {
    expect(() => lscReference([])).toThrow(/refRewards is empty/);
    expect(() => lscTransform().update({ rewards: [1] }, undefined)).toThrow(/refRewards is required/);
    expect(() => lscTransform().update({ rewards: [1], context: { refRewards: [] } }, undefined)).toThrow(/SHAPE|rows/);
    expect(() => lscReference([1], { quantile: 1 })).toThrow(/lscReference/);
  });
});

describe("PAR (spec §24)", () => {
  it("worked examples", () => {
    expect(preferenceAsReward(1, [0, 0.5, 2])).toBeCloseTo(0.5408198, 7);
    expect(preferenceAsReward(1, [0.5])).toBeCloseTo(0.6224593, 7);
    expect(preferenceAsReward(1, [0, 0.5, 2], { k: 2 })).toBeCloseTo(0.5770195, 7);
    // with PAR's length penalty applied upstream: 350 tokens -> r = 1 - 0.01*50 = 0.5
    expect(preferenceAsReward(0.5, [0, 0.5, 2])).toBeCloseTo(0.4349616, 7);
    expect(centeredReward(1, [0, 0.5, 2])).toBeCloseTo(0.1666667, 7);
    expect(preferenceAsReward(1, [0.5, 0, 2], { maxRef: 1 })).toBeCloseTo(0.6224593, 7);
  });
  it("is in (0,1) and increasing in r", () => {
    fc.assert(
      fc.property(finite, finite, fc.array(finite, { minLength: 1, maxLength: 5 }), (a, b, refs) => {
        const pa = preferenceAsReward(a, refs);
        expect(pa).toBeGreaterThanOrEqual(0);
        expect(pa).toBeLessThanOrEqual(1);
        if (a < b) expect(pa).toBeLessThanOrEqual(preferenceAsReward(b, refs));
      }),
      { numRuns: 100 },
    );
  });
  it("transform and errors", () => {
    const out = parTransform({ penalizeLength: false }).update({ rewards: [1, null], context: { refRewards: [[0, 0.5, 2], []] } }, undefined).output;
    expect(out[0]).toBeCloseTo(0.5408198, 7);
    expect(out[1]).toBeNull();
    expect(() => preferenceAsReward(1, [])).toThrow(/refRewards is empty/);
    expect(() => preferenceAsReward(Number.NaN, [1])).toThrow(RLError);
  });
});

describe("chainTransforms", () => {
  it("composes left to right and threads each member's state", () => {
    const double = statelessTransform((r) => r.map((x) => (x === null ? null : 2 * x)));
    const t = chainTransforms(double, runningRewardNormalizer({ mode: "center" }), clipTransform({ max: 1 }));
    let state = t.init();
    const a = t.update({ rewards: [1, 2, 3, null] }, state);
    expect(a.output).toEqual([-2, 0, 1, null]);
    state = a.state;
    expect(state[1].count).toBe(3); // typed per member: no cast
    const b = t.update({ rewards: [3] }, state);
    expect(b.state[1].count).toBe(4);
    expect(b.output[0]).toBe(1);
    // the input state was not mutated
    expect(state[1].count).toBe(3);
  });
  it("a chain of one equals the member; identity via normalizeTransform()", () => {
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 6 }), (xs) => {
        const t = chainTransforms(normalizeTransform());
        expect(t.update({ rewards: xs }, t.init()).output).toEqual(xs);
      }),
      { numRuns: 50 },
    );
  });
  it("errors", () => {
    expect(() => chainTransforms()).toThrow(/at least one/);
    const bad = statelessTransform(() => [1]);
    const t = chainTransforms(bad);
    expect(() => t.update({ rewards: [1, 2] }, t.init())).toThrow(/returned 1 rewards for 2/);
    expect(() => t.update({ rewards: [1] }, [] as never)).toThrow(/state has 0 entries/);
  });
});

describe("groupZScoreRewards (spec §22)", () => {
  it("worked example: unbiased and population", () => {
    const u = groupZScoreRewards([0.2, 0.4, 0.6, 0.8], [0, 0, 0, 0]);
    [-1.161891, -0.387297, 0.387297, 1.161891].forEach((v, k) => expect(u[k]).toBeCloseTo(v, 5));
    const p = groupZScoreRewards([0.2, 0.4, 0.6, 0.8], [0, 0, 0, 0], { unbiased: false });
    [-1.341635, -0.447212, 0.447212, 1.341635].forEach((v, k) => expect(p[k]).toBeCloseTo(v, 5));
  });
  it("groups, singletons, constants and nulls", () => {
    expect(groupZScoreRewards([1, 5, 3, null, 7], ["a", "b", "a", "a", "c"])).toEqual([
      expect.closeTo(-0.7071063, 6),
      0,
      expect.closeTo(0.7071063, 6),
      null,
      0,
    ]);
    expect(groupZScoreRewards([2, 2], [1, 1])).toEqual([0, 0]);
  });
  it("invariant to adding a constant to every reward of a group", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: -50, max: 50 }), (xs, k) => {
        const g = xs.map(() => 0);
        const a = groupZScoreRewards(xs, g);
        const b = groupZScoreRewards(xs.map((x) => x + k), g);
        a.forEach((v, i) => expect(b[i]).toBeCloseTo(v as number, 6));
        expect(keepsOrder(xs, a)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
  it("errors", () => {
    expect(() => groupZScoreRewards([1, 2], [0])).toThrow(/groups has 1 entries, rewards has 2/);
  });
});

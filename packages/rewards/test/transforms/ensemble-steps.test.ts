import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RLError } from "@rl/core";
import {
  aggregateSteps,
  clipDeltaStepRewards,
  clipStepRewards,
  deltaStepRewards,
  ensembleRewards,
  ppoCalibration,
} from "../../src/index.js";
import { parseVerbalizedConfidence } from "../../src/transforms/index.js";

const finite = fc.double({ min: -20, max: 20, noNaN: true });
const prob = fc.double({ min: 0, max: 1, noNaN: true });

describe("ensembleRewards (spec §25)", () => {
  it("worked example", () => {
    const members = [[1.0, 0.5, 1.5]];
    expect(ensembleRewards(members).rewards.toFlatArray()).toEqual([1]);
    expect(ensembleRewards(members, { mode: "wco" }).rewards.toFlatArray()).toEqual([0.5]);
    const uwo = ensembleRewards(members, { mode: "uwo", lambda: 0.5 });
    expect(uwo.variance.get(0)).toBeCloseTo(0.1666667, 7);
    expect(uwo.rewards.get(0)).toBeCloseTo(0.9166667, 7);
  });
  it("bounds: min ≤ WCO ≤ mean ≤ max; UWO ≤ mean; k = 1 collapses", () => {
    fc.assert(
      fc.property(fc.array(fc.array(finite, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 6 }), fc.double({ min: 0, max: 5, noNaN: true }), (rows, lambda) => {
        const mean = ensembleRewards(rows).rewards;
        const wco = ensembleRewards(rows, { mode: "wco" }).rewards;
        const uwo = ensembleRewards(rows, { mode: "uwo", lambda }).rewards;
        rows.forEach((r, i) => {
          const lo = Math.min(...r);
          const hi = Math.max(...r);
          expect(wco.get(i)).toBe(lo);
          expect(wco.get(i)).toBeLessThanOrEqual(mean.get(i) + 1e-12);
          expect(mean.get(i)).toBeGreaterThanOrEqual(lo - 1e-12);
          expect(mean.get(i)).toBeLessThanOrEqual(hi + 1e-12);
          expect(uwo.get(i)).toBeLessThanOrEqual(mean.get(i) + 1e-12);
        });
        const single = rows.map((r) => [r[0] as number]);
        for (const mode of ["mean", "wco", "uwo"] as const) {
          expect(ensembleRewards(single, { mode }).rewards.toFlatArray().map((x) => x + 0)).toEqual(single.map((r) => (r[0] as number) + 0));
        }
      }),
      { numRuns: 100 },
    );
  });
  it("null members are left out of that sample's statistics; a sample nobody scored has no reward", () => {
    const members = [
      [1, null, 0.5],
      [null, null, null],
      [0.2, 0.4, 0.0],
    ];
    const mean = ensembleRewards(members);
    expect(mean.rewardList).toEqual([0.75, null, expect.closeTo(0.2, 12)]);
    expect(mean.rewards.toFlatArray()).toEqual([0.75, 0, expect.closeTo(0.2, 12)]);
    expect(mean.variance.get(0)).toBeCloseTo(0.0625, 12); // population variance of [1, 0.5]
    expect(ensembleRewards(members, { mode: "wco" }).rewardList).toEqual([0.5, null, 0]);
    expect(ensembleRewards(members, { mode: "uwo", lambda: 2 }).rewardList[0]).toBeCloseTo(0.75 - 2 * 0.0625, 12);
  });
  it("a null member is the same as a smaller ensemble for that sample (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(finite, fc.option(finite, { nil: null }), finite), { minLength: 1, maxLength: 6 }), (rows) => {
        for (const mode of ["mean", "wco", "uwo"] as const) {
          const withNull = ensembleRewards(rows, { mode }).rewardList;
          rows.forEach((r, i) => {
            const present = r.filter((v): v is number => v !== null);
            expect(withNull[i], mode).toBeCloseTo(ensembleRewards([present], { mode }).rewards.get(0), 9);
          });
        }
      }),
      { numRuns: 100 },
    );
  });
  it("errors", () => {
    expect(() => ensembleRewards([[1, Number.NaN]])).toThrow(RLError);
    expect(() => ensembleRewards([[1, null, Number.NaN]])).toThrow(/ensembleRewards: members\[0\]\[2\] is NaN/);
    expect(() => ensembleRewards([[1, 2], [3]])).toThrow(RLError);
    expect(() => ensembleRewards([])).toThrow(RLError);
    expect(() => ensembleRewards([[1]], { lambda: -1 })).toThrow(/ensembleRewards/);
  });
});

describe("aggregateSteps (spec §10)", () => {
  const A = [0.9, 0.6, 0.8];
  const B = [0.7, 0.7, 0.7];
  it("worked example: min disagrees with last/product/mean", () => {
    expect(aggregateSteps(A)).toBe(0.6);
    expect(aggregateSteps(B)).toBe(0.7);
    expect(aggregateSteps(A, { mode: "last" })).toBe(0.8);
    expect(aggregateSteps(A, { mode: "product" })).toBeCloseTo(0.432, 12);
    expect(aggregateSteps(B, { mode: "product" })).toBeCloseTo(0.343, 12);
    expect(aggregateSteps(A, { mode: "mean" })).toBeCloseTo(0.7666667, 7);
    expect(aggregateSteps(A, { mode: "sum" })).toBeCloseTo(2.3, 12);
    expect(aggregateSteps([0.5, 0.5], { mode: "sumLogit" })).toBeCloseTo(0, 12);
    expect(Number.isFinite(aggregateSteps([1, 0], { mode: "sumLogit" }))).toBe(true);
  });
  it("empty -> null, zero step -> product 0", () => {
    for (const mode of ["min", "last", "product", "mean", "sum", "sumLogit"] as const) expect(aggregateSteps([], { mode })).toBeNull();
    expect(aggregateSteps([0.5, 0], { mode: "product" })).toBe(0);
  });
  it("min, product and mean are monotone in every step", () => {
    fc.assert(
      fc.property(fc.array(prob, { minLength: 1, maxLength: 6 }), fc.nat(), prob, (ps, k, bump) => {
        const i = k % ps.length;
        const up = ps.map((p, j) => (j === i ? Math.max(p, bump) : p));
        for (const mode of ["min", "product", "mean"] as const) {
          expect(aggregateSteps(up, { mode }) as number).toBeGreaterThanOrEqual((aggregateSteps(ps, { mode }) as number) - 1e-12);
        }
      }),
      { numRuns: 100 },
    );
  });
  it("errors", () => {
    expect(() => aggregateSteps([1.2], { mode: "product" })).toThrow(/scores\[0\] is 1.2/);
    expect(() => aggregateSteps([Number.NaN])).toThrow(RLError);
    expect(() => aggregateSteps([0.5], { mode: "max" as "min" })).toThrow(/aggregateSteps/);
  });
});

describe("Clip / Delta (spec §12)", () => {
  const p = [0.9, 0.3, 0.7];
  it("worked example", () => {
    const clip = clipStepRewards(p, { eta: 0.5 });
    [0, -0.2, 0].forEach((v, k) => expect(clip[k]).toBeCloseTo(v, 12));
    const delta = deltaStepRewards(p);
    [0.6, -0.4, 0.7].forEach((v, k) => expect(delta[k]).toBeCloseTo(v, 12));
    const cd = clipDeltaStepRewards(p, { eta: 0.5 });
    [0.2, -0.2, 0].forEach((v, k) => expect(cd[k]).toBeCloseTo(v, 12));
    expect(deltaStepRewards([0.4])).toEqual([0.4]);
    expect(deltaStepRewards([])).toEqual([]);
  });
  it("Delta's returns-to-go equal the original scores; Clip is ≤ 0", () => {
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 8 }), finite, (xs, eta) => {
        const d = deltaStepRewards(xs);
        for (let k = 0; k < xs.length; k++) {
          const rtg = d.slice(k).reduce((s, x) => s + x, 0);
          expect(rtg).toBeCloseTo(xs[k] as number, 9);
        }
        clipStepRewards(xs, { eta }).forEach((v) => expect(v).toBeLessThanOrEqual(0));
      }),
      { numRuns: 100 },
    );
  });
  it("errors", () => {
    expect(() => clipStepRewards([1], {} as never)).toThrow(/eta/);
    expect(() => deltaStepRewards([Number.POSITIVE_INFINITY])).toThrow(RLError);
  });
});

describe("PPO-C (spec §26)", () => {
  it("worked example: threshold and difference", () => {
    const t = ppoCalibration();
    const r = t.update({ rewards: [2, -1], context: { confidences: [0.9, 0.8] } }, t.init());
    expect(r.state.average).toBeCloseTo(0.05, 12);
    expect(r.output[0]).toBeCloseTo(2.4, 12);
    expect(r.output[1]).toBeCloseTo(-1.15, 12);
    const d = ppoCalibration({ mode: "difference" });
    const o = d.update({ rewards: [2, -1], context: { confidences: [0.9, 0.8] } }, d.init()).output;
    expect(o[0]).toBeCloseTo(2.39, 12);
    expect(o[1]).toBeCloseTo(-1.1575, 12);
  });
  it("neutral confidence, clamp, nulls, std average", () => {
    const t = ppoCalibration();
    const r = t.update({ rewards: [3, null, 50] }, t.init());
    expect(r.output).toEqual([3, null, 10]);
    expect(r.state.average).toBeCloseTo(0.1 * 6.5, 12);
    expect(t.update({ rewards: [null] }, { average: 0.3 }).state.average).toBe(0.3);
    const s = ppoCalibration({ average: "std" });
    expect(s.update({ rewards: [1, 3] }, s.init()).state.average).toBeCloseTo(0.1 * Math.SQRT2, 12);
  });
  it("parses verbalised confidence", () => {
    expect(parseVerbalizedConfidence("It is 4. Confidence: 7/10").confidence).toBeCloseTo(0.7, 12);
    expect(parseVerbalizedConfidence("confidence: 12").confidence).toBe(1);
    expect(parseVerbalizedConfidence("Confidence: 8.5").text).toBe("");
    expect(parseVerbalizedConfidence("no statement")).toEqual({ confidence: null, text: "no statement" });
  });
  it("errors", () => {
    const t = ppoCalibration();
    expect(() => t.update({ rewards: [1], context: { confidences: [1.5] } }, t.init())).toThrow(/confidences\[0\] is 1.5/);
    expect(() => t.update({ rewards: [1, 2], context: { confidences: [0.5] } }, t.init())).toThrow(/has 1 entries/);
    expect(() => ppoCalibration({ alpha: 0 })).toThrow(/ppoCalibration/);
  });
});

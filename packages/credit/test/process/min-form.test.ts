import { RLError } from "@rl/core";
import { assertClose } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { minFormRewards, prmStepScores, strictMinReturns, sumFormReturns } from "../../src/process/index.js";

const r = [[0.8, -0.5, 0.6]];
const full = [[1, 1, 1]];

const rowsArb = fc
  .integer({ min: 1, max: 6 })
  .chain((k) =>
    fc.array(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: k, maxLength: k }), { minLength: 1, maxLength: 4 }),
  );

describe("minFormRewards (spec §16 worked examples)", () => {
  it("τ = 0.1 puts almost all weight on the worst step", () => {
    const { rewards, weights } = minFormRewards(r, full);
    assertClose(weights.toArray(), [[0.0000023, 0.999981, 0.0000167]], 1e-6, 1e-5);
    assertClose(rewards.toArray(), [[0.0000018, -0.4999905, 0.00001]], 1e-6, 1e-5);
    assertClose(sumFormReturns(rewards, full).returns.toArray(), [[-0.4999787, -0.4999805, 0.00001]], 1e-6, 1e-5);
  });
  it("τ = 1", () => {
    const { rewards, weights } = minFormRewards(r, full, { temperature: 1 });
    assertClose(weights.toArray(), [[0.1697591, 0.6228966, 0.2073443]], 1e-7, 1e-6);
    assertClose(rewards.toArray(), [[0.1358073, -0.3114483, 0.1244066]], 1e-7, 1e-6);
    assertClose(sumFormReturns(rewards, full).returns.toArray(), [[-0.0512344, -0.1870417, 0.1244066]], 1e-7, 1e-6);
  });
  it("uniform weights when weighted is false", () => {
    assertClose(minFormRewards(r, full, { weighted: false }).rewards.toArray(), [[0.2666667, -0.1666667, 0.2]], 1e-7, 1e-6);
  });
  it("ties at the minimum share the weight; one step gets weight 1", () => {
    assertClose(minFormRewards([[-0.5, -0.5]], [[1, 1]]).rewards.toArray(), [[-0.25, -0.25]], 1e-12, 0);
    assertClose(minFormRewards([[0.3]], [[1]]).weights.toArray(), [[1]], 1e-12, 0);
  });
  it("a row without a valid step is 0 (never NaN), even at a tiny temperature", () => {
    const out = minFormRewards([[0.4, 0.2], [-1, 1]], [[0, 0], [1, 1]], { temperature: 1e-9 });
    expect(out.rewards.toArray()).toEqual([[0, 0], [-1, 0]]);
  });
  it("rejects bad input with a clear RLError", () => {
    expect(() => minFormRewards([], [])).toThrow(/minFormRewards: stepRewards is empty/);
    expect(() => minFormRewards([[1, 2]], [[1, 1, 1]])).toThrow(/stepMask has shape \[1,3\], stepRewards has \[1,2\]/);
    expect(() => minFormRewards([[1, 2]], [[1, 0.5]])).toThrow(RLError);
    expect(() => minFormRewards([[NaN]], [[1]])).toThrow(/NON_FINITE|finite/);
    expect(() => minFormRewards([[1]], [[1]], { temperature: 0 })).toThrow(/invalid config/);
  });
});

describe("minFormRewards properties", () => {
  it("Σ r* → min r as τ → 0: |Σ r* − min r| ≤ K·τ/e", () => {
    fc.assert(
      fc.property(rowsArb, fc.constantFrom(1e-3, 1e-2, 0.1), (rows, tau) => {
        const mask = rows.map((row) => row.map(() => 1));
        const out = minFormRewards(rows, mask, { temperature: tau }).rewards.toArray();
        rows.forEach((row, b) => {
          const sum = (out[b] as number[]).reduce((a, x) => a + x, 0);
          expect(Math.abs(sum - Math.min(...row))).toBeLessThanOrEqual((row.length * tau) / Math.E + 1e-12);
        });
      }),
      { numRuns: 100 },
    );
  });
  it("Σ r* → mean r as τ → ∞", () => {
    fc.assert(
      fc.property(rowsArb, (rows) => {
        const mask = rows.map((row) => row.map(() => 1));
        const out = minFormRewards(rows, mask, { temperature: 1e7 }).rewards.toArray();
        rows.forEach((row, b) => {
          const sum = (out[b] as number[]).reduce((a, x) => a + x, 0);
          expect(sum).toBeCloseTo(row.reduce((a, x) => a + x, 0) / row.length, 5);
        });
      }),
      { numRuns: 50 },
    );
  });
  it("with non-positive rewards, min-form returns never exceed sum-form returns in magnitude: sum ≤ min-form ≤ 0", () => {
    fc.assert(
      fc.property(rowsArb, fc.double({ min: 0.01, max: 10, noNaN: true }), (rows, tau) => {
        const neg = rows.map((row) => row.map((x) => -Math.abs(x)));
        const mask = neg.map((row) => row.map(() => 1));
        const sum = sumFormReturns(neg, mask).returns.toArray().flat();
        const soft = sumFormReturns(minFormRewards(neg, mask, { temperature: tau }).rewards, mask).returns.toArray().flat();
        const strict = strictMinReturns(neg, mask).returns.toArray().flat();
        sum.forEach((s, k) => {
          expect(soft[k] as number).toBeGreaterThanOrEqual(s - 1e-12);
          expect(strict[k] as number).toBeGreaterThanOrEqual(s - 1e-12);
          expect(soft[k] as number).toBeLessThanOrEqual(1e-12);
        });
      }),
      { numRuns: 100 },
    );
  });
  it("padding is always 0", () => {
    fc.assert(
      fc.property(rowsArb, fc.integer({ min: 0, max: 6 }), (rows, cut) => {
        const mask = rows.map((row) => row.map((_, k) => (k < cut ? 1 : 0)));
        for (const out of [
          minFormRewards(rows, mask).rewards,
          sumFormReturns(rows, mask, { gamma: 0.9 }).returns,
          strictMinReturns(rows, mask).returns,
        ]) {
          out.toArray().forEach((row, b) => row.forEach((v, k) => (mask[b]?.[k] === 0 ? expect(v).toBe(0) : undefined)));
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe("sumFormReturns / strictMinReturns (spec §16, §17)", () => {
  it("worked numbers", () => {
    assertClose(strictMinReturns(r, full).returns.toArray(), [[-0.5, -0.5, 0.6]], 1e-12, 0);
    assertClose(sumFormReturns(r, full).returns.toArray(), [[0.9, 0.1, 0.6]], 1e-12, 0);
    assertClose(sumFormReturns(r, full, { gamma: 0.9 }).returns.toArray(), [[0.836, 0.04, 0.6]], 1e-12, 0);
  });
  it("skip masked steps", () => {
    assertClose(strictMinReturns([[0.2, 9, -0.1, 7]], [[1, 0, 1, 0]]).returns.toArray(), [[-0.1, 0, -0.1, 0]], 1e-12, 0);
    assertClose(sumFormReturns([[0.2, 9, -0.1, 7]], [[1, 0, 1, 0]]).returns.toArray(), [[0.1, 0, -0.1, 0]], 1e-12, 0);
  });
  it("errors", () => {
    expect(() => sumFormReturns([[1]], [[1]], { gamma: 2 })).toThrow(/sumFormReturns: invalid config/);
    expect(() => strictMinReturns([[1], [2]], [[1]])).toThrow(/strictMinReturns: stepMask has shape \[1,1\], stepRewards has \[2,1\]/);
  });
});

describe("prmStepScores", () => {
  it("p(+) − p(−) of a 2-class PRM", () => {
    const [a, b] = prmStepScores([[0, 0], [0, 2]]).scores.toFlatArray();
    expect(a).toBe(0);
    const p = Math.exp(2) / (1 + Math.exp(2));
    expect(b).toBeCloseTo(p - (1 - p), 12);
  });
  it("rejects a logits matrix that is not [N][2]", () => {
    expect(() => prmStepScores([[0, 1, 2]])).toThrow(/prmStepScores: logits has 3 columns/);
  });
});

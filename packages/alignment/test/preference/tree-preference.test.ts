import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { treePreferenceLoss, treeStepLogRatios, treeStepRewards } from "../../src/index.js";
import { read, scoped } from "./helpers.js";

const run = (s: number[][], psi: number[][], cfg = {}) =>
  scoped(() => {
    const o = treePreferenceLoss({ rewards: tf.tensor2d(s), scores: psi }, cfg);
    return { loss: read(o.loss)[0] as number, losses: read(o.losses), metrics: o.metrics };
  });

describe("treePreferenceLoss (LiPO-λ form, spec §14)", () => {
  it("spec worked example E11: λ-weighted, natural-log discount, unweighted", () => {
    const s = [[0.1, 0.3, -0.2]];
    const psi = [[3, 2, 0]];
    assertClose(run(s, psi).loss, 2.397464, 1e-5, 1e-5);
    assertClose(run(s, psi, { discountBase: Math.E }).loss, 3.458809, 1e-5, 1e-5);
    assertClose(run(s, psi, { weighting: "none" }).loss, 0.608857, 1e-5, 1e-5);
    const m = run(s, psi).metrics;
    expect(m["rewards/best"]).toBeCloseTo(0.1, 6);
    expect(m["rewards/worst"]).toBeCloseTo(-0.2, 6);
    expect(m["ranking/pairAccuracy"]).toBeCloseTo(2 / 3, 6);
    expect(m["ranking/ndcg"]).toBeLessThan(1);
  });

  it("ties in ψ contribute nothing; a list with N = 2 and weighting none is DPO-BT", () => {
    assertClose(run([[0.4, -0.5]], [[1, 1]]).loss, 0, 1e-9, 0);
    assertClose(run([[0.4, -0.5]], [[2, 1]], { weighting: "none" }).loss, Math.log1p(Math.exp(-0.9)), 1e-6, 1e-6);
  });

  it("property: invariant to adding a constant to every reward of a list; ndcg = 1 for a perfect ranking", () => {
    fc.assert(
      // ranks (and so the λ weights) jump at ties of s: draw distinct rewards (≥ 0.01 apart)
      fc.property(fc.uniqueArray(fc.integer({ min: -300, max: 300 }), { minLength: 3, maxLength: 3 }).map((xs) => xs.map((x) => x / 100)), fc.double({ min: -5, max: 5, noNaN: true }), (s, c) => {
        const psi = [[2, 1, 0]];
        assertClose(run([s.map((x) => x + c)], psi).loss, run([s], psi).loss, 1e-3, 1e-3);
      }),
      { numRuns: 40 },
    );
    expect(run([[3, 2, 1]], [[2, 1, 0]]).metrics["ranking/ndcg"]).toBeCloseTo(1, 6);
  });

  it("gradient checks (λ weights are constants) and no leaks", async () => {
    scoped(() => {
      for (const weighting of ["lambda", "none"] as const) {
        checkGradient((x) => treePreferenceLoss({ rewards: x, scores: [[3, 2, 0], [0, 1, 2]] }, { weighting }).loss, tf.tensor2d([[0.1, 0.35, -0.2], [0.5, 0.2, -0.4]]));
      }
    });
    const r = tf.tensor2d([[0.1, 0.3, -0.2]]);
    await expectNoTensorLeak(() => treePreferenceLoss({ rewards: r, scores: [[3, 2, 0]] }));
    r.dispose();
  });

  it("bad input", () => {
    scoped(() => {
      expect(() => treePreferenceLoss({ rewards: tf.tensor2d([[0.1]]), scores: [[1]] })).toThrow(/at least 2/);
      expect(() => treePreferenceLoss({ rewards: tf.tensor2d([[0.1, 0]]), scores: [[100, 1]] })).toThrow(/overflow/);
      expect(() => treePreferenceLoss({ rewards: tf.tensor2d([[0.1, 0, 1]]), scores: [[1, 0]] })).toThrow(/shape/);
      expect(() => treePreferenceLoss({ rewards: tf.tensor2d([[NaN, 0]]), scores: [[1, 0]] })).toThrow(/NaN/);
    });
  });
});

describe("treeStepLogRatios and treeStepRewards", () => {
  it("step means of token log-ratios; weighted implicit reward (spec: m = [0.4, −0.2], w = [2, 1.2] ⇒ 0.175β)", () => {
    scoped(() => {
      const m = treeStepLogRatios(tf.tensor2d([[-1, -2, -3, -9]]), tf.tensor2d([[-1.5, -2, -3.5, 0]]), tf.tensor2d([[1, 1, 2, 0]], undefined, "int32"), 3);
      assertClose(read(m), [0.25, 0.5, 0], 1e-6, 1e-6);
      assertClose(read(treeStepRewards(tf.tensor1d([0.4, -0.2]), tf.tensor1d([2, 1.2]), { beta: 0.5 })), [0.5 * 0.175], 1e-6, 1e-6);
      assertClose(read(treeStepRewards(tf.tensor2d([[0.4, -0.2]]), tf.zeros([1, 2]))), [0], 0, 0);
      checkGradient((x) => tf.sum(treeStepRewards(treeStepLogRatios(x, tf.zeros([1, 4]), tf.tensor2d([[1, 1, 2, 0]], undefined, "int32"), 2), tf.tensor2d([[2, 1.2]]))), tf.tensor2d([[-1, -2, -3, -9]]));
      expect(() => treeStepLogRatios(tf.zeros([1, 2]), tf.zeros([1, 2]), tf.tensor2d([[0, 3]]), 2)).toThrow(/stepIds/);
      expect(() => treeStepRewards(tf.zeros([2]), tf.tensor1d([1, -1]))).toThrow(/stepWeights/);
    });
  });

  it("leave no tensors behind", async () => {
    const lp = tf.tensor2d([[-1, -2, -3, -9]]);
    const ref = tf.zeros([1, 4]);
    const ids = tf.tensor2d([[1, 1, 2, 0]], undefined, "int32");
    const w = tf.tensor2d([[2, 1.2]]);
    await expectNoTensorLeak(() => treeStepLogRatios(lp, ref, ids, 2));
    const m = treeStepLogRatios(lp, ref, ids, 2);
    await expectNoTensorLeak(() => treeStepRewards(m, w));
    [lp, ref, ids, w, m].forEach((t) => t.dispose());
  });
});

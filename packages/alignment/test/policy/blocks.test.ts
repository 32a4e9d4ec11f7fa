// policyBlocks: worked values of each block, and the recipes share them (grpoLoss's sapo / cispo /
// vespo equal the standalone losses on the composite path; PPO = the blocks composed by hand).
import { aggregateLoss, fusedPolicyLossAvailable, fusedPolicyLossFlag, tf } from "@rl/core";
import { assertClose } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { cispoLoss, grpoLoss, policyBlocks, ppoPolicyLoss, sapoLoss, vespoLoss, type PolicyLossOutput } from "../../src/index.js";
import { disposeAll, e5Tensors, num } from "./fixtures.js";

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

function composite<T>(f: () => T): T {
  fusedPolicyLossAvailable(); // registers the flag
  const prev = tf.env().getBool(fusedPolicyLossFlag);
  tf.env().set(fusedPolicyLossFlag, false);
  try {
    return f();
  } finally {
    tf.env().set(fusedPolicyLossFlag, prev);
  }
}

describe("policyBlocks: worked values", () => {
  it("importanceRatio: token, sequence (mean over valid tokens), clamp and cap", () => {
    tf.tidy(() => {
      const lp = tf.tensor2d([[-1, -2, 0]]);
      const old = tf.tensor2d([[-1.5, -2, 9]]);
      const mask = tf.tensor2d([[1, 1, 0]]);
      assertClose(values(policyBlocks.importanceRatio(lp, old, mask).ratio), [Math.exp(0.5), 1, Math.exp(-9)], 1e-6, 1e-5);
      assertClose(values(policyBlocks.importanceRatio(lp, old, mask, { level: "sequence" }).ratio), [Math.exp(0.25), Math.exp(0.25), Math.exp(0.25)], 1e-6, 1e-5);
      assertClose(values(policyBlocks.importanceRatio(lp, old, mask, { level: "sequenceToken", maxLogRatio: 0.1 }).ratio), [Math.exp(0.1), Math.exp(0.1), Math.exp(0.1)], 1e-6, 1e-5);
      assertClose(values(policyBlocks.importanceRatio(lp, old, mask, { logRatioClamp: 0.3 }).logRatio), [0.3, 0, -0.3], 1e-6, 1e-6);
    });
  });

  it("clippedSurrogate, dualClip, sapoSurrogate, cispoWeight, weightedLogProbSurrogate, klTerm", () => {
    tf.tidy(() => {
      const r = tf.tensor2d([[1.5, 0.5]]);
      const A = tf.tensor2d([[1, -1]]);
      const clipped = policyBlocks.clippedSurrogate(r, A);
      assertClose(values(clipped.perToken), [-1.2, 0.8], 1e-6, 1e-6);
      assertClose(values(policyBlocks.clippedSurrogate(r, A, { clipLow: 0.2, clipHigh: 0.28, ratioCap: 1.3 }).perToken), [-1.28, 0.8], 1e-6, 1e-6);
      const dual = policyBlocks.dualClip(tf.tensor2d([[5, 1]]), tf.tensor2d([[-1, -1]]), 3);
      assertClose(values(dual.perToken), [3, 1], 0, 0);
      expect(values(dual.lowerClipped)).toEqual([1, 0]);
      assertClose(values(policyBlocks.sapoSurrogate(tf.tensor2d([[1, 2]]), tf.tensor2d([[1, -1]]))), [-2, (4 / 1.05) / (1 + Math.exp(-1.05))], 1e-6, 1e-5);
      assertClose(values(policyBlocks.cispoWeight(tf.tensor2d([[2, 0.5]]), { max: 1.5 }).weight), [1.5, 0.5], 0, 0);
      assertClose(values(policyBlocks.cispoWeight(tf.tensor2d([[2, 0.5]]), { low: 0.2, high: 0.28 }).weight), [1.28, 0.8], 1e-6, 1e-6);
      assertClose(values(policyBlocks.weightedLogProbSurrogate(tf.tensor2d([[0.5]]), tf.tensor2d([[2]]), tf.tensor2d([[-1]]))), [1], 0, 0);
      const kl = policyBlocks.klTerm(tf.tensor2d([[-1]]), tf.tensor2d([[-1.5]]), 0.1, { kind: "k1" }, tf.tensor2d([[2]]));
      assertClose(values(kl.estimate), [1], 1e-6, 1e-6);
      assertClose(values(kl.term), [0.1], 1e-6, 1e-6);
    });
  });

  it("PPO = importanceRatio → clippedSurrogate → dualClip → core aggregateLoss (spec E5)", () => {
    const x = e5Tensors();
    const out = ppoPolicyLoss(x, { clipHigh: 0.28 });
    const byHand = tf.tidy(() => {
      const { ratio } = policyBlocks.importanceRatio(x.logProbs, x.oldLogProbs as tf.Tensor, x.mask, { logRatioClamp: 20 });
      const { perToken } = policyBlocks.clippedSurrogate(ratio, x.advantages, { clipLow: 0.2, clipHigh: 0.28 });
      return aggregateLoss(tf.mul(policyBlocks.dualClip(perToken, x.advantages, 3).perToken, x.mask), x.mask, { mode: "token-mean" });
    });
    assertClose(num(byHand), num(out.loss), 1e-6, 1e-6);
    assertClose(num(out.loss), 0.971871, 1e-5, 1e-5);
    disposeAll({ ...(x as unknown as Record<string, tf.Tensor>), byHand, loss: out.loss, perToken: out.perToken });
  });
});

describe("grpoLoss's sapo / cispo / vespo are the standalone losses (same blocks)", () => {
  const cases: [string, () => PolicyLossOutput, object][] = [
    ["sapo", () => sapoLoss(e5Tensors()), { lossType: "sapo" }],
    ["cispo", () => cispoLoss(e5Tensors(), { clip: { mode: "absolute", max: 1.1 } }), { lossType: "cispo", epsilonHigh: 1.1 }],
    ["vespo", () => vespoLoss(e5Tensors()), { lossType: "vespo" }],
  ];
  for (const [name, standalone, config] of cases) {
    for (const fused of [true, false]) {
      it(`${name} (${fused ? "default path" : "composite path"}): same loss and perToken`, () => {
        const run = fused ? (f: () => PolicyLossOutput): PolicyLossOutput => f() : composite;
        const a = run(standalone);
        const b = run(() => grpoLoss(e5Tensors(), config as never));
        assertClose(num(b.loss), num(a.loss), 1e-6, 1e-5);
        assertClose(values(b.perToken), values(a.perToken), 1e-6, 1e-5);
        tf.dispose([a.loss, a.perToken, b.loss, b.perToken]);
      });
    }
  }
});

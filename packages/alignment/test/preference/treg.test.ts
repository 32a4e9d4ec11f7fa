import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { dpoLoss, tregLoss } from "../../src/index.js";
import { tregTokenRewards } from "../../src/preference/treg.js";
import { read, scoped } from "./helpers.js";

// E12: β 0.1, α 0.5, chosen tokens [-0.5,-1,-0.2] with r̂ [0.3,-0.1,0.2]; rejected [-0.7,-1.5] with r̂ [-0.2,-0.4]
const E12 = () => ({
  policyChosen: tf.tensor1d([-1.7]),
  policyRejected: tf.tensor1d([-2.2]),
  refChosen: tf.tensor1d([-2.2]),
  refRejected: tf.tensor1d([-1.2]),
  chosenTokens: { logProbs: tf.tensor2d([[-0.5, -1.0, -0.2]]), mask: [[1, 1, 1]], tokenRewards: [[0.3, -0.1, 0.2]] },
  rejectedTokens: { logProbs: tf.tensor2d([[-0.7, -1.5, -9]]), mask: [[1, 1, 0]], tokenRewards: [[-0.2, -0.4, 5]] },
});

describe("tregTokenRewards", () => {
  it("spec worked example: σ(lp⁺ − lp⁻) − 0.5, 0 on padding", () => {
    assertClose(tregTokenRewards([[-0.2, -2.0, 1]], [[-1.0, -0.5, 3]], [[1, 1, 0]]).toArray(), [[0.189974, -0.317574, 0]], 1e-6, 1e-6);
    expect(() => tregTokenRewards([[0]], [[0, 1]], [[1]])).toThrow(/differ/);
    expect(() => tregTokenRewards([[0]], [[0]], [[2]])).toThrow(/mask/);
  });
});

describe("tregLoss", () => {
  it("spec worked example E12 (Δ = 1.5): loss 0.605924, regulariser parts and weight", () => {
    scoped(() => {
      const o = tregLoss(E12(), { beta: 0.1, alpha: 0.5 });
      assertClose(read(o.loss)[0], 0.605924, 1e-5, 1e-5);
      assertClose(o.metrics["reg/chosen"], 0.009, 1e-6, 1e-5);
      assertClose(o.metrics["reg/rejected"], -0.074, 1e-6, 1e-5);
      assertClose(o.metrics["reg/weight"], 0.46257, 1e-5, 1e-5);
      assertClose(o.metrics.dpo_loss, 0.620957, 1e-5, 1e-5);
    });
  });

  it("α = 0 is DPO; regReduce mean divides by the lengths", () => {
    scoped(() => {
      const i = E12();
      assertClose(read(tregLoss(i, { alpha: 0 }).losses), read(dpoLoss(i, { beta: 0.1 }).losses), 1e-6, 1e-6);
      const m = tregLoss(i, { beta: 0.1, alpha: 0.5, regReduce: "mean" });
      assertClose(m.metrics["reg/chosen"], 0.003, 1e-6, 1e-5);
      assertClose(m.metrics["reg/rejected"], -0.037, 1e-6, 1e-5);
    });
  });

  it("gradient check w.r.t. the chosen token log-probs and the sequence log-probs", () => {
    scoped(() => {
      const i = E12();
      // the token log-probs enter through the regulariser (the sequence weight w is a constant) …
      checkGradient(
        (x) => tregLoss({ ...i, chosenTokens: { ...i.chosenTokens, logProbs: x } }, { beta: 0.5, alpha: 0.5 }).loss,
        tf.tensor2d([[-0.5, -1.0, -0.2]]),
      );
      // … the sequence log-probs through the DPO term (w is stop-gradient: its change is not differentiated)
      const w = 1 / (1 + Math.exp(0.5 * 1.5));
      const g = read(tf.grad((x: tf.Tensor) => tregLoss({ ...i, policyChosen: x }, { beta: 0.5, alpha: 0.5 }).loss)(i.policyChosen));
      assertClose(g, [-0.5 * w], 1e-6, 1e-5);
      checkGradient(
        (x) => tregLoss({ ...i, chosenTokens: { ...i.chosenTokens, logProbs: x } }, { beta: 0.5, alpha: 2, regReduce: "mean" }).loss,
        tf.tensor2d([[-0.5, -1.0, -0.2]]),
      );
    });
  });

  it("bad input and leaks", async () => {
    scoped(() => {
      const i = E12();
      expect(() => tregLoss({ ...i, chosenTokens: { ...i.chosenTokens, tokenRewards: [[1, 2]] } })).toThrow(/shape/);
      expect(() => tregLoss({ ...i, chosenTokens: { ...i.chosenTokens, logProbs: tf.tensor2d([[NaN, 0, 0]]) } })).toThrow(/NaN/);
      expect(() => tregLoss({ ...i, refChosen: undefined })).toThrow(/refChosen/);
      expect(() => tregLoss(i, { alpha: -1 })).toThrow(/alpha/);
    });
    tf.engine().startScope();
    const i = E12();
    await expectNoTensorLeak(() => tregLoss(i));
    tf.engine().endScope();
  });
});

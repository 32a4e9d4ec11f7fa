import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak, rlErrorCode } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { orpoLoss } from "../../src/index.js";
import { read, scoped } from "./helpers.js";

const ac = [-0.5, -0.9];
const ar = [-1.2, -0.4];

describe("orpoLoss", () => {
  it("spec worked example (§10)", () => {
    scoped(() => {
      const o = orpoLoss({ chosenAvgLogProbs: tf.tensor1d(ac), rejectedAvgLogProbs: tf.tensor1d(ar), chosenNll: 0.5 });
      assertClose(read(o.logOdds), [1.27437, -1.087797], 1e-5, 1e-5);
      assertClose(read(o.oddsRatioTerms), [-0.0246553, -0.1378194], 1e-5, 1e-5);
      assertClose(read(o.loss)[0], 0.581237, 1e-5, 1e-5);
      assertClose(o.metrics.log_odds_ratio, -0.812374, 1e-5, 1e-5);
      assertClose(o.metrics.log_odds_chosen, 0.093286, 1e-5, 1e-5);
      expect(o.metrics.nll_loss).toBe(0.5);
      assertClose(read(o.chosenRewards), [-0.05, -0.09], 1e-6, 1e-6);
      assertClose(read(o.rejectedRewards), [-0.12, -0.04], 1e-6, 1e-6);
      expect(o.metrics["rewards/accuracies"]).toBe(0.5);
    });
  });

  it("the NLL can be a differentiable tensor; gradient check w.r.t. the average log-probs", () => {
    scoped(() => {
      const f = (x: tf.Tensor): tf.Tensor => {
        const [c, r] = tf.split(x, 2);
        return orpoLoss({ chosenAvgLogProbs: c as tf.Tensor, rejectedAvgLogProbs: r as tf.Tensor, chosenNll: tf.neg(tf.mean(c as tf.Tensor)) }, { beta: 0.25 }).loss;
      };
      checkGradient(f, tf.tensor1d([...ac, ...ar]));
    });
  });

  it("log-odds are antisymmetric under swapping chosen and rejected", () => {
    scoped(() => {
      const a = orpoLoss({ chosenAvgLogProbs: tf.tensor1d(ac), rejectedAvgLogProbs: tf.tensor1d(ar), chosenNll: 0 });
      const b = orpoLoss({ chosenAvgLogProbs: tf.tensor1d(ar), rejectedAvgLogProbs: tf.tensor1d(ac), chosenNll: 0 });
      assertClose(read(b.logOdds), read(a.logOdds).map((x) => -x), 1e-6, 1e-6);
    });
  });

  it("an average log-prob of 0 stays finite; a positive one throws", () => {
    scoped(() => {
      const o = orpoLoss({ chosenAvgLogProbs: tf.tensor1d([0]), rejectedAvgLogProbs: tf.tensor1d([-1]), chosenNll: 0 });
      expect(Number.isFinite(read(o.loss)[0])).toBe(true);
      expect(() => orpoLoss({ chosenAvgLogProbs: tf.tensor1d([0.1]), rejectedAvgLogProbs: tf.tensor1d([-1]), chosenNll: 0 })).toThrow(/chosenAvgLogProbs\[0\]/);
    });
  });

  it("bad input: β ≤ 0, NaN, shape mismatch, empty batch, NaN NLL", () => {
    scoped(() => {
      const c = tf.tensor1d(ac);
      const r = tf.tensor1d(ar);
      const code = rlErrorCode;
      expect(code(() => orpoLoss({ chosenAvgLogProbs: c, rejectedAvgLogProbs: r, chosenNll: 0 }, { beta: 0 }))).toBe("INVALID_CONFIG");
      expect(code(() => orpoLoss({ chosenAvgLogProbs: tf.tensor1d([NaN, -1]), rejectedAvgLogProbs: r, chosenNll: 0 }))).toBe("NON_FINITE");
      expect(code(() => orpoLoss({ chosenAvgLogProbs: c, rejectedAvgLogProbs: tf.tensor1d([-1]), chosenNll: 0 }))).toBe("SHAPE_MISMATCH");
      expect(code(() => orpoLoss({ chosenAvgLogProbs: tf.tensor1d([]), rejectedAvgLogProbs: tf.tensor1d([]), chosenNll: 0 }))).toBe("INVALID_INPUT");
      expect(code(() => orpoLoss({ chosenAvgLogProbs: c, rejectedAvgLogProbs: r, chosenNll: NaN }))).toBe("NON_FINITE");
    });
  });

  it("leaves no tensors behind", async () => {
    const c = tf.tensor1d(ac);
    const r = tf.tensor1d(ar);
    await expectNoTensorLeak(() => orpoLoss({ chosenAvgLogProbs: c, rejectedAvgLogProbs: r, chosenNll: 0.5 }));
    c.dispose();
    r.dispose();
  });
});

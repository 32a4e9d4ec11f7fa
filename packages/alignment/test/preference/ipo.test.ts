import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { ipoLoss } from "../../src/index.js";
import { E1, G3, pairs, read, scoped } from "./helpers.js";

describe("ipoLoss", () => {
  it("spec worked example (E1, β 0.5): length-normalised and not", () => {
    scoped(() => {
      const o = ipoLoss(pairs(E1), { beta: 0.5 });
      assertClose(read(o.losses), [0.455625, 1.395352], 1e-5, 1e-5);
      assertClose(read(o.loss)[0], 0.925488, 1e-5, 1e-5);
      assertClose(read(ipoLoss(pairs(E1), { beta: 0.5, normalize: "none" }).loss)[0], 3.90625, 1e-5, 1e-5);
    });
  });

  it("the minimum is at the target margin 1/(2β) (zero gradient there)", () => {
    scoped(() => {
      const p = { policyChosen: tf.tensor1d([5]), policyRejected: tf.tensor1d([0]), refChosen: tf.zeros([1]), refRejected: tf.zeros([1]) };
      const g = tf.grad((x: tf.Tensor) => ipoLoss({ ...p, policyChosen: x }, { beta: 0.1, normalize: "none" }).loss)(p.policyChosen);
      expect(Math.abs(read(g)[0] as number)).toBeLessThan(1e-6);
    });
  });

  it("finite-difference gradient check", () => {
    scoped(() => {
      const p = pairs(G3);
      checkGradient((x) => {
        const [c, r] = tf.split(x, 2);
        return ipoLoss({ ...p, policyChosen: c as tf.Tensor, policyRejected: r as tf.Tensor }, { beta: 0.5 }).loss;
      }, tf.concat([p.policyChosen, p.policyRejected]));
    });
  });

  it("leaves no tensors behind and rejects bad config", async () => {
    const p = pairs(G3);
    await expectNoTensorLeak(() => ipoLoss(p, { beta: 0.5 }));
    expect(() => ipoLoss(p, { beta: 0 })).toThrow(/ipoLoss.*beta/);
    Object.values(p).forEach((t) => t?.dispose());
  });
});

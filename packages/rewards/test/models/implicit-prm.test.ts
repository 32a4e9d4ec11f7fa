import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { bradleyTerryLoss, implicitPrmCeLoss, implicitStepRewards } from "../../src/index.js";
import { codeOf, value } from "./helpers.js";

const ell = [0.8, 0.4, -1.0, -0.6, 0.2];

describe("implicitStepRewards", () => {
  it("reproduces spec §11 (β = 0.1, step ends 1 and 4)", () => {
    const out = implicitStepRewards([ell], [[1, 4]], { beta: 0.1 });
    assertClose(out.cumulative.toArray()[0], [0.08, 0.12, 0.02, -0.04, -0.02], 1e-12);
    assertClose(out.stepValues[0], [0.12, -0.02], 1e-12);
    assertClose(out.stepRewards[0], [0.12, -0.14], 1e-12);
    assertClose(out.scores[0], -0.14, 1e-12);
    assertClose(implicitStepRewards([ell], [[1, 4]], { beta: 0.1, mode: "accumulative" }).scores[0], -0.02, 1e-12);
    assertClose(implicitStepRewards([ell], [[1, 4]], { beta: 0.1, aggregation: "sum" }).scores[0], -0.02, 1e-12);
  });
  it("gives null for a row without steps and masks tokens", () => {
    expect(implicitStepRewards([ell], [[]]).scores).toEqual([null]);
    const masked = implicitStepRewards([ell], [[4]], { beta: 1 }, [[0, 0, 1, 1, 1]]);
    assertClose(masked.scores[0], -1.4, 1e-12);
  });
  it("rejects bad step ends", () => {
    expect(codeOf(() => implicitStepRewards([ell], [[3, 1]]))).toBe("INVALID_INPUT");
    expect(codeOf(() => implicitStepRewards([ell], [[5]]))).toBe("INVALID_INPUT");
    expect(codeOf(() => implicitStepRewards([ell], []))).toBe("SHAPE_MISMATCH");
  });
});

describe("implicitPrmCeLoss", () => {
  const base = { refLogProbs: [[0, 0, 0, 0, 0]], mask: [[1, 1, 1, 1, 1]] };
  it("reproduces spec §11 CE numbers and the DPO form", () => {
    assertClose(value(implicitPrmCeLoss({ ...base, policyLogProbs: [ell], labels: [1] }, { beta: 0.1 }).loss), 0.7031972);
    assertClose(value(implicitPrmCeLoss({ ...base, policyLogProbs: [ell], labels: [0] }, { beta: 0.1 }).loss), 0.6831972);
    // DPO on summed log-ratios = BT on β·Σℓ: chosen −0.2, rejected −1.0.
    assertClose(value(bradleyTerryLoss({ chosenRewards: [0.1 * -0.2], rejectedRewards: [0.1 * -1.0] }).loss), 0.653947);
  });
  it("ignores masked (prompt) tokens and a fully masked row gives log 2", () => {
    const out = implicitPrmCeLoss({ policyLogProbs: [[5, 1], [3, 3]], refLogProbs: [[0, 0], [0, 0]], mask: [[0, 1], [0, 0]], labels: [1, 1] }, { beta: 1 });
    assertClose(value(out.loss), (Math.log1p(Math.exp(-1)) + Math.LN2) / 2);
  });
  it("has gradients only through the policy (reference is stop-gradient)", async () => {
    const ref = tf.tensor2d([[0.1, -0.3, 0.2]]);
    checkGradient((lp) => implicitPrmCeLoss({ policyLogProbs: lp, refLogProbs: ref, mask: [[0, 1, 1]], labels: [1] }, { beta: 0.5 }).loss, tf.tensor2d([[-1, -0.5, -2]]));
    const g = tf.grad((r: tf.Tensor) => implicitPrmCeLoss({ policyLogProbs: [[-1, -0.5, -2]], refLogProbs: r, mask: [[1, 1, 1]], labels: [1] }).loss as tf.Scalar)(ref);
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0]);
    g.dispose();
    await expectNoTensorLeak(() => implicitPrmCeLoss({ policyLogProbs: [[-1, -0.5, -2]], refLogProbs: ref, mask: [[1, 1, 1]], labels: [0] }).loss);
    ref.dispose();
  });
  it("rejects bad labels and shapes", () => {
    expect(codeOf(() => implicitPrmCeLoss({ ...base, policyLogProbs: [ell], labels: [2] }))).toBe("INVALID_INPUT");
    expect(codeOf(() => implicitPrmCeLoss({ ...base, policyLogProbs: [[1, 2]], labels: [1] }))).toBe("SHAPE_MISMATCH");
  });
});

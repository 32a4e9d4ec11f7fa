import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { gmpoLoss, rlooSequenceLoss } from "../../src/index.js";
import { E5, disposeAll, e5Tensors, num } from "./fixtures.js";

describe("gmpoLoss", () => {
  it("spec E5 (ε 0.4/0.4): loss 1.530145; row sums of perToken are −Ā·ρ", () => {
    const x = e5Tensors();
    const out = gmpoLoss(x);
    assertClose(num(out.loss), 1.530145, 1e-5, 1e-5);
    const rows = (tf.sum(out.perToken, 1).arraySync() as number[]);
    assertClose(rows, [-0.967216, 2 * 2.013753], 1e-5, 1e-5);
    assertClose(out.metrics.clipFractionLower, 0.2, 1e-6); // token (1,0): δ = 1.5 is outside the band (verl counts clipped δ, not the branch taken)
    disposeAll({ ...x, l: out.loss, p: out.perToken });
  });

  it("clips in log space: with ε 0.1 the A > 0 row caps δ at 0.1 and the A < 0 row floors it at −0.1", () => {
    const x = e5Tensors();
    const out = gmpoLoss(x, { clipLow: 0.1, clipHigh: 0.1 });
    // row 0 (A=1): min(δ, clip δ) = [0.1, −0.4, 0] → ρ = e^{−0.1}; row 1 (A=−2): max(δ, clip δ) = [1.5, −0.1] → ρ = e^{0.7}
    assertClose(num(out.loss), (-Math.exp(-0.1) + 2 * Math.exp(0.7)) / 2, 1e-5, 1e-5);
    assertClose(out.metrics.clipFraction, 2 / 5, 1e-6); // (0,0) and (0,1)
    assertClose(out.metrics.clipFractionLower, 1 / 5, 1e-6); // (1,0)
    disposeAll({ ...x, l: out.loss, p: out.perToken });
  });

  it("gradient matches finite differences; no leak", async () => {
    const x = e5Tensors();
    const lp = tf.tensor2d(E5.old.map((r, i) => r.map((v, t) => v + E5.delta[i]![t]! * 0.5 + 0.01)));
    checkGradient((l) => gmpoLoss({ ...x, logProbs: l }).loss, lp, { step: 1e-3 });
    await expectNoTensorLeak(() => gmpoLoss(x));
    disposeAll({ ...x, lp });
  });
});

describe("rlooSequenceLoss", () => {
  const mk = () => ({
    logProbs: tf.tensor2d([
      [-4, -6, -9],
      [-5, -7, -3],
    ]),
    mask: tf.tensor2d([
      [1, 1, 0],
      [1, 1, 0],
    ]),
    oldSequenceLogProbs: tf.tensor1d([-10.3, -11]),
    advantages: tf.tensor1d([0.5, -0.5]),
  });
  it("spec §22: Σlp = [−10, −12] → L = [−0.6, 0.4], loss −0.1", () => {
    const x = mk();
    const out = rlooSequenceLoss(x);
    assertClose(num(out.loss), -0.1, 1e-6);
    assertClose(out.perSequence.arraySync(), [-0.6, 0.4], 1e-6);
    assertClose(out.metrics["clipRatio/regionMean"], 1, 1e-6);
    disposeAll({ ...x, l: out.loss, p: out.perSequence });
  });

  it("gradient matches finite differences inside the band; no leak; shape errors", async () => {
    const x = { ...mk(), oldSequenceLogProbs: tf.tensor1d([-10.05, -12.1]) };
    checkGradient((l) => rlooSequenceLoss({ ...x, logProbs: l }).loss, x.logProbs, { step: 1e-3 });
    await expectNoTensorLeak(() => rlooSequenceLoss(x));
    const bad = tf.zeros([3]);
    expect(() => rlooSequenceLoss({ ...x, advantages: bad })).toThrow(/advantages has shape \[3\]/);
    disposeAll({ ...x, bad });
  });
});

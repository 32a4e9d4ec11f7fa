// The renamed policy-loss keys (docs/glossary.md): the old key still works for one release and
// gives the same numbers as the new one; old + new together, and unknown keys, are rejected.
import { RLError, tf } from "@rl/core";
import { assertClose } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { cispoLoss, grpoLoss, klPenalty, rlooSequenceLoss } from "../../src/index.js";
import { e5Tensors, num } from "./fixtures.js";

function lossOf(f: () => { loss: tf.Scalar; perToken?: tf.Tensor; perSequence?: tf.Tensor }): number {
  const out = f();
  const v = num(out.loss);
  tf.dispose([out.loss, out.perToken ?? [], out.perSequence ?? []] as tf.Tensor[]);
  return v;
}

describe("deprecated config keys (one release)", () => {
  it("grpoLoss: epsilonLow / epsilonHigh / beta = clipLow / clipHigh / klCoef", () => {
    const x = () => ({ ...e5Tensors(), refLogProbs: tf.tensor2d(e5Tensors().oldLogProbs.arraySync()) });
    const byNew = lossOf(() => grpoLoss(x(), { lossType: "grpo", clipLow: 0.1, clipHigh: 0.28, klCoef: 0.04 }));
    const byOld = lossOf(() => grpoLoss(x(), { lossType: "grpo", epsilonLow: 0.1, epsilonHigh: 0.28, beta: 0.04 }));
    assertClose(byOld, byNew, 0, 0);
    expect(byNew).not.toBe(lossOf(() => grpoLoss(x(), { lossType: "grpo" })));
  });

  it("rlooSequenceLoss: epsilon / epsilonHigh = clipLow / clipHigh", () => {
    const x = () => ({
      logProbs: tf.tensor2d([[-1, -2], [-0.5, -1]]),
      mask: tf.tensor2d([[1, 1], [1, 0]]),
      oldSequenceLogProbs: tf.tensor1d([-3.5, -0.2]),
      advantages: tf.tensor1d([1, -1]),
    });
    const byNew = lossOf(() => rlooSequenceLoss(x(), { clipLow: 0.1, clipHigh: 0.3 }));
    assertClose(lossOf(() => rlooSequenceLoss(x(), { epsilon: 0.1, epsilonHigh: 0.3 })), byNew, 0, 0);
  });

  it("cispoLoss: clip { relative, low, high } = clipLow / clipHigh; clip { absolute, max } = clipMax", () => {
    assertClose(lossOf(() => cispoLoss(e5Tensors(), { clip: { mode: "relative", low: 0.1, high: 0.2 } })), lossOf(() => cispoLoss(e5Tensors(), { clipLow: 0.1, clipHigh: 0.2 })), 0, 0);
    assertClose(lossOf(() => cispoLoss(e5Tensors(), { clip: { mode: "absolute", max: 1.1 } })), lossOf(() => cispoLoss(e5Tensors(), { clipMax: 1.1 })), 0, 0);
    assertClose(lossOf(() => cispoLoss(e5Tensors(), { clip: { mode: "absolute" } })), lossOf(() => cispoLoss(e5Tensors(), { clipMax: 5 })), 0, 0);
  });

  it("klPenalty: coef / kind = klCoef / klKind", () => {
    const args = () => [tf.tensor2d([[-1, -2]]), tf.tensor2d([[-1.5, -2]]), tf.ones([1, 2])] as const;
    const a = klPenalty(...args(), { coef: 0.5, kind: "k1" });
    const b = klPenalty(...args(), { klCoef: 0.5, klKind: "k1" });
    assertClose(num(a.loss), num(b.loss), 0, 0);
    assertClose(num(b.loss), 0.125, 1e-6, 1e-6); // 0.5 · mean(0.5, 0)
    expect(a.metrics.klCoef).toBe(0.5);
  });

  it("old and new key together, or an unknown key, is an INVALID_CONFIG naming the loss", () => {
    const x = e5Tensors();
    expect(() => grpoLoss(x, { epsilonLow: 0.1, clipLow: 0.2 })).toThrow(RLError);
    expect(() => grpoLoss(x, { epsilonLow: 0.1, clipLow: 0.2 })).toThrow(/grpoLoss: invalid config: "epsilonLow" is the deprecated name of "clipLow"/);
    expect(() => cispoLoss(x, { clip: { mode: "absolute", max: 2 }, clipMax: 3 })).toThrow(/cispoLoss: invalid config: "clip" is the deprecated name of "clipMax"/);
    expect(() => grpoLoss(x, { epsilon: 0.1 } as never)).toThrow(/grpoLoss: invalid config: .*Unrecognized key: "epsilon"/);
    expect(() => klPenalty(x.logProbs, x.oldLogProbs, x.mask, { coeff: 1 } as never)).toThrow(/klPenalty: invalid config/);
  });
});

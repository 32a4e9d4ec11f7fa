// "Never return NaN silently": a NaN / Inf input makes every loss throw RLError("NON_FINITE") and
// leaves no tensor behind.
import { RLError, createRng, tf } from "@rl/core";
import { describe, expect, it } from "vitest";
import {
  cispoLoss,
  clipCovLoss,
  entropyBonus,
  gmpoLoss,
  gpgLoss,
  grpoLoss,
  gspoLoss,
  klCovLoss,
  klPenalty,
  ppoPolicyLoss,
  rlooSequenceLoss,
  sapoLoss,
  valueLoss,
} from "../../src/index.js";
import { disposeAll } from "./fixtures.js";

function expectNonFinite(name: string, f: () => unknown): void {
  const before = tf.memory().numTensors;
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(RLError.isInstance(caught), `${name} should throw an RLError`).toBe(true);
  expect((caught as RLError).code).toBe("NON_FINITE");
  expect((caught as RLError).message).toContain(name);
  expect(tf.memory().numTensors, `${name} leaked`).toBe(before);
}

describe("non-finite inputs", () => {
  it("every loss throws NON_FINITE naming itself", () => {
    const logProbs = tf.tensor2d([
      [-1, Number.NaN],
      [-0.5, -2],
    ]);
    const oldLogProbs = tf.tensor2d([
      [-1, -1],
      [-0.5, -2],
    ]);
    const advantages = tf.tensor1d([1, -1]);
    const mask = tf.ones([2, 2]) as tf.Tensor2D;
    const x = { logProbs, oldLogProbs, advantages, mask, refLogProbs: oldLogProbs };
    expectNonFinite("ppoPolicyLoss", () => ppoPolicyLoss(x));
    expectNonFinite("grpoLoss", () => grpoLoss(x, { beta: 0.1 }));
    expectNonFinite("gspoLoss", () => gspoLoss(x));
    expectNonFinite("cispoLoss", () => cispoLoss(x));
    expectNonFinite("sapoLoss", () => sapoLoss(x));
    expectNonFinite("gpgLoss", () => gpgLoss(x));
    expectNonFinite("gmpoLoss", () => gmpoLoss(x));
    expectNonFinite("clipCovLoss", () => clipCovLoss(x, createRng(0)));
    expectNonFinite("klCovLoss", () => klCovLoss(x));
    expectNonFinite("klPenalty", () => klPenalty(logProbs, oldLogProbs, mask));
    expectNonFinite("valueLoss", () => valueLoss({ values: logProbs, oldValues: oldLogProbs, returns: oldLogProbs, mask }));
    const oldSeq = tf.tensor1d([-2, -2.5]);
    expectNonFinite("rlooSequenceLoss", () => rlooSequenceLoss({ logProbs, mask, oldSequenceLogProbs: oldSeq, advantages }));
    const logits = tf.tensor3d([[[0, Number.NaN], [1, 2]]]);
    const m1 = tf.ones([1, 2]);
    expectNonFinite("entropyBonus", () => entropyBonus(logits, m1));
    disposeAll({ logProbs, oldLogProbs, advantages, mask, logits, oldSeq, m1 });
  });

  it("NaN / −∞ on padding poisons neither the loss nor its gradient", () => {
    const logProbs = tf.tensor2d([
      [-1, Number.NaN],
      [-0.5, Number.NEGATIVE_INFINITY],
    ]);
    const oldLogProbs = tf.tensor2d([
      [-1.2, Number.NEGATIVE_INFINITY],
      [-0.4, Number.NaN],
    ]);
    const advantages = tf.tensor1d([1, -1]);
    const mask = tf.tensor2d([
      [1, 0],
      [1, 0],
    ]);
    const x = { logProbs, oldLogProbs, advantages, mask, refLogProbs: oldLogProbs };
    const losses = [
      (l: tf.Tensor) => ppoPolicyLoss({ ...x, logProbs: l }).loss,
      (l: tf.Tensor) => grpoLoss({ ...x, logProbs: l }, { beta: 0.1, lossType: "grpo" }).loss,
      (l: tf.Tensor) => gspoLoss({ ...x, logProbs: l }).loss,
      (l: tf.Tensor) => cispoLoss({ ...x, logProbs: l }).loss,
      (l: tf.Tensor) => sapoLoss({ ...x, logProbs: l }).loss,
      (l: tf.Tensor) => gmpoLoss({ ...x, logProbs: l }).loss,
      (l: tf.Tensor) => klCovLoss({ ...x, logProbs: l }).loss,
    ];
    for (const f of losses) {
      const { value, grad } = tf.valueAndGrad(f)(logProbs);
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
      expect(Math.abs(grad.dataSync()[1]!)).toBe(0);
      disposeAll({ value, grad });
    }
    disposeAll({ logProbs, oldLogProbs, advantages, mask });
  });
});

import { createRng, tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { clipCovLoss, klCovLoss, ppoPolicyLoss } from "../../src/index.js";
import { arr, disposeAll, num } from "./fixtures.js";

// Spec E15 (§21).
const lp = [
  [-0.2, -3.0],
  [-1.7, -0.5],
];
const delta = [
  [0.1, -0.3],
  [0.05, 0.25],
];
const e15 = () => ({
  logProbs: tf.tensor2d(lp),
  oldLogProbs: tf.tensor2d(lp.map((r, i) => r.map((v, t) => v - delta[i]![t]!))),
  advantages: tf.tensor2d([
    [2, 2],
    [-2, -2],
  ]),
  mask: tf.ones([2, 2]) as tf.Tensor2D,
});

describe("clipCovLoss", () => {
  it("spec E15: drops token (0,0) → loss 0.797239, clipFraction 0.25 (PPO alone: 0.244654)", () => {
    const x = e15();
    const ppo = ppoPolicyLoss(x, { dualClip: null });
    assertClose(num(ppo.loss), 0.244654, 1e-5, 1e-5);
    const out = clipCovLoss(x, createRng(1));
    assertClose(num(out.loss), 0.797239, 1e-5, 1e-5);
    assertClose(out.metrics.clipFraction, 0.25, 1e-6);
    const g = arr(tf.grad((l: tf.Tensor) => clipCovLoss({ ...x, logProbs: l }, createRng(1)).loss)(x.logProbs));
    expect(Math.abs(g[0]![0]!)).toBe(0);
    expect(g[0]![1]).not.toBe(0);
    disposeAll({ ...x, a: ppo.loss, b: ppo.perToken, c: out.loss, d: out.perToken });
  });

  it("no candidate in the band ⇒ equals PPO; gradient matches finite differences", () => {
    const x = e15();
    const a = clipCovLoss(x, createRng(1), { lb: 10, ub: 20 });
    const b = ppoPolicyLoss(x, { dualClip: null });
    assertClose(num(a.loss), num(b.loss), 1e-7);
    expect(a.metrics.clipFraction).toBe(0);
    checkGradient((l) => clipCovLoss({ ...x, logProbs: l }, createRng(1)).loss, x.logProbs, { step: 1e-3 });
    expect(() => clipCovLoss(x, createRng(1), { lb: 5, ub: 1 })).toThrow(/lb/);
    disposeAll({ ...x, a: a.loss, ap: a.perToken, b: b.loss, bp: b.perToken });
  });
});

describe("klCovLoss", () => {
  it("spec E15: coef 0.1 → 0.247154, coef 1 → 0.269654, approxKl (abs) 0.175", () => {
    const x = e15();
    for (const [coef, want] of [
      [0.1, 0.247154],
      [1, 0.269654],
    ] as const) {
      const out = klCovLoss(x, { coef });
      assertClose(num(out.loss), want, 1e-5, 1e-5);
      assertClose(out.metrics.approxKl, 0.175, 1e-6);
      disposeAll({ l: out.loss, p: out.perToken });
    }
    checkGradient((l) => klCovLoss({ ...x, logProbs: l }, { coef: 1 }).loss, x.logProbs, { step: 1e-3 });
    disposeAll(x);
  });

  it("no leaks", async () => {
    const x = e15();
    await expectNoTensorLeak(() => klCovLoss(x));
    await expectNoTensorLeak(() => clipCovLoss(x, createRng(3)));
    disposeAll(x);
  });
});

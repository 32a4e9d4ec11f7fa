import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { entropyBonus, klPenalty } from "../../src/index.js";
import { disposeAll, num } from "./fixtures.js";

// Spec §2.4 worked example.
const lp = () => tf.tensor2d([[-1.0, -2.0, -0.1]]);
const ref = () => tf.tensor2d([[-1.5, -1.0, -25.0]]);
const ones = () => tf.ones([1, 3]) as tf.Tensor2D;

describe("klPenalty", () => {
  it("spec §2.4: per-token k1 / k2 / k3 (verl clamp) / k3 (none)", () => {
    const [l, r, m] = [lp(), ref(), ones()];
    const cases = [
      ["k1", "verl", [0.5, -1.0, 24.9]],
      ["k2", "verl", [0.125, 0.5, 310.005]],
      ["k3", "verl", [0.1065307, 0.7182818, 10]],
      ["k3", "none", [0.1065307, 0.7182818, 23.9]],
    ] as const;
    for (const [kind, clamp, want] of cases) {
      const out = klPenalty(l, r, m, { kind, clamp, coef: 0.5 });
      assertClose((out.perToken.arraySync() as number[][])[0], want, 1e-4, 1e-5);
      const mean = want.reduce((s, v) => s + v, 0) / 3;
      assertClose(out.metrics.kl, mean, 1e-4, 1e-5);
      assertClose(num(out.loss), 0.5 * mean, 1e-4, 1e-5);
      disposeAll({ a: out.loss, b: out.perToken });
    }
    disposeAll({ l, r, m });
  });

  it("gradients: k3 matches finite differences; k3+ has k2's gradient β·(lp − ref)/N", () => {
    const l = tf.tensor2d([[-1.0, -2.0, -0.4]]);
    const r = tf.tensor2d([[-1.5, -1.0, -0.2]]);
    const m = ones();
    checkGradient((t) => klPenalty(t, r, m, { coef: 1 }).loss, l, { step: 1e-3 });
    const g = tf.grad((t: tf.Tensor) => klPenalty(t, r, m, { coef: 1, kind: "k3+" }).loss)(l);
    assertClose((g.arraySync() as number[][])[0], [0.5 / 3, -1 / 3, -0.2 / 3], 1e-6, 1e-4);
    disposeAll({ l, r, m, g });
  });

  it("no leak; shape error", async () => {
    const [l, r, m] = [lp(), ref(), ones()];
    await expectNoTensorLeak(() => klPenalty(l, r, m));
    const bad = tf.zeros([1, 2]);
    expect(() => klPenalty(l, bad, m)).toThrow(/refLogProbs has shape/);
    disposeAll({ l, r, m, bad });
  });
});

describe("entropyBonus", () => {
  it("spec §2.5: logits [2, 1, 0] → H = 0.8323956; loss = −c·H̄", () => {
    const z = tf.tensor3d([[[2, 1, 0], [0, 0, 0]]]);
    const m = tf.tensor2d([[1, 0]]);
    const out = entropyBonus(z, m, { coef: 0.1 });
    assertClose(out.metrics.entropy, 0.8323956, 1e-6);
    assertClose(num(out.loss), -0.08323956, 1e-7);
    checkGradient((t) => entropyBonus(t, m, { coef: 0.1 }).loss, z, { step: 1e-3 });
    disposeAll({ z, m, a: out.loss, b: out.perToken });
  });

  it("default coef 0; no leak; shape error", async () => {
    const z = tf.randomNormal([2, 3, 4]);
    const m = tf.ones([2, 3]);
    const out = entropyBonus(z, m);
    expect(num(out.loss) === 0).toBe(true);
    expect(out.metrics.entropy).toBeGreaterThan(0);
    await expectNoTensorLeak(() => entropyBonus(z, m));
    expect(() => entropyBonus(m, m)).toThrow(/entropyBonus/);
    disposeAll({ z, m, a: out.loss, b: out.perToken });
  });
});

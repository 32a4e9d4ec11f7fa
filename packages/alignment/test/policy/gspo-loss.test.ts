import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gspoLoss, ppoPolicyLoss } from "../../src/index.js";
import { E5, disposeAll, e5Tensors, num } from "./fixtures.js";

describe("gspoLoss", () => {
  it("spec E7: loss 1.530145, clipFraction 0, approxKl −0.26 (both variants)", () => {
    const x = e5Tensors(true);
    for (const variant of ["stopGradToken", "sequence"] as const) {
      const out = gspoLoss(x, { variant });
      assertClose(num(out.loss), 1.530145, 1e-5, 1e-5);
      expect(out.metrics.clipFraction).toBe(0);
      assertClose(out.metrics.approxKl, -0.26, 1e-6);
      disposeAll({ l: out.loss, p: out.perToken });
    }
    disposeAll(x);
  });

  it("equals token PPO (no dual clip) when every row has one token", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -0.5, max: 0.5, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true })), { minLength: 1, maxLength: 5 }),
        (rows) => {
          const old = tf.tensor2d(rows.map(() => [-1]));
          const lp = tf.tensor2d(rows.map(([d]) => [-1 + d]));
          const A = tf.tensor1d(rows.map(([, a]) => a));
          const mask = tf.ones([rows.length, 1]) as tf.Tensor2D;
          const g = gspoLoss({ logProbs: lp, oldLogProbs: old, advantages: A, mask }, { clipLow: 0.2, clipHigh: 0.2 });
          const p = ppoPolicyLoss({ logProbs: lp, oldLogProbs: old, advantages: A, mask }, { dualClip: null });
          assertClose(num(g.loss), num(p.loss), 1e-5, 1e-5);
          disposeAll({ old, lp, A, mask, a: g.loss, b: g.perToken, c: p.loss, d: p.perToken });
        },
      ),
      { numRuns: 30 },
    );
  });

  it.each(["stopGradToken", "sequence"] as const)("%s: gradient matches finite differences (sequence advantages)", (variant) => {
    const x = e5Tensors(true);
    const lp = tf.tensor2d(E5.old.map((r, i) => r.map((v, t) => v + E5.delta[i]![t]! * 0.1)));
    checkGradient(
      (l) => {
        const o = gspoLoss({ ...x, logProbs: l }, { variant, clipLow: 0.2, clipHigh: 0.2 });
        o.perToken.dispose();
        return o.loss;
      },
      lp,
      { step: 1e-3 },
    );
    disposeAll({ ...x, lp });
  });

  it("stopGradToken: per-token gradient is −A_t·s/n with per-token advantages", () => {
    const x = e5Tensors(false);
    const adv = tf.tensor2d([
      [1, 2, 3],
      [-1, -2, 0],
    ]);
    const g = tf.grad((l: tf.Tensor) => gspoLoss({ ...x, advantages: adv, logProbs: l }, { clipLow: 0.9, clipHigh: 10 }).loss)(x.logProbs);
    const s = [Math.exp(-0.1 / 3), Math.exp(0.7)];
    const want = [
      [1, 2, 3].map((a) => (-a * s[0]!) / 3 / 2),
      [(1 * s[1]!) / 2 / 2, (2 * s[1]!) / 2 / 2, 0],
    ];
    assertClose(g.arraySync(), want, 1e-5, 1e-4);
    disposeAll({ ...x, adv, g });
  });

  it("an empty row has s = 1 and contributes nothing; no leak", async () => {
    const x = e5Tensors(true);
    const mask = tf.tensor2d([
      [1, 1, 1],
      [0, 0, 0],
    ]);
    const out = gspoLoss({ ...x, mask });
    assertClose(num(out.loss), -Math.exp(-0.1 / 3), 1e-5);
    await expectNoTensorLeak(() => gspoLoss({ ...x, mask }, { variant: "sequence" }));
    disposeAll({ ...x, mask, l: out.loss, p: out.perToken });
  });
});

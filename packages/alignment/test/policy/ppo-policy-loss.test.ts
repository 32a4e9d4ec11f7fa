import { RLError, tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ppoPolicyLoss } from "../../src/index.js";
import { E5, arr, disposeAll, e5Tensors, num } from "./fixtures.js";

describe("ppoPolicyLoss", () => {
  it("spec E5.1: verl 0.2/0.28, dual clip 3", () => {
    const x = e5Tensors();
    const want = { "token-mean": 0.971871, "seq-mean-token-sum": 2.429677, "seq-mean-token-mean": 1.460699, "seq-mean-token-sum-norm": 1.619785 } as const;
    for (const [mode, value] of Object.entries(want)) {
      const out = ppoPolicyLoss(x, { clipLow: 0.2, clipHigh: 0.28, dualClip: 3, aggregation: mode as keyof typeof want });
      assertClose(num(out.loss), value, 1e-5, 1e-5);
      if (mode === "token-mean") {
        const pt = arr(out.perToken);
        assertClose([pt[0], pt[1]!.slice(0, 2)], [[-1.28, -0.67032, -1.0], [6.0, 1.809675]], 1e-5, 1e-5);
        expect(Math.abs(pt[1]![2]!)).toBe(0);
        assertClose(out.metrics.clipFraction, 0.2, 1e-6);
        assertClose(out.metrics.approxKl, -0.26, 1e-6);
        assertClose(out.metrics.clipFractionLower, 0.2, 1e-6);
      }
      out.loss.dispose();
      out.perToken.dispose();
    }
    disposeAll(x);
  });

  it("spec E5.2: no dual clip, symmetric 0.2", () => {
    const x = e5Tensors();
    const out = ppoPolicyLoss(x, { dualClip: null });
    assertClose(num(out.loss), 1.580547, 1e-5, 1e-5);
    assertClose(arr(out.perToken)[1]![0], 8.963378, 1e-4, 1e-5);
    assertClose(out.metrics.clipFraction, 0.2, 1e-6);
    expect(out.metrics.clipFractionLower).toBe(0);
    disposeAll({ ...x, l: out.loss, p: out.perToken });
  });

  it("equals the plain policy gradient when the ratio is 1: loss = −mean(A), ∇ = −A·M/ΣM", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }), { minLength: 2, maxLength: 3 }),
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 3, maxLength: 3 }),
        (lpRows, advRow) => {
          const B = lpRows.length;
          const adv = lpRows.map(() => advRow);
          const lp = tf.tensor2d(lpRows.map((r) => r.map((v) => v - 3)));
          const A = tf.tensor2d(adv);
          const mask = tf.ones([B, 3]) as tf.Tensor2D;
          const out = ppoPolicyLoss({ logProbs: lp, advantages: A, mask });
          const meanA = adv.flat().reduce((s, v) => s + v, 0) / (B * 3);
          assertClose(num(out.loss), -meanA, 1e-5, 1e-4);
          const g = tf.grad((l: tf.Tensor) => {
            const o = ppoPolicyLoss({ logProbs: l, advantages: A, mask });
            o.perToken.dispose();
            return o.loss;
          })(lp);
          assertClose(arr(g), adv.map((r) => r.map((v) => -v / (B * 3))), 1e-6, 1e-4);
          disposeAll({ lp, A, mask, g, l: out.loss, p: out.perToken });
        },
      ),
      { numRuns: 30 },
    );
  });

  it("gradient matches finite differences, and is zero on clipped / dual-clipped tokens", () => {
    const x = e5Tensors();
    const f = (lp: tf.Tensor): tf.Tensor => {
      const o = ppoPolicyLoss({ ...x, logProbs: lp }, { clipHigh: 0.28, aggregation: "seq-mean-token-mean" });
      o.perToken.dispose();
      return o.loss;
    };
    // move the evaluation point off the clip kinks (finite differences straddle them otherwise)
    const lp = tf.tensor2d(E5.old.map((r, i) => r.map((v, t) => v + [[0.1, -0.1, 0.05], [1.5, -0.05, 0]][i]![t]!)));
    checkGradient(f, lp, { step: 1e-3 });
    const g = arr(tf.grad((l: tf.Tensor) => f(l) as tf.Scalar)(x.logProbs));
    expect(Math.abs(g[0]![0]!)).toBe(0); // upper-clipped, A > 0
    expect(Math.abs(g[1]![0]!)).toBe(0); // dual-clipped
    expect(Math.abs(g[1]![2]!)).toBe(0); // masked
    disposeAll({ ...x, lp });
  });

  it("does not leak", async () => {
    const x = e5Tensors(true);
    await expectNoTensorLeak(() => ppoPolicyLoss(x));
    await expectNoTensorLeak(() => tf.grad((l: tf.Tensor) => ppoPolicyLoss({ ...x, logProbs: l }).loss)(x.logProbs));
    disposeAll(x);
  });

  it("a fully masked batch gives 0, not NaN", () => {
    const x = e5Tensors();
    const mask = tf.zeros([2, 3]) as tf.Tensor2D;
    const out = ppoPolicyLoss({ ...x, mask });
    expect(num(out.loss)).toBe(0);
    expect(out.metrics.clipFraction).toBe(0);
    disposeAll({ ...x, mask, l: out.loss, p: out.perToken });
  });

  it("rejects bad shapes and configs", () => {
    const x = e5Tensors();
    const bad = tf.zeros([3]);
    expect(() => ppoPolicyLoss({ ...x, advantages: bad })).toThrow(/advantages has shape \[3\]/);
    expect(() => ppoPolicyLoss({ ...x, mask: tf.zeros([2, 2]) })).toThrow(RLError);
    expect(() => ppoPolicyLoss(x, { dualClip: 1 })).toThrow(/dualClip/);
    expect(() => ppoPolicyLoss(x, { clipLow: 1.5 })).toThrow(/clipLow/);
    disposeAll({ ...x, bad });
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clampTensor, clipTensorsByGlobalNorm, clipRatio, linear, log1mexp, logSigmoid, safeExp, stopGradient, tf } from "../../src/index.js";
import { assertClose, checkGradient, expectNoTensorLeak } from "../../src/testing/index.js";

describe("logSigmoid", () => {
  it("is stable at both tails and matches log(sigmoid) in the middle", () => {
    expect(logSigmoid(-1000)).toBe(-1000);
    expect(Math.abs(logSigmoid(1000))).toBe(0);
    assertClose(logSigmoid(0), -Math.LN2, 1e-15);
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (x) => {
        assertClose(logSigmoid(x), Math.log(1 / (1 + Math.exp(-x))), 1e-12, 1e-9);
      }),
      { numRuns: 100 },
    );
    const t = logSigmoid(tf.tensor1d([-200, 0, 200]));
    assertClose(Array.from(t.dataSync()), [-200, -Math.LN2, 0], 1e-4);
    t.dispose();
  });

  it("has the gradient 1 − σ(x)", () => {
    checkGradient((x) => tf.sum(logSigmoid(x)), tf.tensor1d([-3, -0.5, 0, 2, 6]));
  });
});

describe("log1mexp", () => {
  it("computes log(1 − e^x) on both branches", () => {
    assertClose(log1mexp(Math.log(0.25)), Math.log(0.75), 1e-15);
    assertClose(log1mexp(-1e-5), Math.log(-Math.expm1(-1e-5)), 1e-12);
    assertClose(log1mexp(-50), Math.log1p(-Math.exp(-50)), 1e-15);
    const t = log1mexp(tf.tensor1d([Math.log(0.25), -0.01, -5]));
    assertClose(Array.from(t.dataSync()), [Math.log(0.75), Math.log(1 - Math.exp(-0.01)), Math.log(1 - Math.exp(-5))], 1e-4, 1e-4);
    t.dispose();
  });

  it("stays finite at 0 and has correct gradients", () => {
    expect(Number.isFinite(log1mexp(0))).toBe(true);
    checkGradient((x) => tf.sum(log1mexp(x)), tf.tensor1d([-2, -0.9, -0.3]), { step: 1e-3 });
  });
});

describe("stopGradient", () => {
  it("passes the value, blocks the gradient", () => {
    const x = tf.tensor1d([3]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(t, stopGradient(t))))(x);
    expect(Array.from(g.dataSync())).toEqual([3]);
    const v = stopGradient(x);
    expect(Array.from(v.dataSync())).toEqual([3]);
    tf.dispose([x, g, v]);
  });
});

describe("clipping helpers", () => {
  it("clipRatio is asymmetric", () => {
    const c = clipRatio(tf.tensor1d([0.5, 1, 1.5]), 0.2, 0.28);
    assertClose(Array.from(c.dataSync()), [0.8, 1, 1.28], 1e-6);
    c.dispose();
    expect(() => clipRatio(tf.tensor1d([1]), -0.1)).toThrow(/epsilons must be/);
  });

  it("clampTensor takes tensor bounds; safeExp clamps the exponent", () => {
    const c = clampTensor(tf.tensor1d([0, 5, 10]), tf.tensor1d([1, 1, 1]), tf.tensor1d([8, 8, 8]));
    expect(Array.from(c.dataSync())).toEqual([1, 5, 8]);
    const e = safeExp(tf.tensor1d([0, 100]));
    assertClose(Array.from(e.dataSync()), [1, Math.exp(20)], 0, 1e-5);
    tf.dispose([c, e]);
  });

  it("clampTensor and clipRatio stay exact when both bounds round to one float32 (wasm clipByValue returns ~1e-41 there)", () => {
    expect(tf.getBackend()).toBe("wasm");
    const x = tf.tensor1d([0.2, 0.5, 0.9, 1.0, 1.1]);
    const a = clampTensor(x, 0.4999999999999998, 0.5000000000000013);
    const b = clipRatio(x, 1e-9, 1e-9);
    expect(Array.from(a.dataSync())).toEqual([0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(b.dataSync())).toEqual([1, 1, 1, 1, 1]);
    // the gradient still passes where x is inside the (float32-collapsed) band, bounds included
    const g = tf.grad((t: tf.Tensor) => tf.sum(clampTensor(t, 0.5, 0.9)))(x);
    expect(Array.from(g.dataSync())).toEqual([0, 1, 1, 0, 0]);
    tf.dispose([x, a, b, g]);
  });

  it("clipTensorsByGlobalNorm scales every tensor by one factor", async () => {
    await expectNoTensorLeak(() => {
      const a = tf.tensor1d([3, 0]);
      const b = tf.tensor1d([4]);
      const { clipped, norm } = clipTensorsByGlobalNorm([a, b], 1);
      assertClose(norm, 5, 1e-6);
      assertClose(Array.from(clipped[0]!.dataSync()), [0.6, 0], 1e-5);
      assertClose(Array.from(clipped[1]!.dataSync()), [0.8], 1e-5);
      tf.dispose([a, b, ...clipped]);
    });
    expect(() => clipTensorsByGlobalNorm([], 0)).toThrow(/maxNorm must be > 0/);
  });
});

describe("linear", () => {
  it("is a 2-D matmul over the last axis", () => {
    const y = linear(tf.ones([2, 3, 4]), tf.ones([4, 5]) as tf.Tensor2D, tf.ones([5]) as tf.Tensor1D);
    expect(y.shape).toEqual([2, 3, 5]);
    expect(Array.from(y.dataSync()).every((v) => v === 5)).toBe(true);
    y.dispose();
    expect(() => linear(tf.ones([2, 3]), tf.ones([4, 5]) as tf.Tensor2D)).toThrow(/last axis 3/);
  });
});

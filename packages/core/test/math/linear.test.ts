import { describe, expect, it } from "vitest";
import { createRng, linear, tf } from "../../src/index.js";
import { assertClose, checkGradient, expectNoTensorLeak, rlErrorCode } from "../../src/testing/index.js";

const randn = (shape: number[], seed: number): tf.Tensor => {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Array.from({ length: n }, () => rng.normal(0, 1)), shape);
};

describe("linear", () => {
  it("equals tf.matMul (+ bias) in value and in every gradient", async () => {
    await expectNoTensorLeak(() => {
      const x = randn([2, 3, 5], 1);
      const w = randn([5, 4], 2) as tf.Tensor2D;
      const b = randn([4], 3) as tf.Tensor1D;
      const up = randn([2, 3, 4], 4);
      const ours = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor): tf.Scalar => tf.sum(tf.mul(linear(xx, ww as tf.Tensor2D, bb as tf.Tensor1D), up));
      const ref = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor): tf.Scalar =>
        tf.sum(tf.mul(tf.reshape(tf.add(tf.matMul(tf.reshape(xx, [6, 5]), ww as tf.Tensor2D), bb), [2, 3, 4]), up));
      const y = linear(x, w, b);
      const yRef = tf.tidy(() => tf.reshape(tf.add(tf.matMul(tf.reshape(x, [6, 5]), w), b), [2, 3, 4]));
      assertClose(Array.from(y.dataSync()), Array.from(yRef.dataSync()), 1e-5, 1e-5);
      const g = tf.grads(ours)([x, w, b]);
      const gRef = tf.grads(ref)([x, w, b]);
      g.forEach((t, k) => {
        expect(t.shape).toEqual((gRef[k] as tf.Tensor).shape);
        assertClose(Array.from(t.dataSync()), Array.from((gRef[k] as tf.Tensor).dataSync()), 1e-5, 1e-5);
      });
      tf.dispose([x, w, b, up, y, yRef, ...g, ...gRef]);
    });
  });

  it("matches finite differences for x, w and b", () => {
    const x = randn([3, 4], 5);
    const w = randn([4, 2], 6) as tf.Tensor2D;
    const b = randn([2], 7) as tf.Tensor1D;
    const up = tf.tensor2d([[1, -2], [0.5, 3], [-1, 0.25]]);
    checkGradient((t) => tf.sum(tf.mul(linear(t, w, b), up)), x);
    checkGradient((t) => tf.sum(tf.mul(linear(x, t as tf.Tensor2D, b), up)), w);
    checkGradient((t) => tf.sum(tf.mul(linear(x, w, t as tf.Tensor1D), up)), b);
    tf.dispose([x, w, b, up]);
  });

  it("reads a tf.Variable weight directly (same gradients, no leak)", async () => {
    await expectNoTensorLeak(() => {
      const x = randn([3, 4], 31);
      const w0 = randn([4, 2], 32);
      const w = tf.variable(w0);
      const up = randn([3, 2], 33);
      const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(linear(xx, ww as tf.Tensor2D), up)))([x, w]);
      const gRef = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), up)))([x, w0]);
      g.forEach((t, k) => assertClose(Array.from(t.dataSync()), Array.from(gRef[k]!.dataSync()), 1e-5, 1e-5));
      tf.dispose([x, w0, w, up, ...g, ...gRef]);
    });
  });

  it("works without bias, on rank-1 and rank-4 inputs, and with one output", () => {
    const w = tf.ones([3, 1]) as tf.Tensor2D;
    const y1 = linear(tf.tensor1d([1, 2, 3]), w);
    expect(y1.shape).toEqual([1]);
    assertClose(Array.from(y1.dataSync()), [6]);
    const y4 = linear(tf.ones([2, 1, 2, 3]), w);
    expect(y4.shape).toEqual([2, 1, 2, 1]);
    tf.dispose([w, y1, y4]);
  });

  it("throws RLError on mismatched shapes", () => {
    const x = tf.ones([2, 3]);
    expect(rlErrorCode(() => linear(x, tf.ones([4, 5]) as tf.Tensor2D))).toBe("SHAPE_MISMATCH");
    expect(() => linear(x, tf.ones([4, 5]) as tf.Tensor2D)).toThrow(/last axis 3/);
    expect(rlErrorCode(() => linear(x, tf.ones([3, 5]) as tf.Tensor2D, tf.ones([4]) as tf.Tensor1D))).toBe("SHAPE_MISMATCH");
    expect(rlErrorCode(() => linear(x, tf.ones([3]) as unknown as tf.Tensor2D))).toBe("SHAPE_MISMATCH");
    x.dispose();
  });
});

import { createRng, tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { causalAttention } from "../src/demo/policy.js";

// the composite tfjs attention the demo used before (broadcast products, a -1e9 causal mask)
function reference(qkv: tf.Tensor3D, H: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, T, D3] = qkv.shape;
    const d = D3 / 3;
    const dh = d / H;
    const causal = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9);
    const heads = (k: number) => tf.transpose(tf.reshape(tf.slice(qkv, [0, 0, k * d], [B, T, d]), [B, T, H, dh]), [0, 2, 1, 3]);
    const q = tf.reshape(tf.slice(qkv, [0, 0, 0], [B, T, d]), [B, T, H, 1, dh]);
    const k = tf.reshape(heads(1), [B, 1, H, T, dh]);
    const v = tf.reshape(heads(2), [B, 1, H, T, dh]);
    const scores = tf.add(tf.mul(tf.sum(tf.mul(q, k), -1), 1 / Math.sqrt(dh)), tf.reshape(causal, [1, T, 1, T]));
    const att = tf.softmax(scores, -1);
    return tf.reshape(tf.sum(tf.mul(tf.reshape(att, [B, T, H, T, 1]), v), 3), [B, T, d]) as tf.Tensor3D;
  });
}

const randn = (shape: number[], seed: number, s = 1): tf.Tensor => {
  const rng = createRng(seed);
  return tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, s)), shape);
};

describe("causalAttention (the demo's fused attention)", () => {
  it("equals the composite tfjs attention in value and gradient (T = 1 and T = 7, 1 and 3 heads)", async () => {
    await expectNoTensorLeak(() => {
      for (const [B, T, d, H] of [[2, 7, 12, 3], [3, 1, 4, 1], [1, 5, 8, 1]] as const) {
        const qkv = randn([B, T, 3 * d], B + T, 1.5) as tf.Tensor3D;
        const up = randn([B, T, d], 9);
        const y = causalAttention(qkv, H);
        const yRef = reference(qkv, H);
        expect(y.shape).toEqual([B, T, d]);
        assertClose(Array.from(y.dataSync()), Array.from(yRef.dataSync()), 1e-5, 1e-5);
        const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(causalAttention(x as tf.Tensor3D, H), up)))(qkv);
        const gRef = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(reference(x as tf.Tensor3D, H), up)))(qkv);
        assertClose(Array.from(g.dataSync()), Array.from(gRef.dataSync()), 1e-4, 1e-4);
        tf.dispose([qkv, up, y, yRef, g, gRef]);
      }
    });
  });

  it("matches finite differences", () => {
    const qkv = randn([2, 4, 12], 3);
    const up = randn([2, 4, 4], 4);
    checkGradient((x) => tf.sum(tf.mul(causalAttention(x as tf.Tensor3D, 2), up)), qkv);
    tf.dispose([qkv, up]);
  });
});

import { tf } from "@rl/core";

/** A tiny causal "LM": logits[b, t] = E[ids[b, t]] · W (a bigram model). Caller disposes `variables`. */
export function tinyModel(V: number, d: number, seed = 1): { model: (ids: tf.Tensor2D) => tf.Tensor3D; variables: tf.Variable[] } {
  const E = tf.tidy(() => tf.variable(tf.randomNormal([V, d], 0, 0.1, "float32", seed)));
  const W = tf.tidy(() => tf.variable(tf.randomNormal([d, V], 0, 0.1, "float32", seed + 1)));
  const model = (ids: tf.Tensor2D): tf.Tensor3D =>
    tf.tidy(() => {
      const [B, T] = ids.shape;
      const h = tf.reshape(tf.gather(E, tf.reshape(ids, [B * T])), [B * T, d]);
      return tf.reshape(tf.matMul(h, W), [B, T, V]) as tf.Tensor3D;
    });
  return { model, variables: [E, W] };
}

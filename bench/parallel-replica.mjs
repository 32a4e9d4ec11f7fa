// Replica module of data-parallel.bench.mjs: a one-hidden-layer causal LM, logits = relu(onehot(ids)·E)·W.
import { grpoLoss } from "@rl/alignment";
import { tf } from "@rl/core";

export function createReplica({ V, d, seed }) {
  const E = tf.tidy(() => tf.variable(tf.randomNormal([V, d], 0, 0.1, "float32", seed)));
  const W = tf.tidy(() => tf.variable(tf.randomNormal([d, V], 0, 0.1, "float32", seed + 1)));
  const model = (ids) =>
    tf.tidy(() => {
      const [B, T] = ids.shape;
      const h = tf.relu(tf.matMul(tf.oneHot(tf.reshape(tf.cast(ids, "int32"), [B * T]), V), E));
      return tf.reshape(tf.matMul(h, W), [B, T, V]);
    });
  return { model, params: [E, W] };
}

export const policyLoss = (lp, b, { mask }) => grpoLoss({ logProbs: lp, advantages: b.advantages, mask }, { lossType: "grpo" });

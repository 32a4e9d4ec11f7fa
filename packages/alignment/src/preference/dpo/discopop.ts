import { logSigmoid, tf } from "@rl/core";

/**
 * DiscoPOP, the log-ratio modulated loss found by LLM-driven search (Chris Lu et al. 2024,
 * arXiv:2406.08414, Eq. 5), on `z = β·(s_c − s_r)` with `m = σ(z/τ)` (τ = `discopopTau`, 0.05):
 *
 *   L = (1 − m)·softplus(−z) + m·e^{−z}
 *
 * `m·e^{−z}` is computed as `exp(min(logσ(z/τ) − z, 80))`: no `0·Inf = NaN` where `m` underflows
 * and `e^{−z}` overflows (TRL computes the product directly).
 * @remarks arXiv:2406.08414; TRL `trl/trainer/dpo_trainer.py` `_compute_loss` (`discopop`) @ f2cd57710ae345ea6428ae95363267fcf38a3dc8
 * @internal
 */
export function discopopPairLoss(z: tf.Tensor, tau: number): tf.Tensor {
  const zt = tf.div(z, tau);
  const logistic = tf.mul(tf.sigmoid(tf.neg(zt)), tf.softplus(tf.neg(z)));
  const expPart = tf.exp(tf.minimum(tf.sub(logSigmoid(zt), z), 80));
  return tf.add(logistic, expPart);
}

import { logSigmoid, tf } from "@rl/core";

/**
 * EXO's pairwise loss (Ji et al. 2024, arXiv:2402.00856, Eq. 16): the reverse KL from
 * `softmax(z, 0)` over {chosen, rejected} to the smoothed labels `[1−ε, ε]`, `z = β·(s_c − s_r)`:
 *
 *   L = σ(z)·(logσ(z) − log(1−ε)) + σ(−z)·(logσ(−z) − log ε)
 *
 * Needs ε > 0 (the paper: 1e-3); TRL raises otherwise, `dpoConfig` too.
 * @remarks arXiv:2402.00856; TRL `trl/trainer/dpo_trainer.py` `_compute_loss` (`exo_pair`) @ f2cd57710ae345ea6428ae95363267fcf38a3dc8
 * @internal
 */
export function exoPairLoss(z: tf.Tensor, labelSmoothing: number): tf.Tensor {
  const a = tf.mul(tf.sigmoid(z), tf.sub(logSigmoid(z), Math.log(1 - labelSmoothing)));
  const b = tf.mul(tf.sigmoid(tf.neg(z)), tf.sub(logSigmoid(tf.neg(z)), Math.log(labelSmoothing)));
  return tf.add(a, b);
}

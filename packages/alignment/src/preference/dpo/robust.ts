import { tf } from "@rl/core";

/**
 * Robust DPO (rDPO, Chowdhury et al. 2024, arXiv:2403.00409): the unbiased DPO loss under
 * symmetric label noise with flip rate ε ∈ [0, 0.5), on `z = β·(s_c − s_r)`:
 *
 *   L = [(1−ε)·softplus(−z) − ε·softplus(z)] / (1 − 2ε)
 *
 * The flipped term is subtracted (cDPO adds it), so a per-pair loss can be negative and a
 * well-fitted pair keeps the gradient `−ε/(1−2ε)`. ε = 0 is DPO.
 * @remarks arXiv:2403.00409; TRL `trl/trainer/dpo_trainer.py` `_compute_loss` (`robust`) @ f2cd57710ae345ea6428ae95363267fcf38a3dc8
 * @internal
 */
export function robustPairLoss(z: tf.Tensor, labelSmoothing: number): tf.Tensor {
  const clean = tf.mul(tf.softplus(tf.neg(z)), 1 - labelSmoothing);
  const flipped = tf.mul(tf.softplus(z), labelSmoothing);
  return tf.div(tf.sub(clean, flipped), 1 - 2 * labelSmoothing);
}

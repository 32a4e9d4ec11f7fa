import { tf } from "@rl/core";

/**
 * Length-normalised DPO (SimPO's length normalisation applied to DPO, Meng et al. 2024,
 * arXiv:2405.14734; TRL `sigmoid_norm`), on the per-token average scores `h_c = s_c/len_c`,
 * `h_r = s_r/len_r` (lengths clamped ≥ 1): `L = softplus(−β·(h_c − h_r))`.
 * @remarks arXiv:2405.14734; TRL `trl/trainer/dpo_trainer.py` `_compute_loss` (`sigmoid_norm`) @ f2cd57710ae345ea6428ae95363267fcf38a3dc8
 * @internal
 */
export function sigmoidNormPairLoss(hc: tf.Tensor, hr: tf.Tensor, beta: number): tf.Tensor {
  return tf.softplus(tf.neg(tf.mul(tf.sub(hc, hr), beta)));
}

import { tf } from "@rl/core";

/**
 * APO-zero (D'Oosterlinck et al. 2024, arXiv:2408.06266, Eq. 7): raise the chosen likelihood and
 * lower the rejected one, anchored at the reference, on the raw log-ratios `ℓ_c`, `ℓ_r`:
 * `L = (1 − σ(βℓ_c)) + σ(βℓ_r)`. For when the chosen answers are better than the model's own.
 * @remarks arXiv:2408.06266; TRL `trl/trainer/dpo_trainer.py` `_compute_loss` (`apo_zero`) @ f2cd57710ae345ea6428ae95363267fcf38a3dc8
 * @internal
 */
export function apoZeroPairLoss(lc: tf.Tensor, lr: tf.Tensor, beta: number): tf.Tensor {
  return tf.add(tf.sub(1, tf.sigmoid(tf.mul(lc, beta))), tf.sigmoid(tf.mul(lr, beta)));
}

/**
 * APO-down (arXiv:2408.06266, Eq. 8): lower both likelihoods, the rejected one more:
 * `L = σ(βℓ_c) + (1 − σ(z))`, `z = β·(s_c − s_r)`; the first term keeps the raw log-ratio, as TRL.
 * For when the model's own answers are already better than the chosen ones.
 * @remarks arXiv:2408.06266; TRL `trl/trainer/dpo_trainer.py` `_compute_loss` (`apo_down`) @ f2cd57710ae345ea6428ae95363267fcf38a3dc8
 * @internal
 */
export function apoDownPairLoss(lc: tf.Tensor, z: tf.Tensor, beta: number): tf.Tensor {
  return tf.add(tf.sigmoid(tf.mul(lc, beta)), tf.sub(1, tf.sigmoid(z)));
}

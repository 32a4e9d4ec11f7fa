import { tf } from "@rl/core";

/**
 * SPPO with hard labels (Wu et al. 2024, arXiv:2405.00675, Eq. 4.7 with P = 1 for the winner and
 * 0 for the loser): push the chosen score to `+1/(2β)` and the rejected one to `−1/(2β)`:
 *
 *   L = (s_c − 1/(2β))² + (s_r + 1/(2β))²
 *
 * on the (f-divergence) scores of the log-ratios, not on `β·s`.
 * @remarks arXiv:2405.00675; TRL `trl/trainer/dpo_trainer.py` `_compute_loss` (`sppo_hard`) @ f2cd57710ae345ea6428ae95363267fcf38a3dc8
 * @internal
 */
export function sppoHardPairLoss(sc: tf.Tensor, sr: tf.Tensor, beta: number): tf.Tensor {
  return tf.add(tf.square(tf.sub(sc, 1 / (2 * beta))), tf.square(tf.add(sr, 1 / (2 * beta))));
}

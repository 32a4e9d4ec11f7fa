import { logSigmoid, tf } from "@rl/core";

/**
 * NCA's pairwise loss (Chen et al. 2024, arXiv:2402.05369): absolute, not relative, likelihood
 * of each response, on the rewards `c = β·s_c`, `r = β·s_r`:
 *
 *   L = −logσ(c) − ½·logσ(−c) − ½·logσ(−r)
 *
 * @remarks arXiv:2402.05369; TRL `trl/trainer/dpo_trainer.py` `_compute_loss` (`nca_pair`) @ f2cd57710ae345ea6428ae95363267fcf38a3dc8
 * @internal
 */
export function ncaPairLoss(c: tf.Tensor, r: tf.Tensor): tf.Tensor {
  return tf.neg(tf.addN([logSigmoid(c), tf.mul(logSigmoid(tf.neg(c)), 0.5), tf.mul(logSigmoid(tf.neg(r)), 0.5)]));
}

import { tf } from "@rl/core";

/**
 * TRL's `sft` term (the NLL of the chosen completions, e.g. MPO's `["sigmoid", "bco_pair", "sft"]`):
 * the token-mean NLL `−Σ_i π_c,i / Σ_i len_c,i` over the batch (π_c are token sums), the same
 * value for every pair. ∂/∂π_c,i = −1/Σ len_c.
 * @remarks TRL `trl/trainer/dpo_trainer.py` `_compute_loss` (`sft`, `F.cross_entropy` over the chosen tokens) @ f2cd57710ae345ea6428ae95363267fcf38a3dc8
 * @internal
 */
export function sftPairLoss(policyChosen: tf.Tensor, chosenLengths: tf.Tensor): tf.Tensor {
  const nll = tf.div(tf.neg(tf.sum(policyChosen)), tf.maximum(tf.sum(chosenLengths), 1));
  return tf.mul(nll, tf.onesLike(policyChosen));
}

import { logSigmoid, tf } from "@rl/core";

/**
 * BCO's paired loss (Jung et al. 2024, arXiv:2404.04656): a binary classifier whose logit is the
 * implicit reward, chosen → 1 and rejected → 0, on `c = β·s_c`, `r = β·s_r` shifted by δ:
 *
 *   L = −logσ(c − δ) − logσ(−(r − δ))
 *
 * δ is the running reward mean (`bcoRewardShift`; current TRL: δ = 0). Unpaired BCO is `bcoLoss`.
 * @remarks arXiv:2404.04656; TRL `trl/trainer/dpo_trainer.py` `_compute_loss` (`bco_pair`) @ f2cd57710ae345ea6428ae95363267fcf38a3dc8
 * @internal
 */
export function bcoPairLoss(c: tf.Tensor, r: tf.Tensor, shift: number): tf.Tensor {
  return tf.neg(tf.add(logSigmoid(tf.sub(c, shift)), logSigmoid(tf.neg(tf.sub(r, shift)))));
}

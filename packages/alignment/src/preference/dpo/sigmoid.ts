import { logSigmoid, tf } from "@rl/core";

/**
 * DPO's sigmoid loss and its conservative (label-smoothed) form, per pair, on the scaled margin
 * `z = β·(s_c − s_r)`:
 *
 *   L = −(1−ε)·logσ(z) − ε·logσ(−z)        (ε = 0: DPO, `−logσ(z)`)
 *
 * ε is the label-flip rate of cDPO (Mitchell 2023, "A note on DPO with noisy preferences"): the
 * gradient `−(σ(−z) − ε)` pushes `z` to the finite target `log((1−ε)/ε)` instead of +∞.
 * TRL's `sigmoid` ignores ε (current `_compute_loss`); `dpoLoss` calls this with ε = 0 for
 * `sigmoid` and with ε for `cdpo` and AOT. Also the smoothed sigmoid of CPO and SimPO.
 * @remarks arXiv:2305.18290 (DPO); TRL `trl/trainer/dpo_trainer.py` `_compute_loss` (`sigmoid`) @ f2cd57710ae345ea6428ae95363267fcf38a3dc8
 * @internal
 */
export function sigmoidPairLoss(z: tf.Tensor, labelSmoothing = 0): tf.Tensor {
  const clean = tf.neg(logSigmoid(z));
  if (labelSmoothing === 0) return clean;
  return tf.add(tf.mul(clean, 1 - labelSmoothing), tf.mul(tf.neg(logSigmoid(tf.neg(z))), labelSmoothing));
}

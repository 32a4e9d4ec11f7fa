import { tf } from "@rl/core";

/**
 * SLiC's hinge loss on the scaled margin `z = β·(s_c − s_r)` (Zhao et al. 2023, arXiv:2305.10425;
 * the RSO paper's `hinge`, arXiv:2309.06657): `L = max(0, 1 − z)`, so β is the inverse margin.
 * Ignores ε. TRL `loss_type="hinge"`; also CPO's and SimPO's `hinge`.
 * @remarks arXiv:2305.10425; TRL `trl/trainer/dpo_trainer.py` `_compute_loss` (`hinge`) @ f2cd57710ae345ea6428ae95363267fcf38a3dc8
 * @internal
 */
export function hingePairLoss(z: tf.Tensor): tf.Tensor {
  return tf.relu(tf.sub(1, z));
}

import { tf } from "@rl/core";

/**
 * IPO's squared loss (Azar et al. 2023, arXiv:2310.12036, Eq. 17): regress the margin `h` to the
 * finite target `1/(2τ)`, τ = β: `L = (h − 1/(2β))²`. `h` is the caller's margin: TRL's DPO uses
 * the per-token averages `s_c/len_c − s_r/len_r`, OpenRLHF, CPO and TRL's online trainers the sums.
 * @remarks arXiv:2310.12036; TRL `trl/trainer/dpo_trainer.py` `_compute_loss` (`ipo`) @ f2cd57710ae345ea6428ae95363267fcf38a3dc8
 * @internal
 */
export function ipoPairLoss(h: tf.Tensor, beta: number): tf.Tensor {
  return tf.square(tf.sub(h, 1 / (2 * beta)));
}

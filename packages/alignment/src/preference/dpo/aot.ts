import { tf } from "@rl/core";
import { sigmoidPairLoss } from "./sigmoid.js";

/** The sorting permutations AOT needs, computed on plain numbers (no gradient flows through a sort). @internal */
export interface AotOrders {
  policyMargin: number[];
  refMargin: number[];
  chosenRatio: number[];
  rejectedRatio: number[];
}

/** Indices that sort `values` ascending. */
function argsort(values: readonly number[]): number[] {
  return values.map((_, k) => k).sort((a, b) => (values[a] as number) - (values[b] as number));
}

/**
 * The four permutations of AOT from the input values (float64): of `π_c − π_r`, `ρ_c − ρ_r`,
 * `ℓ_c = π_c − ρ_c` and `ℓ_r = π_r − ρ_r`. A missing reference (reference-free) counts as 0.
 * @internal
 */
export function aotOrders(policyChosen: tf.Tensor, policyRejected: tf.Tensor, refChosen?: tf.Tensor, refRejected?: tf.Tensor): AotOrders {
  const zeros = (): Float32Array => new Float32Array(policyChosen.shape[0] as number);
  const [pcv, prv] = [policyChosen.dataSync(), policyRejected.dataSync()];
  const [rcv, rrv] = [refChosen?.dataSync() ?? zeros(), refRejected?.dataSync() ?? zeros()];
  const at = (d: ArrayLike<number>, k: number): number => d[k] as number;
  const idx = Array.from(pcv, (_, k) => k);
  return {
    policyMargin: argsort(idx.map((k) => at(pcv, k) - at(prv, k))),
    refMargin: argsort(idx.map((k) => at(rcv, k) - at(rrv, k))),
    chosenRatio: argsort(idx.map((k) => at(pcv, k) - at(rcv, k))),
    rejectedRatio: argsort(idx.map((k) => at(prv, k) - at(rrv, k))),
  };
}

/** `x` gathered by a precomputed permutation (gather is differentiable w.r.t. `x`). */
function permute(x: tf.Tensor, order: readonly number[]): tf.Tensor {
  return tf.gather(x, tf.tensor1d(order as number[], "int32"));
}

/**
 * Paired AOT, alignment via optimal transport (Melnyk et al. 2024, arXiv:2406.05882): stochastic
 * dominance of the chosen over the rejected margins, by sorting **across the batch**:
 *
 *   d = sort(π_c − π_r) − sort(ρ_c − ρ_r)      L = −(1−ε)·logσ(βd) − ε·logσ(−βd)
 *
 * The sort is taken on values (`aotOrders`) and applied by `gather`, so gradients flow. Depends on
 * the batch; B = 1 is cDPO. TRL forbids WPO weighting with it.
 * @remarks arXiv:2406.05882; TRL `trl/trainer/dpo_trainer.py` `_compute_loss` (`aot`) @ f2cd57710ae345ea6428ae95363267fcf38a3dc8
 * @internal
 */
export function aotPairLoss(policyMargin: tf.Tensor, refMargin: tf.Tensor, orders: AotOrders, beta: number, labelSmoothing: number): tf.Tensor {
  const d = tf.sub(permute(policyMargin, orders.policyMargin), permute(refMargin, orders.refMargin));
  return sigmoidPairLoss(tf.mul(d, beta), labelSmoothing);
}

/**
 * Unpaired AOT (arXiv:2406.05882): the same smoothed loss on `d = sort(ℓ_c) − sort(ℓ_r)`, the
 * chosen and rejected log-ratios sorted separately across the batch.
 * @remarks arXiv:2406.05882; TRL `trl/trainer/dpo_trainer.py` `_compute_loss` (`aot_unpaired`) @ f2cd57710ae345ea6428ae95363267fcf38a3dc8
 * @internal
 */
export function aotUnpairedPairLoss(lc: tf.Tensor, lr: tf.Tensor, orders: AotOrders, beta: number, labelSmoothing: number): tf.Tensor {
  const d = tf.sub(permute(lc, orders.chosenRatio), permute(lr, orders.rejectedRatio));
  return sigmoidPairLoss(tf.mul(d, beta), labelSmoothing);
}

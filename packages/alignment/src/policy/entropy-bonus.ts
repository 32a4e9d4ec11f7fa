import { RLError, aggregateLoss, entropyFromLogits, lossAggregationModes, parseConfig, stopGradient, tf, assertTensor, assertTensorMask } from "@rl/core";
import { z } from "zod";
import { countNonFinite } from "./policy-inputs.js";

/** Config of {@link entropyBonus}. */
export const entropyBonusConfig = z.object({
  /** Coefficient `c_H` (verl `entropy_coeff`, TRL `entropy_coef`). Default 0 (both references). */
  coef: z.number().min(0).default(0),
  /** Aggregation. Default `"token-mean"`. */
  aggregation: z.enum(lossAggregationModes).default("token-mean"),
  /** Replaces the aggregation's denominator. */
  normalizer: z.number().positive().optional(),
});
export type EntropyBonusConfig = z.input<typeof entropyBonusConfig>;

/** What {@link entropyBonus} returns. */
export interface EntropyBonusOutput {
  /** `−c_H·H̄` — add it to a policy loss. */
  loss: tf.Scalar;
  /** Per-token entropies times the mask, `[B, T]`. */
  perToken: tf.Tensor2D;
  /** `entropy` = H̄ (the aggregated entropy). */
  metrics: { entropy: number };
}

/**
 * Entropy bonus from logits `[B, T, V]` (verl / TRL):
 *
 *   H_t = logsumexp(z_t) − Σ_v softmax(z_t)_v·z_{t,v}  (core's `entropyFromLogits`)
 *   H̄ = aggregate(H, M),   loss = −c_H·H̄
 *
 * Differentiable w.r.t. the logits. Default `c_H = 0` (so the term is off unless asked for).
 *
 * @example
 * entropyBonus(tf.tensor3d([[[2, 1, 0]]]), tf.tensor2d([[1]]), { coef: 0.01 }); // entropy 0.8323956
 * @remarks Mirrors verl `compute_entropy_loss` and `agg_loss` (verl/trainer/ppo/core_algos.py).
 */
export function entropyBonus(logits: tf.Tensor, mask: tf.Tensor, config: EntropyBonusConfig = {}): EntropyBonusOutput {
  const cfg = parseConfig(entropyBonusConfig, config, "entropyBonus");
  assertTensor(logits, "entropyBonus", "logits");
  assertTensor(mask, "entropyBonus", "mask");
  if (logits.rank !== 3 || mask.rank !== 2 || logits.shape[0] !== mask.shape[0] || logits.shape[1] !== mask.shape[1]) {
    throw new RLError("SHAPE_MISMATCH", `entropyBonus: logits [${logits.shape.join(",")}] must be [B, T, V] with mask [B, T], got mask [${mask.shape.join(",")}]`);
  }
  assertTensorMask(mask, "entropyBonus");
  const out = tf.tidy(() => {
    const valid = tf.greater(mask, 0);
    const m = stopGradient(tf.cast(valid, "float32"));
    const V = logits.shape[2] as number;
    // padding may hold NaN logits: replace them before the softmax (and its gradient)
    const clean = tf.where(tf.tile(tf.expandDims(valid, 2), [1, 1, V]), logits, tf.zeros(logits.shape));
    const perToken = tf.mul(entropyFromLogits(clean), m) as tf.Tensor2D;
    const h = aggregateLoss(perToken, m, { mode: cfg.aggregation, ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}) });
    return { loss: tf.mul(h, -cfg.coef) as tf.Scalar, perToken, h: stopGradient(tf.stack([tf.reshape(h, []), countNonFinite([logits], m)])) };
  });
  const [entropy, bad] = Array.from(out.h.dataSync()) as [number, number];
  out.h.dispose();
  if (bad > 0 || !Number.isFinite(entropy)) {
    out.loss.dispose();
    out.perToken.dispose();
    throw new RLError("NON_FINITE", `entropyBonus: the entropy is ${entropy}; check the logits for NaN / Inf`);
  }
  return { loss: out.loss, perToken: out.perToken, metrics: { entropy } };
}

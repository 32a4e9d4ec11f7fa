import { RLError, aggregateLoss, klEstimate, klKinds, lossAggregationModes, parseConfig, stopGradient, tf, assertTensor, assertTensorMask } from "@rl/core";
import { z } from "zod";
import { renameDeprecatedKeys } from "./config-aliases.js";
import { countNonFinite } from "./policy-inputs.js";

/** Config of {@link klPenalty} (verl actor `use_kl_loss` defaults). */
export const klPenaltyConfig = z.object({
  /** KL coefficient β (verl `kl_loss_coef`; formerly `coef`). Default 0.001. */
  klCoef: z.number().min(0).default(0.001),
  /** KL estimator (formerly `kind`): k1, abs, k2, k3 or the straight-through `+` kinds (value of the base, gradient of k2). Default `"k3"` (verl `low_var_kl`). */
  klKind: z.enum(klKinds).default("k3"),
  /** Clamp convention of core's `klEstimate`. Default `"verl"`. */
  clamp: z.enum(["verl", "openrlhf", "none"]).default("verl"),
  /** Aggregation. Default `"token-mean"`. */
  aggregation: z.enum(lossAggregationModes).default("token-mean"),
  /** Replaces the aggregation's denominator. */
  normalizer: z.number().positive().optional(),
});
export type KlPenaltyConfig = z.input<typeof klPenaltyConfig> & {
  /** @deprecated use `klCoef` (accepted for one release) */
  coef?: number;
  /** @deprecated use `klKind` (accepted for one release) */
  kind?: (typeof klKinds)[number];
};

/** What {@link klPenalty} returns. */
export interface KlPenaltyOutput {
  /** `β·aggregate(kl, M)` — add it to a policy loss. */
  loss: tf.Scalar;
  /** The per-token estimator values times the mask, `[B, T]`. */
  perToken: tf.Tensor2D;
  /** `kl` = aggregate(kl, M) (verl `actor/kl_loss`), `klCoef` = β. */
  metrics: { kl: number; klCoef: number };
}

/**
 * In-loss KL penalty to a reference policy (GRPO / verl `use_kl_loss`):
 *
 *   δ = lp − ref;  k1 = δ,  abs = |δ|,  k2 = ½δ²,  k3 = e^{−δ} + δ − 1
 *   `k3+` etc.: forward value of the base, gradient of k2 (straight-through, `k2 − sg(k2) + sg(k)`)
 *   loss = β·aggregate(kl, M)
 *
 * The reference is a constant (stop-gradient). The estimators come from core's `klEstimate`.
 * Defaults β = 0.001, `k3`, verl clamps, token-mean (verl actor). TRL's GRPO uses unclamped k3
 * (`clamp: "none"`) added per token before aggregation — {@link grpoLoss} does that.
 *
 * @example
 * const logProbs = tf.tensor2d([[-1, -2]]), refLogProbs = tf.tensor2d([[-1.5, -2]]), mask = tf.ones([1, 2]);
 * klPenalty(logProbs, refLogProbs, mask, { klCoef: 0.04, klKind: "k3+" });
 * @remarks http://joschu.net/blog/kl-approx.html; GRPO arXiv:2402.03300
 */
export function klPenalty(logProbs: tf.Tensor, refLogProbs: tf.Tensor, mask: tf.Tensor, config: KlPenaltyConfig = {}): KlPenaltyOutput {
  const cfg = parseConfig(klPenaltyConfig, renameDeprecatedKeys(config, { coef: "klCoef", kind: "klKind" }, "klPenalty"), "klPenalty");
  assertTensor(logProbs, "klPenalty", "logProbs");
  assertTensor(refLogProbs, "klPenalty", "refLogProbs");
  assertTensor(mask, "klPenalty", "mask");
  if (logProbs.rank !== 2) throw new RLError("SHAPE_MISMATCH", `klPenalty: logProbs must be [B, T], got [${logProbs.shape.join(",")}]`);
  for (const [name, t] of [["refLogProbs", refLogProbs], ["mask", mask]] as const) {
    if (t.rank !== 2 || t.shape[0] !== logProbs.shape[0] || t.shape[1] !== logProbs.shape[1]) {
      throw new RLError("SHAPE_MISMATCH", `klPenalty: ${name} has shape [${t.shape.join(",")}], logProbs [${logProbs.shape.join(",")}]`);
    }
  }
  assertTensorMask(mask, "klPenalty");
  const out = tf.tidy(() => {
    const valid = tf.greater(mask, 0);
    const m = stopGradient(tf.cast(valid, "float32"));
    const zeros = tf.zeros(logProbs.shape);
    // padding may hold NaN / −∞: zero it before it reaches the estimator (and its gradient)
    const k = klEstimate(tf.where(valid, logProbs, zeros), stopGradient(tf.where(valid, refLogProbs, zeros)), { kind: cfg.klKind, clamp: cfg.clamp });
    const perToken = tf.mul(k, m) as tf.Tensor2D;
    const agg = aggregateLoss(perToken, m, { mode: cfg.aggregation, ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}) });
    return { loss: tf.mul(agg, cfg.klCoef) as tf.Scalar, perToken, kl: stopGradient(agg), bad: countNonFinite([logProbs, refLogProbs], m) };
  });
  const kl = out.kl.dataSync()[0] as number;
  const bad = out.bad.dataSync()[0] as number;
  out.kl.dispose();
  out.bad.dispose();
  if (bad > 0 || !Number.isFinite(kl)) {
    out.loss.dispose();
    out.perToken.dispose();
    throw new RLError("NON_FINITE", `klPenalty: the KL is ${kl}; check logProbs and refLogProbs for NaN / Inf (or use a clamp)`);
  }
  return { loss: out.loss, perToken: out.perToken, metrics: { kl, klCoef: cfg.klCoef } };
}

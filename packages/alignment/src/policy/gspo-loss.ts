import { aggregateLoss, lossAggregationModes, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import { fusedPolicyPath } from "./fused-path.js";
import { clippedSurrogate, importanceRatio, importanceWeighted } from "./surrogates.js";
import { checkPolicyInputs, finishPolicyLoss, maskedMeanOf, preparePolicyInputs, type PolicyLossOutput, type TokenPolicyInputs } from "./policy-inputs.js";

/** Config of {@link gspoLoss} (GSPO paper / TRL doc / conformance defaults). */
export const gspoLossConfig = z.object({
  /** Lower clip of the sequence ratio. Default 3e-4 (GSPO paper). */
  clipLow: z.number().min(0).lt(1).default(3e-4),
  /** Upper clip of the sequence ratio. Default 4e-4 (GSPO paper). */
  clipHigh: z.number().min(0).default(4e-4),
  /**
   * `"stopGradToken"` (verl `gspo`, TRL `gspo_token`): per-token ratio `exp(lp − sg(lp) + sg(log s))`,
   * value `s`, gradient `s·∇lp_t`, so per-token advantages work. `"sequence"` (TRL
   * `importance_sampling_level="sequence"`, OpenRLHF): `s = exp(log s)` with the gradient through
   * the mean. Default `"stopGradToken"`.
   */
  variant: z.enum(["stopGradToken", "sequence"]).default("stopGradToken"),
  /** The log sequence ratio is clamped above at this value (verl: 10). Default 10. */
  maxLogRatio: z.number().positive().default(10),
  /** Aggregation. Default `"seq-mean-token-mean"` (verl forces it for GSPO). */
  aggregation: z.enum(lossAggregationModes).default("seq-mean-token-mean"),
  /** Replaces the aggregation's denominator. */
  normalizer: z.number().positive().optional(),
});
export type GspoLossConfig = z.input<typeof gspoLossConfig>;

/** Metric names of {@link gspoLoss}. */
export type GspoMetric = "clipFraction" | "approxKl";

/**
 * GSPO — Group Sequence Policy Optimisation (Zheng et al. 2025, arXiv:2507.18071): PPO's clip on the
 * length-normalised sequence likelihood ratio instead of per-token ratios.
 *
 *   log s_i = Σ_t (lp − old)·M / max(n_i, 1)
 *   stopGradToken: log s_{i,t} = min(lp_t − sg(lp_t) + sg(log s_i), 10)     sequence: min(log s_i, 10)
 *   L = max(−A·s, −A·clip(s, 1 − ε_l, 1 + ε_h)),   loss = aggregate(L, M)  (seq-mean-token-mean)
 *
 * Metrics: `clipFraction` = masked token mean of `1[l₂ > l₁]`, `approxKl` = masked mean `old − lp`.
 * Edge cases: an empty row has `n` clamped to 1, so `s = 1`, and contributes nothing.
 * On-policy (`oldLogProbs` absent) every `s = 1`.
 *
 * @example
 * gspoLoss({ logProbs, oldLogProbs, advantages: tf.tensor1d([1, -2]), mask }); // worked example E7: loss 1.530145
 * @remarks arXiv:2507.18071
 */
export function gspoLoss(inputs: TokenPolicyInputs, config: GspoLossConfig = {}): PolicyLossOutput<GspoMetric> {
  const cfg = parseConfig(gspoLossConfig, config, "gspoLoss");
  checkPolicyInputs(inputs, "gspoLoss", false, false); // the mask values: fusedPolicyPath
  const fused = fusedPolicyPath(
    inputs,
    {
      surrogate: "clip",
      ratioLevel: cfg.variant === "stopGradToken" ? "sequenceToken" : "sequence",
      clipLow: cfg.clipLow,
      clipHigh: cfg.clipHigh,
      logRatioClamp: null,
      maxLogRatio: cfg.maxLogRatio,
      aggregation: cfg.aggregation,
      ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}),
    },
    "gspoLoss",
    (m) => ({ clipFraction: m.clipFraction, approxKl: m.approxKl }),
  );
  if (fused !== undefined) return fused;
  return finishPolicyLoss("gspoLoss", inputs, () => {
    const { lp, old, adv, mask, isRatio } = preparePolicyInputs(inputs);
    const delta = tf.sub(lp, old);
    const { ratio: s } = importanceRatio(lp, old, mask, { level: cfg.variant === "stopGradToken" ? "sequenceToken" : "sequence", maxLogRatio: cfg.maxLogRatio });
    const { perToken: per, l1, l2 } = clippedSurrogate(s, adv, { clipLow: cfg.clipLow, clipHigh: cfg.clipHigh });
    const perToken = tf.mul(importanceWeighted(per, isRatio), mask) as tf.Tensor2D;
    const loss = aggregateLoss(perToken, mask, { mode: cfg.aggregation, ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}) });
    return {
      loss,
      perToken,
      metrics: {
        clipFraction: maskedMeanOf(tf.cast(tf.greater(l2, l1), "float32"), mask),
        approxKl: maskedMeanOf(tf.neg(delta), mask),
      },
    };
  });
}

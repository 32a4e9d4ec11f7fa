import { aggregateLoss, lossAggregationModes, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import { fusedPolicyPath } from "./fused-path.js";
import { clippedSurrogate, dualClip, importanceRatio, importanceWeighted } from "./surrogates.js";
import { checkPolicyInputs, finishPolicyLoss, maskedMeanOf, preparePolicyInputs, type PolicyLossOutput, type TokenPolicyInputs } from "./policy-inputs.js";

/** Config of {@link ppoPolicyLoss} (verl actor defaults). */
export const ppoPolicyLossConfig = z.object({
  /** Lower clip `ε_l`: the ratio is clipped below at `1 − ε_l`. Default 0.2. */
  clipLow: z.number().min(0).lt(1).default(0.2),
  /** Upper clip `ε_h` ("clip-higher", DAPO recommends 0.28). Default 0.2. */
  clipHigh: z.number().min(0).default(0.2),
  /** Dual-clip constant `c > 1` (verl `clip_ratio_c`), or `null` for none (TRL / OpenRLHF). Default 3. */
  dualClip: z.number().gt(1).nullable().default(3),
  /** Token-loss aggregation (core's `aggregateLoss`). Default `"token-mean"` (verl). */
  aggregation: z.enum(lossAggregationModes).default("token-mean"),
  /** Replaces the aggregation's denominator (global token / row count under accumulation). */
  normalizer: z.number().positive().optional(),
  /** `lp − old` is clamped to `±logRatioClamp` before `exp` (verl, OpenRLHF). Default 20. */
  logRatioClamp: z.number().positive().default(20),
});
export type PpoPolicyLossConfig = z.input<typeof ppoPolicyLossConfig>;

/** Metric names of {@link ppoPolicyLoss}. */
export type PpoPolicyMetric = "clipFraction" | "clipFractionLower" | "approxKl";

/**
 * PPO clipped surrogate (Schulman et al., arXiv:1707.06347) with asymmetric "clip-higher"
 * (DAPO, arXiv:2503.14476) and dual clip (Ye et al., arXiv:1912.09729) — verl's `vanilla` loss.
 *
 *   δ = clamp(lp − old, ±20),  r = e^δ,  l₁ = −A·r,  l₂ = −A·clip(r, 1 − ε_l, 1 + ε_h),  m = max(l₁, l₂)
 *   L = m if A ≥ 0, else min(m, −c·A)   (dual clip; `dualClip: null` gives L = m)
 *   loss = aggregate(L, M)
 *
 * The gradient is zero wherever the clipped branch or the dual-clip cap is active; old log-probs
 * and advantages are constants (stop-gradient). With `oldLogProbs` absent, `old = sg(lp)`, `r ≡ 1`
 * and the gradient is the plain policy gradient `−A·∇lp`.
 *
 * Metrics (masked token means, counts clamped to ≥ 1): `clipFraction` = mean `1[l₂ > l₁]`
 * (verl `pg_clipfrac`), `clipFractionLower` = mean `1[m > −c·A ∧ A < 0]` (`pg_clipfrac_lower`,
 * 0 without dual clip), `approxKl` = mean `old − lp` (`ppo_kl`, after the clamp).
 *
 * Defaults: `clipLow = clipHigh = 0.2`, `dualClip = 3`, `aggregation = "token-mean"` (verl actor).
 * Edge cases: a fully-masked batch gives loss 0 (core's aggregation); advantages may be `[B]`.
 *
 * @example
 * const { loss, metrics } = ppoPolicyLoss({ logProbs, oldLogProbs, advantages, mask }, { clipHigh: 0.28 });
 * // worked example E5: loss 0.971871, metrics.clipFraction 0.2
 * @remarks PPO arXiv:1707.06347; dual clip arXiv:1912.09729; clip-higher arXiv:2503.14476
 */
export function ppoPolicyLoss(inputs: TokenPolicyInputs, config: PpoPolicyLossConfig = {}): PolicyLossOutput<PpoPolicyMetric> {
  const cfg = parseConfig(ppoPolicyLossConfig, config, "ppoPolicyLoss");
  checkPolicyInputs(inputs, "ppoPolicyLoss", false, false); // the mask values: fusedPolicyPath
  const fused = fusedPolicyPath(
    inputs,
    {
      surrogate: "clip",
      clipLow: cfg.clipLow,
      clipHigh: cfg.clipHigh,
      dualClip: cfg.dualClip,
      logRatioClamp: cfg.logRatioClamp,
      aggregation: cfg.aggregation,
      ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}),
    },
    "ppoPolicyLoss",
    (m) => ({ clipFraction: m.clipFraction, clipFractionLower: m.clipFractionLower, approxKl: m.approxKl }),
  );
  if (fused !== undefined) return fused;
  return finishPolicyLoss("ppoPolicyLoss", inputs, () => {
    const { lp, old, adv, mask, isRatio } = preparePolicyInputs(inputs);
    const { logRatio: delta, ratio } = importanceRatio(lp, old, mask, { logRatioClamp: cfg.logRatioClamp });
    const { perToken: m, l1, l2 } = clippedSurrogate(ratio, adv, { clipLow: cfg.clipLow, clipHigh: cfg.clipHigh });
    let perTokenRaw: tf.Tensor = m;
    let lower: tf.Scalar = tf.scalar(0);
    if (cfg.dualClip !== null) {
      const dual = dualClip(m, adv, cfg.dualClip);
      perTokenRaw = dual.perToken;
      lower = maskedMeanOf(tf.cast(dual.lowerClipped, "float32"), mask);
    }
    const perToken = tf.mul(importanceWeighted(perTokenRaw, isRatio), mask) as tf.Tensor2D;
    const loss = aggregateLoss(perToken, mask, { mode: cfg.aggregation, ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}) });
    return {
      loss,
      perToken,
      metrics: {
        clipFraction: maskedMeanOf(tf.cast(tf.greater(l2, l1), "float32"), mask),
        clipFractionLower: lower,
        approxKl: maskedMeanOf(tf.neg(delta), mask),
      },
    };
  });
}

import { aggregateLoss, lossAggregationModes, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import { fusedPolicyPath } from "./fused-path.js";
import { cispoWeight, importanceRatio, weightedLogProbSurrogate } from "./surrogates.js";
import { checkPolicyInputs, finishPolicyLoss, maskedMeanOf, preparePolicyInputs, type PolicyLossOutput, type TokenPolicyInputs } from "./policy-inputs.js";

/** Config of {@link cispoLoss}. The clip has no shared default between references: pick a mode. */
export const cispoLossConfig = z.object({
  /**
   * `{ mode: "relative", low, high }` (verl: `clip(r, 1 − low, 1 + high)`, defaults 0.2 / 0.28;
   * `low` up to 1, where the lower bound is 0) or
   * `{ mode: "absolute", max }` (TRL: `min(r, max)`, ScaleRL's 5). Default relative 0.2 / 0.28.
   */
  clip: z
    .discriminatedUnion("mode", [
      z.object({ mode: z.literal("relative"), low: z.number().min(0).max(1).default(0.2), high: z.number().min(0).default(0.28) }),
      z.object({ mode: z.literal("absolute"), max: z.number().positive().default(5) }),
    ])
    .default({ mode: "relative", low: 0.2, high: 0.28 }),
  /** Aggregation. Default `"token-mean"`. */
  aggregation: z.enum(lossAggregationModes).default("token-mean"),
  /** Replaces the aggregation's denominator. */
  normalizer: z.number().positive().optional(),
  /** `lp − old` clamped to ±this before `exp`. Default 20. */
  logRatioClamp: z.number().positive().default(20),
});
export type CispoLossConfig = z.input<typeof cispoLossConfig>;

/**
 * CISPO (MiniMax-M1, arXiv:2506.13585): REINFORCE weighted by a clipped, detached importance
 * ratio, so clipped tokens still get a gradient.
 *
 *   r = e^{clamp(lp − old, ±20)},   L = −sg(clip(r))·A·lp,   loss = aggregate(L, M)
 *
 * `clip` is relative (verl: `clip(r, 1 − low, 1 + high)`) or absolute (TRL: `min(r, max)`) — the
 * references disagree on what `ε_high` means (0.28 is "cap 1.28" in verl, "cap 0.28" in TRL).
 * Metrics (masked means): `clipFraction` = `1[r ≠ clip(r)]` (either side, verl `pg_clipfrac`),
 * `approxKl` = `old − lp` after the ±20 clamp (verl `ppo_kl`). verl's `pg_clipfrac_lower` is a
 * constant 0 for CISPO and is not reported.
 *
 * @example
 * cispoLoss({ logProbs, oldLogProbs, advantages, mask }); // spec E5 (0.2 / 0.28): 0.518426
 * @remarks arXiv:2506.13585
 */
export function cispoLoss(inputs: TokenPolicyInputs, config: CispoLossConfig = {}): PolicyLossOutput<"clipFraction" | "approxKl"> {
  const cfg = parseConfig(cispoLossConfig, config, "cispoLoss");
  checkPolicyInputs(inputs, "cispoLoss", false, false); // the mask values: fusedPolicyPath
  const fused = fusedPolicyPath(
    inputs,
    {
      surrogate: "cispo",
      ...(cfg.clip.mode === "relative" ? { clipLow: cfg.clip.low, clipHigh: cfg.clip.high } : { clipMax: cfg.clip.max }),
      logRatioClamp: cfg.logRatioClamp,
      aggregation: cfg.aggregation,
      ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}),
    },
    "cispoLoss",
    (m) => ({ clipFraction: m.clipFraction, approxKl: m.approxKl }),
  );
  if (fused !== undefined) return fused;
  return finishPolicyLoss("cispoLoss", inputs, () => {
    const { lp, old, adv, mask } = preparePolicyInputs(inputs);
    const { logRatio: delta, ratio: r } = importanceRatio(lp, old, mask, { logRatioClamp: cfg.logRatioClamp });
    const { weight, clipped } = cispoWeight(r, cfg.clip.mode === "relative" ? { low: cfg.clip.low, high: cfg.clip.high } : { max: cfg.clip.max });
    const perToken = tf.mul(weightedLogProbSurrogate(weight, adv, lp), mask) as tf.Tensor2D;
    const loss = aggregateLoss(perToken, mask, { mode: cfg.aggregation, ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}) });
    return {
      loss,
      perToken,
      metrics: { clipFraction: maskedMeanOf(tf.cast(tf.notEqual(r, clipped), "float32"), mask), approxKl: maskedMeanOf(tf.neg(delta), mask) },
    };
  });
}

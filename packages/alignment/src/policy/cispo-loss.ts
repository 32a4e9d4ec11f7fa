import { aggregateLoss, lossAggregationModes, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import { fusedPolicyPath } from "./fused-path.js";
import { cispoWeight, importanceRatio, importanceWeighted, weightedLogProbSurrogate } from "./surrogates.js";
import { renameDeprecatedKeys } from "./config-aliases.js";
import { checkPolicyInputs, finishPolicyLoss, maskedMeanOf, preparePolicyInputs, type PolicyLossOutput, type TokenPolicyInputs } from "./policy-inputs.js";

/** Config of {@link cispoLoss}. The clip has no shared default between references: a band (`clipLow` / `clipHigh`) or a cap (`clipMax`). */
export const cispoLossConfig = z.object({
  /** Lower clip `ε_l` of the band (verl; up to 1, where the lower bound is 0; formerly `clip: { mode: "relative", low }`). Default 0.2. */
  clipLow: z.number().min(0).max(1).default(0.2),
  /** Upper clip `ε_h` of the band (verl: `clip(r, 1 − ε_l, 1 + ε_h)`). Default 0.28. */
  clipHigh: z.number().min(0).default(0.28),
  /** An absolute cap instead of the band: `w = min(r, clipMax)` (TRL, ScaleRL's 5). Default `null` (the band). */
  clipMax: z.number().positive().nullable().default(null),
  /** Aggregation. Default `"token-mean"`. */
  aggregation: z.enum(lossAggregationModes).default("token-mean"),
  /** Replaces the aggregation's denominator. */
  normalizer: z.number().positive().optional(),
  /** `lp − old` clamped to ±this before `exp`. Default 20. */
  logRatioClamp: z.number().positive().default(20),
});
export type CispoLossConfig = z.input<typeof cispoLossConfig> & {
  /** @deprecated use `clipLow` / `clipHigh` (relative) or `clipMax` (absolute); accepted for one release */
  clip?: { mode: "relative"; low?: number; high?: number } | { mode: "absolute"; max?: number };
};

/** The old nested `clip` option as the new keys (the old defaults: 0.2 / 0.28, max 5). */
function cispoClipKeys(clip: unknown): Record<string, unknown> {
  if (typeof clip !== "object" || clip === null) return { clipLow: clip };
  const c = clip as { mode?: unknown; low?: unknown; high?: unknown; max?: unknown };
  if (c.mode === "absolute") return { clipMax: c.max ?? 5 };
  if (c.mode !== "relative") return { clipLow: clip }; // rejected by the schema, naming the field
  return { ...(c.low !== undefined ? { clipLow: c.low } : {}), ...(c.high !== undefined ? { clipHigh: c.high } : {}) };
}

/**
 * CISPO (MiniMax-M1, arXiv:2506.13585): REINFORCE weighted by a clipped, detached importance
 * ratio, so clipped tokens still get a gradient.
 *
 *   r = e^{clamp(lp − old, ±20)},   L = −sg(clip(r))·A·lp,   loss = aggregate(L, M)
 *
 * The clip is the band (verl: `clip(r, 1 − clipLow, 1 + clipHigh)`) or, with `clipMax`, a cap (TRL: `min(r, clipMax)`) — the
 * references disagree on what `ε_high` means (0.28 is "cap 1.28" in verl, "cap 0.28" in TRL).
 * Metrics (masked means): `clipFraction` = `1[r ≠ clip(r)]` (either side, verl `pg_clipfrac`),
 * `approxKl` = `old − lp` after the ±20 clamp (verl `ppo_kl`). verl's `pg_clipfrac_lower` is a
 * constant 0 for CISPO and is not reported.
 *
 * @example
 * cispoLoss({ logProbs, oldLogProbs, advantages, mask }); // worked example E5 (0.2 / 0.28): 0.518426
 * cispoLoss({ logProbs, oldLogProbs, advantages, mask }, { clipMax: 5 }); // TRL / ScaleRL's cap
 * @remarks arXiv:2506.13585
 */
export function cispoLoss(inputs: TokenPolicyInputs, config: CispoLossConfig = {}): PolicyLossOutput<"clipFraction" | "approxKl"> {
  const cfg = parseConfig(cispoLossConfig, renameDeprecatedKeys(config, { clip: cispoClipKeys }, "cispoLoss"), "cispoLoss");
  checkPolicyInputs(inputs, "cispoLoss", false, false); // the mask values: fusedPolicyPath
  const fused = fusedPolicyPath(
    inputs,
    {
      surrogate: "cispo",
      ...(cfg.clipMax === null ? { clipLow: cfg.clipLow, clipHigh: cfg.clipHigh } : { clipMax: cfg.clipMax }),
      logRatioClamp: cfg.logRatioClamp,
      aggregation: cfg.aggregation,
      ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}),
    },
    "cispoLoss",
    (m) => ({ clipFraction: m.clipFraction, approxKl: m.approxKl }),
  );
  if (fused !== undefined) return fused;
  return finishPolicyLoss("cispoLoss", inputs, () => {
    const { lp, old, adv, mask, isRatio } = preparePolicyInputs(inputs);
    const { logRatio: delta, ratio: r } = importanceRatio(lp, old, mask, { logRatioClamp: cfg.logRatioClamp });
    const { weight, clipped } = cispoWeight(r, cfg.clipMax === null ? { low: cfg.clipLow, high: cfg.clipHigh } : { max: cfg.clipMax });
    const perToken = tf.mul(importanceWeighted(weightedLogProbSurrogate(weight, adv, lp), isRatio), mask) as tf.Tensor2D;
    const loss = aggregateLoss(perToken, mask, { mode: cfg.aggregation, ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}) });
    return {
      loss,
      perToken,
      metrics: { clipFraction: maskedMeanOf(tf.cast(tf.notEqual(r, clipped), "float32"), mask), approxKl: maskedMeanOf(tf.neg(delta), mask) },
    };
  });
}

import { aggregateLoss, lossAggregationModes, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import { fusedPolicyPath } from "./fused-path.js";
import { importanceRatio, importanceWeighted, sapoSurrogate } from "./surrogates.js";
import { checkPolicyInputs, finishPolicyLoss, maskedMeanOf, preparePolicyInputs, type PolicyLossOutput, type TokenPolicyInputs } from "./policy-inputs.js";

/** Config of {@link sapoLoss} (verl / TRL defaults). */
export const sapoLossConfig = z.object({
  /** Gate temperature τ₊ for `A > 0`. Default 1. */
  temperaturePos: z.number().positive().default(1),
  /** Gate temperature τ₋ for `A ≤ 0`. Default 1.05. */
  temperatureNeg: z.number().positive().default(1.05),
  /** Aggregation. Default `"seq-mean-token-mean"` (verl forces it). */
  aggregation: z.enum(lossAggregationModes).default("seq-mean-token-mean"),
  /** Replaces the aggregation's denominator. */
  normalizer: z.number().positive().optional(),
  /** `lp − old` clamped to ±this before `exp`. Default 20. */
  logRatioClamp: z.number().positive().default(20),
});
export type SapoLossConfig = z.input<typeof sapoLossConfig>;

/**
 * SAPO — soft adaptive policy optimisation (Qwen, arXiv:2511.20347): a smooth sigmoid gate replaces
 * PPO's hard clip.
 *
 *   r = e^{lp − old},   L = −(4/τ)·σ(τ(r − 1))·A,   τ = τ₊ if A > 0 else τ₋
 *
 * The gate `(4/τ)·σ(τ(r − 1))` is 2 with slope 1 at `r = 1`, so on-policy `∂L/∂lp = −A` (the plain
 * policy gradient); far from 1 the gate saturates and the gradient fades smoothly.
 * Metric `approxKl` = masked mean of `old − lp` after the ±20 clamp (verl `ppo_kl`; SAPO clips
 * nothing, so verl's `pg_clipfrac` / `pg_clipfrac_lower` are constant 0 and not reported).
 * Defaults τ₊ = 1, τ₋ = 1.05, seq-mean-token-mean (verl `compute_policy_loss_sapo` forces it).
 *
 * @example
 * sapoLoss({ logProbs, oldLogProbs, advantages, mask }); // worked example E5: 1.758351
 * @remarks arXiv:2511.20347
 */
export function sapoLoss(inputs: TokenPolicyInputs, config: SapoLossConfig = {}): PolicyLossOutput<"approxKl"> {
  const cfg = parseConfig(sapoLossConfig, config, "sapoLoss");
  checkPolicyInputs(inputs, "sapoLoss", false, false); // the mask values: fusedPolicyPath
  const fused = fusedPolicyPath(
    inputs,
    {
      surrogate: "sapo",
      temperaturePos: cfg.temperaturePos,
      temperatureNeg: cfg.temperatureNeg,
      logRatioClamp: cfg.logRatioClamp,
      aggregation: cfg.aggregation,
      ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}),
    },
    "sapoLoss",
    (m) => ({ approxKl: m.approxKl }),
  );
  if (fused !== undefined) return fused;
  return finishPolicyLoss("sapoLoss", inputs, () => {
    const { lp, old, adv, mask, isRatio } = preparePolicyInputs(inputs);
    const { logRatio: delta, ratio } = importanceRatio(lp, old, mask, { logRatioClamp: cfg.logRatioClamp });
    const perToken = tf.mul(importanceWeighted(sapoSurrogate(ratio, adv, cfg.temperaturePos, cfg.temperatureNeg), isRatio), mask) as tf.Tensor2D;
    const loss = aggregateLoss(perToken, mask, { mode: cfg.aggregation, ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}) });
    return { loss, perToken, metrics: { approxKl: maskedMeanOf(tf.neg(delta), mask) } };
  });
}

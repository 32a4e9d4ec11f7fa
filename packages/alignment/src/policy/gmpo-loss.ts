import { clampTensor, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import { checkPolicyInputs, finishPolicyLoss, maskedMeanOf, preparePolicyInputs, type PolicyLossOutput, type TokenPolicyInputs } from "./policy-inputs.js";

/** Config of {@link gmpoLoss}. */
export const gmpoLossConfig = z.object({
  /** Lower clip of the **log**-ratio (`δ ≥ −ε_l`). Default 0.4 (GMPO paper, TRL). */
  clipLow: z.number().min(0).default(0.4),
  /** Upper clip of the log-ratio (`δ ≤ ε_h`). Default 0.4. */
  clipHigh: z.number().min(0).default(0.4),
});
export type GmpoLossConfig = z.input<typeof gmpoLossConfig>;

/**
 * GMPO — geometric-mean policy optimisation (arXiv:2507.20673; verl `compute_policy_loss_geo_mean`):
 * the PPO min/max is taken per token in log space, then the row's ratio is the geometric mean.
 *
 *   δ̃_t = sgn(A_t)·min(sgn(A_t)·δ_t, sgn(A_t)·clip(δ_t, −ε_l, ε_h))     (0 where A_t = 0)
 *   ρ_i = exp(Σ_t δ̃·M / (n_i + 1e-8)),   Ā_i = Σ_t A·M / (n_i + 1e-8),   loss = mean_i(−Ā_i·ρ_i)
 *
 * The batch mean ignores any aggregation mode (as verl). No clamp on `δ` (verl has none).
 * `perToken` is `−Ā_i·ρ_i` spread over the row's valid tokens (`/n_i`), so its row sums are `L_i`.
 * Metrics (masked token means): `clipFraction` (`δ` clipped on either side ∧ `A > 0`),
 * `clipFractionLower` (clipped ∧ `A < 0`), `approxKl` = `old − lp` (unclamped; verl `ppo_kl`).
 * Edge case: an empty row has `ρ = 1`, `Ā = 0`: it contributes 0 and still counts in the mean.
 * Rollout correction: with `importanceSamplingRatio` `w` (`[B, T]` or `[B, 1]`, constant, ≥ 0),
 * the row loss is multiplied by the geometric mean of the row's weights over its valid tokens,
 * `w̄_i = exp(Σ_t log(w_t + 1e-10)·M / (n_i + 1e-8))` (verl `compute_policy_loss_geo_mean`'s
 * `rollout_is_weights`, aggregated to the sequence "for consistency" with the geometric ratio);
 * the metrics are unweighted.
 *
 * @example
 * gmpoLoss({ logProbs, oldLogProbs, advantages, mask }); // worked example E5: ρ = [0.967216, 2.013753], loss 1.530145
 * @remarks arXiv:2507.20673
 */
export function gmpoLoss(inputs: TokenPolicyInputs, config: GmpoLossConfig = {}): PolicyLossOutput<"clipFraction" | "clipFractionLower" | "approxKl"> {
  const cfg = parseConfig(gmpoLossConfig, config, "gmpoLoss");
  checkPolicyInputs(inputs, "gmpoLoss");
  return finishPolicyLoss("gmpoLoss", inputs, () => {
    const { lp, old, adv, mask, isRatio } = preparePolicyInputs(inputs);
    const delta = tf.sub(lp, old);
    const clipped = clampTensor(delta, -cfg.clipLow, cfg.clipHigh);
    const pos = tf.greater(adv, 0);
    const neg = tf.less(adv, 0);
    const zeros = tf.zeros(lp.shape);
    const dTilde = tf.where(pos, tf.minimum(delta, clipped), tf.where(neg, tf.maximum(delta, clipped), zeros));
    const n = tf.add(tf.sum(mask, 1), 1e-8);
    const rho = tf.exp(tf.div(tf.sum(tf.mul(dTilde, mask), 1), n));
    const aBar = tf.div(tf.sum(tf.mul(adv, mask), 1), n);
    let perRow = tf.neg(tf.mul(aBar, rho));
    if (isRatio !== undefined) {
      const w = tf.mul(isRatio, tf.ones(lp.shape));
      perRow = tf.mul(perRow, tf.exp(tf.div(tf.sum(tf.mul(tf.log(tf.add(w, 1e-10)), mask), 1), n)));
    }
    const perToken = tf.mul(tf.expandDims(tf.div(perRow, tf.maximum(tf.sum(mask, 1), 1)), 1), mask) as tf.Tensor2D;
    const wasClipped = tf.notEqual(delta, clipped);
    return {
      loss: tf.mean(perRow) as tf.Scalar,
      perToken,
      metrics: {
        clipFraction: maskedMeanOf(tf.cast(tf.logicalAnd(wasClipped, pos), "float32"), mask),
        clipFractionLower: maskedMeanOf(tf.cast(tf.logicalAnd(wasClipped, neg), "float32"), mask),
        approxKl: maskedMeanOf(tf.neg(delta), mask),
      },
    };
  });
}

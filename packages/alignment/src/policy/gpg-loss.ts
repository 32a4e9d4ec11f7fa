import { aggregateLoss, lossAggregationModes, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import { importanceWeighted } from "./surrogates.js";
import { checkPolicyInputs, finishPolicyLoss, preparePolicyInputs, type PolicyLossOutput, type TokenPolicyInputs } from "./policy-inputs.js";

/** Config of {@link gpgLoss}. */
export const gpgLossConfig = z.object({
  /** Aggregation. Default `"token-mean"` (verl). */
  aggregation: z.enum(lossAggregationModes).default("token-mean"),
  /** Replaces the aggregation's denominator. */
  normalizer: z.number().positive().optional(),
});
export type GpgLossConfig = z.input<typeof gpgLossConfig>;

/**
 * GPG — group policy gradient (arXiv:2504.02546): the plain REINFORCE surrogate with no ratio and no
 * clip (verl `compute_policy_loss_gpg`).
 *
 *   L = −A·lp,   loss = aggregate(L, M),   ∇ = −A·∇lp
 *
 * `oldLogProbs` is ignored. No metrics.
 *
 * @example
 * gpgLoss({ logProbs, advantages, mask }); // worked example E5: 0.56
 * @remarks arXiv:2504.02546
 */
export function gpgLoss(inputs: TokenPolicyInputs, config: GpgLossConfig = {}): PolicyLossOutput<never> {
  const cfg = parseConfig(gpgLossConfig, config, "gpgLoss");
  checkPolicyInputs(inputs, "gpgLoss");
  return finishPolicyLoss("gpgLoss", inputs, () => {
    const { lp, adv, mask, isRatio } = preparePolicyInputs(inputs);
    const perToken = tf.mul(importanceWeighted(tf.neg(tf.mul(adv, lp)), isRatio), mask) as tf.Tensor2D;
    const loss = aggregateLoss(perToken, mask, { mode: cfg.aggregation, ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}) });
    return { loss, perToken, metrics: {} as Record<never, tf.Scalar> };
  });
}

import { parseConfig, tf } from "@rl/core";
import { z } from "zod";
import { mean, onlinePairFields, onlinePairLoss, type TwoCompletionLogProbs } from "./online-pairs.js";
import type { PreferenceLossOutput, PreferenceMetricName } from "./preference-metrics.js";

/** Config of {@link xpoLoss} (TRL `XPOConfig` defaults). */
export const xpoConfig = z.object({
  ...onlinePairFields,
  /** α, the weight of the exploration term (TRL `alpha`, default 1e-5). */
  alpha: z.number().nonnegative().finite().default(1e-5),
});
/** The input form of `xpoConfig` (every field optional; defaults filled by parsing). */
export type XpoConfig = z.input<typeof xpoConfig>;

/** XPO metric names (TRL's `XPOTrainer` stats); the `objective/*scores*` only with scores. */
export type XpoMetricName =
  | PreferenceMetricName
  | "loss/dpo"
  | "loss/xpo"
  | "objective/kl"
  | "objective/entropy"
  | "objective/model_scores"
  | "objective/ref_scores"
  | "objective/scores_margin";

/** What {@link xpoLoss} returns. */
export interface XpoOutput extends PreferenceLossOutput<XpoMetricName> {
  /** Per prompt, 1 when the policy's completion (the first) was the chosen one. */
  firstChosen: number[];
}

/**
 * XPO, Exploratory Preference Optimization (Xie et al. 2024, arXiv:2405.21046; TRL
 * `XPOTrainer._compute_losses`, `trl/experimental/xpo/xpo_trainer.py` at
 * f2cd57710ae345ea6428ae95363267fcf38a3dc8): online DPO between a completion `y ~ π` (the
 * **first**) and a completion `ỹ ~ π_ref` (the **second**), plus an exploration bonus that lowers
 * the policy's likelihood of the reference's samples:
 *
 *   first chosen ⇔ s(y) ≥ s(ỹ)  (or the judge's verdict; EOS penalty as `onlineDpoLoss`)
 *   L_dpo = −logσ(βΔ)  or  (Δ − 1/(2β))²,   Δ = (π_c − ρ_c) − (π_r − ρ_r)   (token sums)
 *   L = L_dpo + α·π(ỹ)         loss = mean L
 *
 * Metrics (TRL names): `loss/dpo`, `loss/xpo` (mean α·π(ỹ)), `rewards/*` as `dpoLoss`,
 * `objective/kl` = mean of `(π(y) − ρ(y) + π(ỹ) − ρ(ỹ))/2`, `objective/entropy` = −mean of
 * `(π(y) + π(ỹ))/2`, and with scores `objective/model_scores`, `objective/ref_scores`,
 * `objective/scores_margin` (mean `s(y) − s(ỹ)`). `logps/chosen|rejected` are the mean policy
 * log-probs (TRL adds the reference's mean to them; not followed).
 * Defaults (TRL `XPOConfig`): α 1e-5, β 0.1, `sigmoid`. α = 0 is online DPO on (y, ỹ).
 *
 * @example
 * const out = xpoLoss({
 *   policyFirst: tf.tensor1d([-10, -20]), policySecond: tf.tensor1d([-12, -18]),
 *   refFirst: tf.tensor1d([-11, -18.5]), refSecond: tf.tensor1d([-11.5, -18.25]),
 *   firstPreferred: [1, 0],
 * }, { beta: 0.5, alpha: 0.01 });
 * out.loss.dataSync();      // [0.217658]
 * @remarks arXiv:2405.21046; TRL `XPOTrainer` @ f2cd5771
 */
export function xpoLoss(inputs: TwoCompletionLogProbs, config: XpoConfig = {}): XpoOutput {
  const fn = "xpoLoss";
  const cfg = parseConfig(xpoConfig, config, fn);
  const { pairing, dpoMean, extraMean, metrics: shared, loss, losses, chosenRewards, rejectedRewards } = onlinePairLoss(inputs, cfg, fn, () =>
    tf.mul(inputs.policySecond, cfg.alpha),
  );
  const metrics: Record<string, number> = { ...shared, "loss/dpo": dpoMean, "loss/xpo": extraMean };
  if (pairing.scores) {
    const { first, second } = pairing.scores;
    metrics["objective/model_scores"] = mean(first);
    metrics["objective/ref_scores"] = mean(second);
    metrics["objective/scores_margin"] = mean(first.map((s, k) => s - (second[k] as number)));
  }
  return { loss, losses, chosenRewards, rejectedRewards, metrics: metrics as Record<XpoMetricName, number>, firstChosen: pairing.firstChosen };
}

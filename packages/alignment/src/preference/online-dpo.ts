import { parseConfig } from "@rl/core";
import { z } from "zod";
import { mean, onlinePairFields, onlinePairLoss, type TwoCompletionLogProbs } from "./online-pairs.js";
import type { PreferenceLossOutput, PreferenceMetricName } from "./preference-metrics.js";

/** Config of {@link onlineDpoLoss} (TRL `OnlineDPOConfig` defaults). */
export const onlineDpoConfig = z.object(onlinePairFields);
/** The input form of `onlineDpoConfig` (every field optional; defaults filled by parsing). */
export type OnlineDpoConfig = z.input<typeof onlineDpoConfig>;

/** Online DPO metric names (TRL's `OnlineDPOTrainer` stats); `objective/scores*` and `objective/rlhf_reward` only with scores. */
export type OnlineDpoMetricName =
  | PreferenceMetricName
  | "objective/kl"
  | "objective/entropy"
  | "objective/non_score_reward"
  | "objective/scores"
  | "objective/scores_margin"
  | "objective/rlhf_reward";

/** What {@link onlineDpoLoss} returns: the pairwise output, metrics by TRL's names, and which completion was chosen. */
export interface OnlineDpoOutput extends PreferenceLossOutput<OnlineDpoMetricName> {
  /** Per prompt, 1 when the first completion was the chosen one. */
  firstChosen: number[];
}

/**
 * Online DPO (Guo et al. 2024, "Direct Language Model Alignment from Online AI Feedback",
 * arXiv:2402.04792; TRL `OnlineDPOTrainer.training_step`,
 * `trl/experimental/online_dpo/online_dpo_trainer.py` at f2cd57710ae345ea6428ae95363267fcf38a3dc8):
 * two completions y₁, y₂ are sampled from the policy for each prompt, a reward model or a judge
 * picks one, and the DPO loss is taken on the pair it makes:
 *
 *   s_k ← s_k − penalty  if y_k has no EOS       (`missingEosPenalty`, scores only)
 *   first chosen ⇔ s₁ ≥ s₂  (or the judge's verdict)
 *   Δ = (π_c − ρ_c) − (π_r − ρ_r)                 (token sums; ρ stop-gradient)
 *   sigmoid: L = −logσ(βΔ)     ipo: L = (Δ − 1/(2β))²   (sums, not per-token means)
 *   loss = mean L
 *
 * Metrics (TRL): `rewards/*`, `logps/*` as `dpoLoss`; `objective/kl` = mean over the 2B
 * completions of `π − ρ`, `objective/entropy` = −mean π, `objective/non_score_reward` = −β·kl;
 * with scores also `objective/scores` (mean of the 2B scores), `objective/scores_margin`
 * (mean `s_c − s_r`) and `objective/rlhf_reward` (= scores + non_score_reward).
 * Defaults (TRL `OnlineDPOConfig`): β 0.1, `sigmoid`, no EOS penalty. TRL's per-epoch β lists
 * are the caller's schedule (pass this epoch's β).
 * Edge cases: ties go to the first completion (TRL's `>=`). Errors: both or neither of scores and
 * verdict → `INVALID_INPUT`; lengths differ → `SHAPE_MISMATCH`; NaN/Inf → `NON_FINITE`.
 *
 * @example
 * const out = onlineDpoLoss({
 *   policyFirst: tf.tensor1d([-10, -20]), policySecond: tf.tensor1d([-12, -18]),
 *   refFirst: tf.tensor1d([-11, -18.5]), refSecond: tf.tensor1d([-11.5, -18.25]),
 *   scoresFirst: [1, 0.2], scoresSecond: [0.5, 0.7],
 * }, { beta: 0.5 });
 * out.firstChosen;          // [1, 0]
 * out.loss.dataSync();      // [0.367658]
 * @remarks arXiv:2402.04792; TRL `OnlineDPOTrainer` @ f2cd5771
 */
export function onlineDpoLoss(inputs: TwoCompletionLogProbs, config: OnlineDpoConfig = {}): OnlineDpoOutput {
  const fn = "onlineDpoLoss";
  const cfg = parseConfig(onlineDpoConfig, config, fn);
  const { pairing, metrics: shared, loss, losses, chosenRewards, rejectedRewards } = onlinePairLoss(inputs, cfg, fn);
  const kl = shared["objective/kl"];
  const metrics: Record<string, number> = { ...shared, "objective/non_score_reward": -cfg.beta * kl };
  if (pairing.scores) {
    const { first, second } = pairing.scores;
    const chosen = pairing.firstChosen.map((f, k) => (f ? first[k] : second[k]) as number);
    const rejected = pairing.firstChosen.map((f, k) => (f ? second[k] : first[k]) as number);
    metrics["objective/scores"] = mean([...first, ...second]);
    metrics["objective/scores_margin"] = mean(chosen.map((c, k) => c - (rejected[k] as number)));
    metrics["objective/rlhf_reward"] = (metrics["objective/scores"] as number) - cfg.beta * kl;
  }
  return { loss, losses, chosenRewards, rejectedRewards, metrics: metrics as Record<OnlineDpoMetricName, number>, firstChosen: pairing.firstChosen };
}

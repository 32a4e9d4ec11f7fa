/**
 * `@rl/alignment`: Alignment losses for RLHF: DPO and variants, SimPO, ORPO, KTO, PPO /
 * GRPO / GSPO policy losses, value loss and a training step.
 * @module @rl/alignment
 */
export * from "./preference/index.js";
export * from "./policy/index.js";
export * from "./training/index.js";
export * from "./distillation/index.js";

import { pairwiseMetrics as trlPairwiseMetrics } from "./preference/index.js";
/**
 * TRL's pairwise preference metrics of a DPO-family step (`rewards/chosen`, `rewards/rejected`,
 * `rewards/accuracies`, `rewards/margins`, `logps/chosen`, `logps/rejected`): means over the
 * batch, accuracy strict (ties count as wrong). The name `pairwiseMetrics` also exists in
 * `@rl/rewards` (reward-model metrics), so this one is `preferenceMetrics`.
 *
 * @example
 * preferenceMetrics(tf.tensor1d([0.5, -0.75]), tf.tensor1d([-0.25, 0.125]), tf.tensor1d([-10, -20]), tf.tensor1d([-12, -18]))["rewards/accuracies"]; // 0.5
 * @remarks Mirrors TRL `DPOTrainer` metric logging (trl/trainer/dpo_trainer.py, `get_batch_loss_metrics`).
 */
export const preferenceMetrics = trlPairwiseMetrics;
/** @deprecated use `preferenceMetrics` (`pairwiseMetrics` clashes with `@rl/rewards`' reward-model metrics) */
export const pairwiseMetrics = trlPairwiseMetrics;

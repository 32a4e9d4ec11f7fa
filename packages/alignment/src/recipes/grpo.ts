import { batchTensors, maskTruncatedCompletions, rolloutGroupsToBatch, rolloutTrainingBatch, tf, type MatrixLike, type OutcomeBatch, type RolloutGroup } from "@rl/core";
import { grpoLoss, type GrpoLossConfig } from "../policy/grpo-loss.js";
import type { ParameterOptimizer } from "../training/adamw.js";
import type { PolicyModel } from "../training/model-log-probs.js";
import { trainStep, type TrainStepConfig } from "../training/train-step.js";
import type { RecipeMetrics } from "./dpo.js";

/** Options of the {@link grpo} recipe. */
export interface GrpoRecipeOptions<S extends { step: number }> {
  readonly policy: PolicyModel;
  readonly optimizer: ParameterOptimizer<S>;
  readonly state: S;
  /** Rollouts of step `k` (1-based): groups with `promptTokenIds` and a reward per response (`null` = no signal). From a server (`toRolloutGroup`) or from `generate`. */
  readonly rollouts: (step: number) => Promise<readonly RolloutGroup[]> | readonly RolloutGroup[];
  /** Optimizer steps. */
  readonly steps: number;
  /** Any credit estimator: `(batch) => grpoAdvantages(batch).advantages` (`@rl/credit`), RLOO, TEMPO, … */
  readonly advantages: (batch: OutcomeBatch) => MatrixLike;
  /** `grpoLoss` config (TRL `GRPOConfig`: `lossType`, `clipLow` = `epsilon`, `clipHigh` = `epsilon_high`, `klCoef` = `beta`, …). */
  readonly loss?: GrpoLossConfig;
  readonly train?: TrainStepConfig;
  /** TRL `mask_truncated_completions`: rows whose `finishReason` is `"length"` leave the loss. Default false. */
  readonly maskTruncated?: boolean;
  readonly onStep?: (metrics: RecipeMetrics, state: S) => void | Promise<void>;
}

/**
 * GRPO as a short loop over public functions, with any credit estimator: per step, rollouts →
 * `rolloutGroupsToBatch` (null rewards keep their row) → `advantages(batch)` →
 * (`maskTruncatedCompletions`) → `rolloutTrainingBatch` (prompt + completion `[B, P+L]`) →
 * `trainStep` on `grpoLoss` (on-policy, one iteration: TRL's `num_iterations = 1`, so the ratio is
 * 1 and `oldLogProbs` is the policy's own) → TRL-named metrics (`reward`, `reward_std`,
 * `completions/mean_length`, `completions/clipped_ratio`, `loss`, `grad_norm`, …) → `onStep`.
 * @example
 * const opt = adamW(vars, { learningRate: 1e-6 });
 * await grpo({ policy: model, optimizer: opt, state: opt.init(), steps: 50, rollouts: sampleGroups, advantages: (b) => grpoAdvantages(b).advantages });
 * @remarks arXiv:2402.03300 (TRL GRPOTrainer)
 */
export async function grpo<S extends { step: number }>(options: GrpoRecipeOptions<S>): Promise<{ state: S; history: RecipeMetrics[] }> {
  const { policy, optimizer, steps, loss = {}, train = {}, onStep } = options;
  let state = options.state;
  const history: RecipeMetrics[] = [];
  for (let k = 1; k <= steps; k++) {
    const batch = rolloutGroupsToBatch(await options.rollouts(k));
    const advantages = options.advantages(batch);
    const mask = options.maskTruncated === true ? maskTruncatedCompletions(batch).mask : batch.mask;
    const t = batchTensors(rolloutTrainingBatch({ batch: { ...batch, mask }, advantages }));
    try {
      const out = trainStep(policy, { tokenIds: t.tokenIds, lossMask: t.lossMask, advantages: t.advantages }, (lp, b, ctx) => {
        const o = grpoLoss({ logProbs: lp, advantages: b.advantages, mask: ctx.mask }, loss);
        return { loss: o.loss, metrics: o.metrics as Record<string, number> };
      }, optimizer, state, train);
      state = out.state;
      const m = out.metrics;
      const metrics: RecipeMetrics = { step: m.step, loss: m.loss, grad_norm: m.gradNorm, learning_rate: m.learningRate, ...rolloutMetrics(batch), ...m.lossMetrics };
      history.push(metrics);
      await onStep?.(metrics, state);
    } finally {
      tf.dispose(Object.values(t));
    }
  }
  return { state, history };
}

/** TRL's rollout metrics: mean and std of the scored rewards, completion lengths, share cut by the budget. */
function rolloutMetrics(batch: OutcomeBatch): Record<string, number> {
  const scored = batch.outcomes.filter((r): r is number => r !== null);
  const mean = scored.length === 0 ? 0 : scored.reduce((a, b) => a + b, 0) / scored.length;
  const std = scored.length < 2 ? 0 : Math.sqrt(scored.reduce((a, r) => a + (r - mean) ** 2, 0) / (scored.length - 1));
  const lengths = batch.mask.toArray().map((row) => row.reduce((a, b) => a + b, 0));
  const clipped = batch.finishReasons.filter((r) => r === "length").length;
  return {
    reward: mean,
    reward_std: std,
    "completions/mean_length": lengths.reduce((a, b) => a + b, 0) / lengths.length,
    "completions/clipped_ratio": clipped / batch.finishReasons.length,
  };
}

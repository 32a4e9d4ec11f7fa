import { batchTensors, tf, type Matrix } from "@rl/core";
import { dpoLoss, type DpoConfig } from "../preference/dpo.js";
import { pairedSequenceLogProbs } from "../preference/paired-log-probs.js";
import type { ParameterOptimizer } from "../training/adamw.js";
import { modelTokenLogProbs, predictionMask, type PolicyModel } from "../training/model-log-probs.js";
import { precomputeRefLogProbs } from "../training/precompute-ref-log-probs.js";
import { trainStep, type TrainStepConfig } from "../training/train-step.js";

/** A stacked `[2N, T]` preference batch (`preferenceBatch` of `@rl/core/data`): N chosen rows, then N rejected rows. */
export interface StackedPreferenceBatch {
  readonly tokenIds: Matrix;
  readonly lossMask: Matrix;
}

/** One step's metrics, by TRL's names (`loss`, `grad_norm`, `learning_rate`, `rewards/accuracies`, …). */
export type RecipeMetrics = { step: number } & Record<string, number>;

/** Options of the {@link dpo} recipe. */
export interface DpoRecipeOptions<S extends { step: number }> {
  /** The policy being trained (its variables are the optimizer's). */
  readonly policy: PolicyModel;
  /** The frozen reference (a copy of the starting policy). */
  readonly reference: PolicyModel;
  readonly optimizer: ParameterOptimizer<S>;
  /** `optimizer.init()`, or a state restored from a checkpoint. */
  readonly state: S;
  /** One optimizer step per batch. */
  readonly batches: Iterable<StackedPreferenceBatch>;
  /** `dpoLoss` config (TRL `DPOConfig`: `beta`, `lossType`, `labelSmoothing`, …). */
  readonly loss?: DpoConfig;
  /** `trainStep` config (`maxGradNorm`, `schedule`, …). */
  readonly train?: TrainStepConfig;
  /** Called after every step (log, evaluate, checkpoint). */
  readonly onStep?: (metrics: RecipeMetrics, state: S) => void | Promise<void>;
}

/**
 * DPO as a short loop over public functions (a recipe to copy and change, not a trainer): per
 * batch, `batchTensors` → reference log-probs once (`precomputeRefLogProbs`) → `trainStep` on
 * `pairedSequenceLogProbs` + `dpoLoss` → metrics with TRL's names → `onStep`. Returns the final
 * optimizer state and every step's metrics. Leak-free.
 * @example
 * const opt = adamW(vars, { learningRate: 1e-3, weightDecay: 0 }); // vars: the policy's tf.Variables
 * const { state, history } = await dpo({ policy: model, reference: refModel, optimizer: opt, state: opt.init(), batches: [batch], loss: { beta: 0.1 } });
 * @remarks arXiv:2305.18290 (TRL DPOTrainer)
 */
export async function dpo<S extends { step: number }>(options: DpoRecipeOptions<S>): Promise<{ state: S; history: RecipeMetrics[] }> {
  const { policy, reference, optimizer, batches, loss = {}, train = {}, onStep } = options;
  let state = options.state;
  const history: RecipeMetrics[] = [];
  for (const batch of batches) {
    const t = batchTensors(batch);
    const refLogProbs = precomputeRefLogProbs(reference, t);
    try {
      const out = trainStep(policy, { tokenIds: t.tokenIds, lossMask: t.lossMask, refLogProbs }, (lp, b, { mask }) => dpoObjective(lp, b.refLogProbs, mask, loss), optimizer, state, train);
      state = out.state;
      const m = out.metrics;
      const metrics: RecipeMetrics = { step: m.step, loss: m.loss, grad_norm: m.gradNorm, learning_rate: m.learningRate, ...m.lossMetrics };
      history.push(metrics);
      await onStep?.(metrics, state);
    } finally {
      tf.dispose([refLogProbs, ...Object.values(t)]);
    }
  }
  return { state, history };
}

function dpoObjective(lp: tf.Tensor2D, refLp: tf.Tensor2D, mask: tf.Tensor2D, config: DpoConfig) {
  const pol = pairedSequenceLogProbs(lp, mask);
  const ref = pairedSequenceLogProbs(refLp, mask);
  const out = dpoLoss({ policyChosen: pol.chosen, policyRejected: pol.rejected, refChosen: ref.chosen, refRejected: ref.rejected, chosenLengths: pol.chosenLengths, rejectedLengths: pol.rejectedLengths }, config);
  return { loss: out.loss, metrics: out.metrics as Record<string, number> };
}

/**
 * DPO metrics of a held-out batch, no update: `eval_loss`-style `loss` and TRL's
 * `rewards/accuracies` (the share of pairs whose implicit reward ranks chosen above rejected),
 * `rewards/margins`, `rewards/chosen`, `rewards/rejected`, `logps/*`.
 * @example
 * dpoEvaluate({ policy: model, reference: refModel, batch }).metrics["rewards/accuracies"]; // a share in [0, 1]
 * @remarks arXiv:2305.18290
 */
export function dpoEvaluate(options: { policy: PolicyModel; reference: PolicyModel; batch: StackedPreferenceBatch; loss?: DpoConfig }): { loss: number; metrics: Record<string, number> } {
  const t = batchTensors(options.batch);
  try {
    const { loss, metrics } = tf.tidy(() => {
      const mask = predictionMask(t.lossMask);
      const lp = modelTokenLogProbs(options.policy, t.tokenIds).logProbs;
      const refLp = modelTokenLogProbs(options.reference, t.tokenIds).logProbs;
      const out = dpoObjective(lp, refLp, mask, options.loss ?? {});
      return { loss: out.loss, metrics: out.metrics };
    });
    const value = loss.dataSync()[0] as number;
    loss.dispose();
    return { loss: value, metrics };
  } finally {
    tf.dispose(Object.values(t));
  }
}

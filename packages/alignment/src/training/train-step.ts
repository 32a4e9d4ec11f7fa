import { RLError, assertInteger, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import type { ParameterOptimizer } from "./adamw.js";
import type { PolicyModel } from "./model-log-probs.js";
import { applyStepGradients, checkTrainBatches, computeStepGradients } from "./step-parts.js";

/** A training batch: token ids and a loss mask, both `[B, T]` and aligned; extend it with what the loss needs. */
export interface TrainBatch {
  /** Token ids `[B, T]` (int32): prompt followed by completion, padded. */
  tokenIds: tf.Tensor2D;
  /** 0/1 `[B, T]`, 1 on the completion tokens to train on. Position 0 is ignored (nothing predicts it). */
  lossMask: tf.Tensor2D;
}

/** What a training loss receives besides the log-probs and the batch. */
export interface TrainLossContext {
  /** `lossMask` with position 0 cleared (float32 `[B, T]`): pass it as the loss's mask. */
  mask: tf.Tensor2D;
  /** The model's logits `[B, T, V]` (for an entropy bonus); logits at `t` score token `t + 1`. */
  logits: tf.Tensor3D;
}

/**
 * A training loss: per-token log-probs `[B, T]` (aligned with `tokenIds`, see `modelTokenLogProbs`)
 * and the batch → a scalar loss and plain-number metrics. Every policy loss of this package fits
 * after mapping its inputs: `(lp, b, { mask }) => ppoPolicyLoss({ logProbs: lp, advantages: b.advantages, mask })`.
 * Tensors it creates besides `loss` are freed by the training step's scope.
 */
export type TrainLoss<B extends TrainBatch> = (
  logProbs: tf.Tensor2D,
  batch: B,
  context: TrainLossContext,
) => { loss: tf.Scalar; metrics?: Record<string, number> };

/** Config of {@link trainStep}. */
export const trainStepConfig = z.object({
  /** Clip gradients to this global norm; `null` = no clipping (the norm is still reported). Default 1.0 (TRL `max_grad_norm`). */
  maxGradNorm: z.number().positive().nullable().default(1),
  /** Learning rate as a function of the optimizer step (e.g. `warmupCosineSchedule`); default the optimizer's own. */
  schedule: z.custom<(step: number) => number>((v) => typeof v === "function").optional(),
  /**
   * How micro-batch gradients combine: `"mean"` (each micro-batch loss is a mean; the step averages
   * them, as HF divides by the accumulation steps) or `"sum"` (losses already normalised by a global
   * count, e.g. TRL `dapo` with `numItemsInBatch`). Default `"mean"`.
   */
  accumulation: z.enum(["mean", "sum"]).default("mean"),
  /** Temperature the logits are divided by. Default 1. */
  temperature: z.number().positive().default(1),
});
export type TrainStepConfig = z.input<typeof trainStepConfig>;

/** Metrics of one {@link trainStep}, plain numbers. */
export interface TrainStepMetrics {
  /** The loss (mean over micro-batches, or sum with `accumulation: "sum"`). */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Learning rate used. */
  learningRate: number;
  /** Optimizer step after this update. */
  step: number;
  /** The loss's own metrics, averaged over micro-batches. */
  lossMetrics: Record<string, number>;
}

/**
 * One optimisation step of a causal policy: for each micro-batch, forward → per-token log-probs
 * (core's `gatherLogProbs`, shifted so logits at `t` score token `t + 1`) → loss → gradients
 * (`tf.variableGrads`); gradients accumulated over the micro-batches (`batch` may be a list), then
 * clipped by global norm (core's `clipByGlobalNorm` transform), then one optimizer update (e.g. {@link adamW})
 * at the scheduled learning rate. The variables trained are the optimizer's parameters
 * (`adamW(trainableVariables(model))` for a LayersModel, your own `tf.Variable`s for a function model).
 *
 *   g = Σ_k ∇L_k (× 1/K for `accumulation: "mean"`),   g ← g·min(1, c/‖g‖),   θ ← opt(θ, g, lr(step))
 *
 * Leak-free: every tensor made during the step is freed; the parameters and the optimizer's moments
 * are updated in place. A non-finite gradient norm throws `RLError("NON_FINITE")` before any update.
 * Variables the loss does not reach get no update (and no weight decay).
 *
 * @example
 * const opt = adamW(vars, { learningRate: 1e-2 });
 * let state = opt.init();
 * const out = trainStep(model, batch, (lp, b, { mask }) => ppoPolicyLoss({ logProbs: lp, advantages: b.advantages, mask }), opt, state);
 * state = out.state; // out.metrics: { loss, gradNorm, learningRate, step, lossMetrics }
 */
export function trainStep<B extends TrainBatch, S extends { step: number }>(
  model: PolicyModel,
  batch: B | readonly B[],
  loss: TrainLoss<B>,
  optimizer: ParameterOptimizer<S>,
  state: S,
  config: TrainStepConfig = {},
): { state: S; metrics: TrainStepMetrics } {
  const cfg = parseConfig(trainStepConfig, config, "trainStep");
  const batches: readonly B[] = Array.isArray(batch) ? (batch as readonly B[]) : [batch as B];
  if (typeof loss !== "function") throw new RLError("INVALID_INPUT", "trainStep: loss must be a function (logProbs, batch, context) => { loss }");
  if (typeof optimizer !== "object" || optimizer === null || !Array.isArray(optimizer.params) || typeof optimizer.update !== "function") {
    throw new RLError("INVALID_INPUT", "trainStep: optimizer must be a ParameterOptimizer (e.g. adamW(vars))");
  }
  if (typeof state !== "object" || state === null) throw new RLError("INVALID_INPUT", "trainStep: state must be the optimizer's state object");
  assertInteger(state.step, "trainStep", "state.step");
  checkTrainBatches(batches, "trainStep");
  const K = batches.length;
  const scale = cfg.accumulation === "mean" ? 1 / K : 1;
  const parts = computeStepGradients(model, batches, loss, optimizer.params, { temperature: cfg.temperature, scale, where: "trainStep" });
  try {
    const next = applyStepGradients(parts.grads, optimizer, state, { maxGradNorm: cfg.maxGradNorm, schedule: cfg.schedule, where: "trainStep" });
    const lossMetrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(parts.metricSums)) lossMetrics[k] = v / K;
    return {
      state: next.state,
      metrics: { loss: parts.loss, gradNorm: next.gradNorm, learningRate: next.learningRate, step: next.state.step, lossMetrics },
    };
  } finally {
    for (const g of parts.grads) g?.dispose();
  }
}

import { z } from "zod";
import { parseConfig } from "../config.js";
import { chain, type GradientTransformation } from "./transform.js";
import {
  addDecayedWeights,
  clipByGlobalNorm,
  scaleByAdam,
  scaleByAdamConfig,
  scaleByLearningRate,
  type CountState,
  type EmptyState,
  type LearningRate,
  type ScaleByAdamState,
} from "./transforms.js";

/** Config of {@link adamWTransform} (PyTorch `torch.optim.AdamW` defaults, no clipping). */
export const adamWTransformConfig = scaleByAdamConfig.extend({
  /** Learning rate: a constant (default 1e-3) or a schedule `step → rate` of the 0-based step, such as `warmupCosineSchedule`. */
  learningRate: z.union([z.number().positive(), z.custom<(step: number) => number>((v) => typeof v === "function")]).default(1e-3),
  /** Decoupled weight decay λ. Default 0.01 (PyTorch `AdamW`); 0 gives Adam. */
  weightDecay: z.number().min(0).default(0.01),
  /** Clip the gradients to this global L2 norm first; `null` = no clipping. Default `null`. */
  maxGradNorm: z.number().positive().nullable().default(null),
});
export type AdamWTransformConfig = z.input<typeof adamWTransformConfig>;

/** State of {@link adamWTransform}: the states of its parts, in chain order (clip first when `maxGradNorm` is set). */
export type AdamWTransformState = [EmptyState, ScaleByAdamState, EmptyState, CountState] | [ScaleByAdamState, EmptyState, CountState];

/**
 * AdamW as one chain (`optax.adamw`; Loshchilov & Hutter, arXiv:1711.05101; Adam, Kingma & Ba,
 * arXiv:1412.6980):
 *
 *   chain(clipByGlobalNorm(maxGradNorm)?, scaleByAdam(β₁, β₂, ε), addDecayedWeights(λ), scaleByLearningRate(lr))
 *
 * so that, with {@link applyUpdates}, each parameter with a gradient `g` takes PyTorch's
 * `AdamW` step at step `t` (1-based): `p ← p − lr·(m̂/(√v̂ + ε) + λp)`. Defaults: lr 1e-3,
 * β = (0.9, 0.999), ε = 1e-8, λ = 0.01, no clipping. `weightDecay: 0` is Adam. The recipe the
 * library's optimizers use (`adamW` in @rl/alignment, `RewardModel.fit` in @rl/rewards).
 *
 * @example
 * const p = [tf.variable(tf.tensor1d([1, -2]))];
 * const opt = adamWTransform({ learningRate: 0.1, weightDecay: 0.5 });
 * const r = opt.update([tf.tensor1d([0.3, -0.1])], opt.init(p), p);
 * applyUpdates(p, r.updates);
 * Array.from(p[0].dataSync()); // [0.85, -1.8]  (1·0.95 − 0.1, −2·0.95 + 0.1)
 * @remarks arXiv:1711.05101; optax `adamw`
 */
export function adamWTransform(config: AdamWTransformConfig = {}): GradientTransformation<AdamWTransformState> {
  const { learningRate, weightDecay, maxGradNorm, ...adam } = parseConfig(adamWTransformConfig, config, "adamWTransform");
  const parts = [
    ...(maxGradNorm === null ? [] : [clipByGlobalNorm({ maxNorm: maxGradNorm })]),
    scaleByAdam(adam),
    addDecayedWeights({ weightDecay }),
    scaleByLearningRate({ learningRate: learningRate as LearningRate }),
  ] as GradientTransformation<unknown>[];
  return chain(...parts) as unknown as GradientTransformation<AdamWTransformState>;
}

// The two halves of `trainStep`, shared with the data-parallel step (`../parallel`): gradients of
// a loss over micro-batches, then clip + one optimizer update. Internal: not re-exported.
import { RLError, assertTensor, assertTensorMask, clipByGlobalNorm, tf } from "@rl/core";
import type { ParameterOptimizer } from "./adamw.js";
import { modelTokenLogProbs, predictionMask, type PolicyModel } from "./model-log-probs.js";
import type { TrainBatch, TrainLoss } from "./train-step.js";

/** Gradients of one step before clipping: one per parameter (`null` when the loss does not reach it). */
export interface StepGradients {
  /** Σ_k ∇L_k × scale, one per parameter in `params` order; the caller owns (and disposes) them. */
  grads: (tf.Tensor | null)[];
  /** Σ_k L_k × scale. */
  loss: number;
  /** The loss's metrics summed over micro-batches (divide by the micro-batch count for a mean). */
  metricSums: Record<string, number>;
  /** Micro-batches seen. */
  microBatches: number;
}

/** Throws unless every micro-batch has `tokenIds` and `lossMask` of one `[B, T]`. */
export function checkTrainBatches<B extends TrainBatch>(batches: readonly B[], where: string): void {
  if (!Array.isArray(batches) || batches.length === 0) throw new RLError("INVALID_INPUT", `${where}: no micro-batches`);
  batches.forEach((b, k) => {
    if (typeof b !== "object" || b === null) throw new RLError("INVALID_INPUT", `${where}: batch ${k} must be { tokenIds, lossMask }`);
    assertTensor(b.tokenIds, where, `batch[${k}].tokenIds`, { dtypes: ["int32", "float32"] });
    assertTensor(b.lossMask, where, `batch[${k}].lossMask`, { dtypes: ["float32", "int32"] });
    assertTensorMask(b.lossMask, where, `batch[${k}].lossMask`);
  });
  for (const b of batches) {
    if (b.tokenIds.rank !== 2 || b.lossMask.rank !== 2 || b.tokenIds.shape[0] !== b.lossMask.shape[0] || b.tokenIds.shape[1] !== b.lossMask.shape[1]) {
      throw new RLError("SHAPE_MISMATCH", `${where}: tokenIds [${b.tokenIds.shape.join(",")}] and lossMask [${b.lossMask.shape.join(",")}] must be the same [B, T]`);
    }
  }
}

/**
 * Σ_k ∇L_k · scale over the micro-batches (forward → `modelTokenLogProbs` → loss → `tf.variableGrads`).
 * Leak-free: on success only the returned gradients remain; on error nothing does.
 */
export function computeStepGradients<B extends TrainBatch>(
  model: PolicyModel,
  batches: readonly B[],
  loss: TrainLoss<B>,
  params: readonly tf.Variable[],
  options: { temperature: number; scale: number; where: string },
): StepGradients {
  let acc: (tf.Tensor | null)[] = params.map(() => null);
  let lossSum = 0;
  const metricSums: Record<string, number> = {};
  try {
    for (const b of batches) {
      let metrics: Record<string, number> | undefined;
      let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
      try {
        result = tf.variableGrads(() => {
          const { logProbs, logits } = modelTokenLogProbs(model, b.tokenIds, { temperature: options.temperature });
          const mask = predictionMask(b.lossMask);
          const out = loss(logProbs, b, { mask, logits });
          metrics = out.metrics;
          return out.loss;
        }, [...params]);
      } catch (error) {
        releaseAbandonedTape();
        if (RLError.isInstance(error)) throw error;
        throw new RLError("INVALID_INPUT", `${options.where}: the loss does not depend on any of the variables, or the forward pass failed: ${String(error)}`, { cause: error });
      }
      const { value, grads } = result;
      lossSum += value.dataSync()[0] as number;
      value.dispose();
      for (const [k, v] of Object.entries(metrics ?? {})) metricSums[k] = (metricSums[k] ?? 0) + v;
      acc = params.map((p, i) => {
        const g = grads[p.name];
        const prev = acc[i] ?? null;
        if (g === undefined) return prev;
        if (prev === null) return g;
        const sum = tf.add(prev, g);
        prev.dispose();
        g.dispose();
        return sum;
      });
    }
    const scaled = acc.map((g) => (g === null ? null : options.scale === 1 ? g : tf.mul(g, options.scale)));
    if (options.scale !== 1) for (const g of acc) g?.dispose();
    acc = [];
    return { grads: scaled, loss: lossSum * options.scale, metricSums, microBatches: batches.length };
  } catch (error) {
    for (const g of acc) g?.dispose();
    throw error;
  }
}

/**
 * Clips `grads` to `maxGradNorm` (core's `clipByGlobalNorm` transform; `null` = no clipping, the
 * norm is still measured) and applies one optimizer update at `schedule(state.step)` (or the
 * optimizer's own rate). Does not dispose `grads`. Throws `RLError("INVALID_INPUT")` when every
 * gradient is `null`, and `RLError("NON_FINITE")` (from the clip) before any update when the norm is not finite.
 */
export function applyStepGradients<S extends { step: number }>(
  grads: readonly (tf.Tensor | null)[],
  optimizer: ParameterOptimizer<S>,
  state: S,
  options: { maxGradNorm: number | null; schedule?: ((step: number) => number) | undefined; where: string },
): { state: S; gradNorm: number; learningRate: number } {
  if (grads.every((g) => g === null)) throw new RLError("INVALID_INPUT", `${options.where}: the loss does not depend on any of the variables`);
  const clip = clipByGlobalNorm({ maxNorm: options.maxGradNorm ?? Number.MAX_VALUE });
  const { updates: finalGrads, info } = clip.update(grads, clip.init([]), optimizer.params);
  const learningRate = options.schedule !== undefined ? options.schedule(state.step) : undefined;
  try {
    const next = optimizer.update({ grads: finalGrads, ...(learningRate !== undefined ? { learningRate } : {}) }, state);
    return { state: next.state, gradNorm: info.gradNorm as number, learningRate: next.output.learningRate };
  } finally {
    finalGrads.forEach((g, i) => {
      if (g !== null && g !== grads[i]) g.dispose();
    });
  }
}

/**
 * tfjs keeps clones of the tensors each recorded op saves for its gradient and frees them only when
 * `gradients()` completes; when the function under the tape throws (a loss rejecting NaN input),
 * they stay allocated. This frees them. It reads the engine's state (tfjs-core 4.x field names) and
 * does nothing if those fields are absent or a gradient computation is still open.
 */
function releaseAbandonedTape(): void {
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: number; activeTape?: { saved?: tf.Tensor[] }[] | null } }).state;
  if (state === undefined || state.gradientDepth !== 0 || !Array.isArray(state.activeTape)) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
  state.activeTape = null;
}

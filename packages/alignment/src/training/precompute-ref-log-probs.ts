import { RLError, parseConfig, tf } from "@rl/core";
import { modelTokenLogProbs, modelTokenLogProbsConfig, type ModelTokenLogProbsConfig, type PolicyModel } from "./model-log-probs.js";

/** The part of a batch {@link precomputeRefLogProbs} reads. */
export interface TokenIdsBatch {
  /** Token ids `[B, T]` (int32), prompt and completion. */
  tokenIds: tf.Tensor2D;
}

/**
 * Reference (or behaviour-policy) log-probs computed once, without a gradient tape — TRL's
 * `precompute_ref_logps`: run the frozen reference model over the batch before training and keep
 * the result as a constant `[B, T]` aligned with `tokenIds` (position 0 is 0; see
 * {@link modelTokenLogProbs}). The caller owns the returned tensor(s). A list of micro-batches
 * gives a list.
 *
 * @example
 * const refLogProbs = precomputeRefLogProbs(refModel, batch); // tf.Tensor2D [B, T]
 * @remarks TRL DPOConfig.precompute_ref_log_probs
 */
export function precomputeRefLogProbs(model: PolicyModel, batch: TokenIdsBatch, config?: ModelTokenLogProbsConfig): tf.Tensor2D;
export function precomputeRefLogProbs(model: PolicyModel, batch: readonly TokenIdsBatch[], config?: ModelTokenLogProbsConfig): tf.Tensor2D[];
export function precomputeRefLogProbs(
  model: PolicyModel,
  batch: TokenIdsBatch | readonly TokenIdsBatch[],
  config: ModelTokenLogProbsConfig = {},
): tf.Tensor2D | tf.Tensor2D[] {
  const cfg = parseConfig(modelTokenLogProbsConfig, config, "precomputeRefLogProbs");
  const one = (b: TokenIdsBatch): tf.Tensor2D => {
    if (typeof b !== "object" || b === null) throw new RLError("INVALID_INPUT", "precomputeRefLogProbs: a batch must be { tokenIds }");
    return tf.tidy(() => modelTokenLogProbs(model, b.tokenIds, cfg).logProbs);
  };
  if (!Array.isArray(batch)) return one(batch as TokenIdsBatch);
  const out: tf.Tensor2D[] = [];
  try {
    for (const b of batch as readonly TokenIdsBatch[]) out.push(one(b));
  } catch (error) {
    tf.dispose(out); // the batches done before the failing one (they leaked)
    throw error;
  }
  return out;
}

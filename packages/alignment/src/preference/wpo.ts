import { RLError, assertMask, gatherLogProbs, stopGradient, tf, toMatrix2D, type MatrixLike, assertTensor } from "@rl/core";
import { assertShape } from "./validate.js";

/**
 * WPO's per-sequence weight (Zhou et al. 2024, arXiv:2406.11827; TRL `use_weighting`; docs/alignment/preference.md):
 * how likely the response is under the current policy, normalised per token,
 *
 *   ā = mean_{t: mask = 1} (log p_t(y_t) − log Σ_v p_t(v)²),   log Σ_v p_v² = logsumexp(2z) − 2·logsumexp(z)
 *   weight = exp(ā)   (stop-gradient)
 *
 * The pair weight is `weight(chosen) · weight(rejected)`; pass it to `dpoLoss` as `sampleWeights`.
 * Inputs: `logits [B,T,V]`, `ids [B,T]` (int32), `mask [B,T]`. A fully-masked row gets ā = 0 (weight 1).
 *
 * @example
 * const w = tf.mul(preferenceBlocks.wpoSequenceWeights(logitsC, idsC, maskC), preferenceBlocks.wpoSequenceWeights(logitsR, idsR, maskR));
 * dpoLoss({ ...pairs, sampleWeights: w });
 * @remarks arXiv:2406.11827
 */
export function wpoSequenceWeights(logits: tf.Tensor, ids: tf.Tensor, mask: MatrixLike): tf.Tensor1D {
  const fn = "wpoSequenceWeights";
  assertTensor(logits, fn, "logits");
  assertTensor(ids, fn, "ids", { dtypes: ["int32", "float32"] });
  if (logits.rank !== 3) throw new RLError("SHAPE_MISMATCH", `${fn}: logits must be [B, T, V], got [${logits.shape.join(",")}]`);
  const m = toMatrix2D(mask, "mask", fn);
  assertMask(m, "mask", fn);
  assertShape(ids, logits.shape.slice(0, 2), "ids", fn);
  assertShape(ids, m.shape, "ids", fn);
  return tf.tidy(() => {
    const z = stopGradient(logits);
    const lp = gatherLogProbs(z, ids);
    const logSumSq = tf.sub(tf.logSumExp(tf.mul(z, 2), -1), tf.mul(tf.logSumExp(z, -1), 2));
    const mt = tf.tensor(Float32Array.from(m.data), m.shape as number[]);
    const sum = tf.sum(tf.mul(tf.sub(lp, logSumSq), mt), 1);
    return tf.exp(tf.div(sum, tf.maximum(tf.sum(mt, 1), 1))) as tf.Tensor1D;
  });
}

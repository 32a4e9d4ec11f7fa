import { RLError, assertMask, parseConfig, tf, toMatrix2D, type MatrixLike } from "@rl/core";
import { z } from "zod";
import { assertFinite, assertShape } from "./validate.js";

/** Config of {@link ldDpoSequenceLogProbs}. */
export const ldDpoConfig = z.object({
  /** α ∈ [0, 1], the weight of the verbose tail (TRL `ld_alpha`). 1 = plain sums; 0 = truncate. */
  alpha: z.number().min(0).max(1),
});
/** The input form of `ldDpoConfig`. */
export type LdDpoConfig = z.input<typeof ldDpoConfig>;

/**
 * LD-DPO sequence log-probs (Liu et al. 2024, arXiv:2409.06411; TRL `ld_alpha`; docs/alignment/preference.md): with
 * `L = min(len_c, len_r)` per pair, the first `L` completion tokens count fully and the
 * "verbose tail" beyond `L` is scaled by α:
 *
 *   logp = Σ_{pos ≤ L} lp_pos + α·Σ_{pos > L} lp_pos       (pos = 1-based index among mask = 1 tokens)
 *
 * Apply it identically to the policy and the reference token log-probs, then pass the results to
 * `dpoLoss`. α = 1 gives the plain masked sums; α = 0 truncates to the shared length.
 * Token log-probs `[B,T_c]`, `[B,T_r]` are differentiable; masks are 0/1 constants.
 *
 * @example
 * preferenceBlocks.ldDpoSequenceLogProbs(tf.tensor2d([[-1, -2, -3, -4]]), [[1, 1, 1, 1]], tf.tensor2d([[-1, -1]]), [[1, 1]], { alpha: 0.5 });
 * // { chosen: [-6.5], rejected: [-2] }
 * @remarks arXiv:2409.06411
 */
export function ldDpoSequenceLogProbs(
  chosenTokenLogProbs: tf.Tensor,
  chosenMask: MatrixLike,
  rejectedTokenLogProbs: tf.Tensor,
  rejectedMask: MatrixLike,
  config: LdDpoConfig,
): { chosen: tf.Tensor1D; rejected: tf.Tensor1D } {
  const fn = "ldDpoSequenceLogProbs";
  const { alpha } = parseConfig(ldDpoConfig, config, fn);
  const mc = toMatrix2D(chosenMask, "chosenMask", fn);
  const mr = toMatrix2D(rejectedMask, "rejectedMask", fn);
  assertMask(mc, "chosenMask", fn);
  assertMask(mr, "rejectedMask", fn);
  assertShape(chosenTokenLogProbs, mc.shape, "chosenTokenLogProbs", fn);
  assertShape(rejectedTokenLogProbs, mr.shape, "rejectedTokenLogProbs", fn);
  const B = mc.shape[0] as number;
  if (mr.shape[0] !== B) throw new RLError("SHAPE_MISMATCH", `${fn}: rejectedMask has ${mr.shape[0]} rows, chosenMask has ${B}`);
  if (B === 0) throw new RLError("INVALID_INPUT", `${fn}: empty batch`);
  assertFinite(chosenTokenLogProbs, "chosenTokenLogProbs", fn);
  assertFinite(rejectedTokenLogProbs, "rejectedTokenLogProbs", fn);
  const rowLength = (m: typeof mc, b: number): number => {
    let n = 0;
    for (let t = 0; t < (m.shape[1] as number); t++) n += m.get(b, t);
    return n;
  };
  const shared = Array.from({ length: B }, (_, b) => Math.min(rowLength(mc, b), rowLength(mr, b)));
  const weights = (m: typeof mc): Float32Array => {
    const T = m.shape[1] as number;
    const w = new Float32Array(B * T);
    for (let b = 0; b < B; b++) {
      let pos = 0;
      for (let t = 0; t < T; t++) {
        if (m.get(b, t) === 0) continue;
        pos += 1;
        w[b * T + t] = pos <= (shared[b] as number) ? 1 : alpha;
      }
    }
    return w;
  };
  const wc = weights(mc);
  const wr = weights(mr);
  return tf.tidy(() => ({
    chosen: tf.sum(tf.mul(chosenTokenLogProbs, tf.tensor(wc, mc.shape as number[])), 1) as tf.Tensor1D,
    rejected: tf.sum(tf.mul(rejectedTokenLogProbs, tf.tensor(wr, mr.shape as number[])), 1) as tf.Tensor1D,
  }));
}

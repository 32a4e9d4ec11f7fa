import { indexGroups, parseConfig } from "@rl/core/arrays";
import { z } from "zod";
import { broadcastRows, checkOutputBuffer, diagnosticsOf, groupSums, parseOutcomeBatch } from "./parse-batch.js";
import { outputBuffer, outputDtype, type AdvantageResult, type GroupBatch } from "./types.js";

/**
 * Config of {@link rlooAdvantages} (verl defaults).
 * - `singleton` ("raw"): a group of one keeps its score (verl `rloo`); `"zero"` gives 0
 *   (verl `rloo_vectorized`, TRL).
 * - `normalize` (false): TRL's `normalize_advantages`, a batch z-score of the row advantages
 *   `(A − mean)/(std + normalizeEpsilon)` (unbiased std).
 * - `normalizeEpsilon` (1e-4, TRL).
 * - `dtype` ("float32"): storage of `advantages` (= `returns`) (see `outputDtype`); `"float64"`
 *   keeps every bit of the float64 arithmetic. `diagnostics` are counts.
 * - `out` (none): a preallocated Float64Array or Float32Array of `B · T` entries to write the
 *   advantages into (every entry is overwritten; the result wraps it, no copy). Reusing one
 *   buffer across calls skips allocating the output.
 *   Its type decides the storage (a conflicting `dtype` throws); it must not overlap the inputs.
 *   The next call with the same buffer overwrites the result (and a tensor made from it by
 *   `toTensor()` on the cpu backend, which keeps the Float32Array itself).
 */
export const rlooConfig = z.object({
  singleton: z.enum(["raw", "zero"]).default("raw"),
  normalize: z.boolean().default(false),
  normalizeEpsilon: z.number().nonnegative().default(1e-4),
  dtype: outputDtype,
  out: outputBuffer,
});
export type RlooConfig = z.input<typeof rlooConfig>;

/**
 * REINFORCE Leave-One-Out advantages (RLOO, arXiv:2402.14740): each response is compared with
 * the mean of the other responses to the same prompt.
 *
 *   A_i = s_i − (1/(n−1)) Σ_{j≠i} s_j = n/(n−1) · (s_i − μ_g)        A_{i,t} = A_i · mask_{i,t}
 *
 * The advantages of a group sum to 0 and are unchanged by adding a constant to the group's
 * scores. TRL's KL-in-score variant: feed `klPenalizedRewards(...).tokenRewards` (k1) as
 * `tokenRewards`, whose row sum is `s_i − β Σ_t k1`.
 *
 * Edge cases: group of one → `singleton` (default: the raw score, verl); all-equal scores → 0;
 * fully masked row → 0 on its tokens (its score still counts as a sibling's baseline); a `null`
 * outcome → 0, and the baseline averages only the scored siblings (TRL).
 * `returns` is the same Matrix as `advantages`.
 *
 * @example
 * rlooAdvantages({ rewards: [1, 0, 0, 1], mask: [[1], [1], [1], [1]], groups: [0, 0, 0, 0] })
 *   .advantages.toArray(); // [[0.666667], [-0.666667], [-0.666667], [0.666667]]
 */
export function rlooAdvantages(batch: GroupBatch, config: RlooConfig = {}): AdvantageResult {
  const fn = "rlooAdvantages";
  const { singleton, normalize, normalizeEpsilon, dtype, out } = parseConfig(rlooConfig, config, fn);
  const parsed = parseOutcomeBatch(batch, fn, { lengths: false, output: out === undefined ? dtype : undefined });
  const { rows, cols, scores } = parsed;
  const target = out === undefined ? undefined : checkOutputBuffer(out, config, parsed, fn);
  const index = indexGroups(batch.groups, rows, { fn, skip: parsed.unscored, rowsName: parsed.rowsName });
  const sums = groupSums(scores, index);
  const adv = new Float64Array(rows);
  for (let b = 0; b < rows; b++) {
    const g = index.of[b] as number;
    if (g < 0) continue; // unscored: 0, and not a sibling's baseline
    const n = index.sizes[g] as number;
    const s = scores[b] as number;
    if (n === 1) adv[b] = singleton === "raw" ? s : 0;
    else if (sums.min[g] === sums.max[g]) adv[b] = 0;
    else adv[b] = s - ((sums.sum[g] as number) - s) / (n - 1);
  }
  if (normalize) zScoreInPlace(adv, index.of, normalizeEpsilon);
  const advantages = broadcastRows(adv, parsed.mask, rows, cols, fn, dtype, { prefix: parsed.prefix, out: target ?? parsed.output });
  return { advantages, returns: advantages, diagnostics: diagnosticsOf(index, sums) };
}

/** Batch z-score over the scored rows (`of[b] ≥ 0`); unscored rows stay 0. */
function zScoreInPlace(x: Float64Array, of: Int32Array, epsilon: number): void {
  let n = 0;
  let s = 0;
  for (let b = 0; b < x.length; b++) {
    if ((of[b] as number) < 0) continue;
    s += x[b] as number;
    n++;
  }
  const m = n > 0 ? s / n : 0;
  let ss = 0;
  for (let b = 0; b < x.length; b++) if ((of[b] as number) >= 0) ss += ((x[b] as number) - m) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  for (let b = 0; b < x.length; b++) x[b] = sd === 0 || (of[b] as number) < 0 ? 0 : ((x[b] as number) - m) / (sd + epsilon);
}

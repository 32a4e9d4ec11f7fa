import { indexGroups, Matrix, parseConfig, RLError } from "@rl/core/arrays";
import { z } from "zod";
import { broadcastRows, checkOutputBuffer, diagnosticsOf, groupStd, groupSums, parseOutcomeBatch } from "./parse-batch.js";
import { outputBuffer, outputDtype, type AdvantageResult, type GroupBatch } from "./types.js";

/** How a group of one row is treated (references disagree; docs/credit/group.md). */
export const singletonPolicies = ["zeroMeanUnitStd", "zero", "raw", "error"] as const;

/**
 * Config of {@link grpoAdvantages} (verl defaults).
 * - `epsilon` (1e-6): added to the std (TRL: 1e-4, OpenRLHF: 1e-9).
 * - `normalizeByStd` (true): false is Dr. GRPO (TRL `scale_rewards="none"`).
 * - `stdScope` ("group"): "batch" divides by the std of all B scores while still subtracting the
 *   group mean (TRL `scale_rewards="batch"`).
 * - `singleton` ("zeroMeanUnitStd"): a group of one uses mean 0 and std 1 (verl), `"zero"` gives 0
 *   (TRL, and rewards' `groupZScoreRewards`), `"raw"` keeps the score, `"error"` throws.
 * - `unbiased` (true): the (n−1) std of PyTorch's `torch.std` (verl, TRL); false divides by n
 *   (`np.std`).
 * - `variance` ("exact"): `"flooredVectorized"` reproduces verl's vectorized GRPO,
 *   `std = sqrt(max(var, epsilon))`.
 * - `dtype` ("float32"): storage of `advantages` (= `returns`) (see `outputDtype`); `"float64"`
 *   keeps every bit of the float64 arithmetic. `diagnostics` are counts.
 * - `out` (none): a preallocated Float64Array or Float32Array of `B · T` entries to write the
 *   advantages into (every entry is overwritten; the result wraps it, no copy). Reusing one
 *   buffer across calls skips allocating the output.
 *   Its type decides the storage (a conflicting `dtype` throws); it must not overlap the inputs.
 *   The next call with the same buffer overwrites the result (and a tensor made from it by
 *   `toTensor()` on the cpu backend, which keeps the Float32Array itself).
 */
export const grpoConfig = z.object({
  epsilon: z.number().nonnegative().default(1e-6),
  normalizeByStd: z.boolean().default(true),
  stdScope: z.enum(["group", "batch"]).default("group"),
  singleton: z.enum(singletonPolicies).default("zeroMeanUnitStd"),
  unbiased: z.boolean().default(true),
  variance: z.enum(["exact", "flooredVectorized"]).default("exact"),
  dtype: outputDtype,
  out: outputBuffer,
});
export type GrpoConfig = z.input<typeof grpoConfig>;

/**
 * Group-relative advantages (GRPO, arXiv:2402.03300; Dr. GRPO drops the std, arXiv:2503.20783).
 *
 *   s_i = Σ_t r_{i,t}        A_i = (s_i − μ_g) / (σ_g + ε)        A_{i,t} = A_i · mask_{i,t}
 *
 * with μ_g, σ_g the mean and unbiased (n−1; n with `unbiased: false`) std of the scores of row i's group (σ over the whole
 * batch when `stdScope: "batch"`; no division when `normalizeByStd: false`).
 *
 * Edge cases: a group of one follows `singleton` (default verl: `A = s/(1+ε)`); a group whose
 * scores are all equal gets exactly 0; a fully masked row counts in its group's statistics and
 * gets 0 on every token; a `null` outcome ("no signal", TRL) is left out of every statistic and
 * gets 0; an empty batch or mismatched lengths throw `RLError`.
 * `returns` is the same Matrix as `advantages` (verl).
 *
 * @example
 * grpoAdvantages({ tokenRewards: [[0, 1], [0, 0], [0, 1], [0, 0]], mask: [[1, 1], [1, 1], [1, 1], [1, 1]],
 *   groups: [0, 0, 0, 0] }).advantages.toArray();
 * // [[0.866024, 0.866024], [-0.866024, -0.866024], [0.866024, 0.866024], [-0.866024, -0.866024]]
 */
export function grpoAdvantages(batch: GroupBatch, config: GrpoConfig = {}): AdvantageResult {
  const fn = "grpoAdvantages";
  const { epsilon, normalizeByStd, stdScope, singleton, unbiased, variance, dtype, out } = parseConfig(grpoConfig, config, fn);
  const parsed = parseOutcomeBatch(batch, fn, { lengths: false, output: out === undefined ? dtype : undefined });
  const { rows, cols, scores } = parsed;
  const target = out === undefined ? undefined : checkOutputBuffer(out, config, parsed, fn);
  const index = indexGroups(batch.groups, rows, { fn, skip: parsed.unscored, rowsName: parsed.rowsName });
  const sums = groupSums(scores, index);
  const mean = new Float64Array(index.count);
  for (let g = 0; g < index.count; g++) mean[g] = (sums.sum[g] as number) / (index.sizes[g] as number);
  const std = normalizeByStd ? groupStd(scores, index, mean, unbiased) : mean; // `mean` is a placeholder, unused
  let batchStd = 0;
  if (normalizeByStd && stdScope === "batch") batchStd = batchStdOf(scores, index.of, unbiased);
  const denom = new Float64Array(index.count);
  for (let g = 0; g < index.count; g++) {
    let sd = stdScope === "batch" ? batchStd : (std[g] as number);
    if (variance === "flooredVectorized") sd = Math.sqrt(Math.max(sd * sd, epsilon));
    denom[g] = normalizeByStd ? sd + epsilon : 1;
  }
  const adv = new Float64Array(rows);
  for (let b = 0; b < rows; b++) {
    const g = index.of[b] as number;
    const s = scores[b] as number;
    if (g < 0) adv[b] = 0;
    else if ((index.sizes[g] as number) === 1) {
      if (singleton === "error") throw new RLError("INVALID_INPUT", `${fn}: row ${b} is alone in its group (${String(batch.groups[b])}); singleton is "error"`);
      adv[b] = singleton === "zero" ? 0 : singleton === "raw" ? s : normalizeByStd ? s / (1 + epsilon) : s;
    } else if (sums.min[g] === sums.max[g]) {
      adv[b] = 0;
    } else {
      adv[b] = (s - (mean[g] as number)) / (denom[g] as number);
    }
  }
  const advantages: Matrix = broadcastRows(adv, parsed.mask, rows, cols, fn, dtype, { prefix: parsed.prefix, out: target ?? parsed.output });
  return { advantages, returns: advantages, diagnostics: diagnosticsOf(index, sums) };
}

/** Std (unbiased or population) of the scored rows' scores (`of[b] ≥ 0`); 0 with fewer than two. */
function batchStdOf(scores: Float64Array, of: Int32Array, unbiased: boolean): number {
  let n = 0;
  let s = 0;
  for (let b = 0; b < scores.length; b++) {
    if ((of[b] as number) < 0) continue;
    s += scores[b] as number;
    n++;
  }
  if (n < 2) return 0;
  const m = s / n;
  let ss = 0;
  for (let b = 0; b < scores.length; b++) if ((of[b] as number) >= 0) ss += ((scores[b] as number) - m) ** 2;
  return Math.sqrt(ss / (unbiased ? n - 1 : n));
}

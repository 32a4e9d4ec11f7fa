import { indexGroups, parseConfig } from "@rl/core/arrays";
import { z } from "zod";
import { outputDtype, outputMatrix } from "../output.js";
import { diagnosticsOf, groupSums, parseOutcomeBatch } from "./parse-batch.js";
import type { AdvantageResult, GroupBatch } from "./types.js";
import { whitenInPlace } from "./whiten.js";

/**
 * Config of {@link reinforcePlusPlusBaselineAdvantages}.
 * - `flavor` ("verl"): whitening with the unbiased variance and ε under the square root;
 *   `"openrlhf"`: biased variance and `rsqrt(max(var, ε))`.
 * - `normalizeByStd` (true): false skips the division (OpenRLHF `no_std_norm`; the mean is still
 *   subtracted).
 * - `epsilon` (1e-8).
 * - `dtype` ("float32"): storage of `advantages` (= `returns`) (see `outputDtype`); `"float64"`
 *   keeps every bit of the float64 arithmetic. `diagnostics` are counts.
 */
export const reinforcePlusPlusBaselineConfig = z.object({
  flavor: z.enum(["verl", "openrlhf"]).default("verl"),
  normalizeByStd: z.boolean().default(true),
  epsilon: z.number().nonnegative().default(1e-8),
  dtype: outputDtype,
});
export type ReinforcePlusPlusBaselineConfig = z.input<typeof reinforcePlusPlusBaselineConfig>;

/**
 * REINFORCE++-baseline (arXiv:2501.03262): subtract the group mean from each score, broadcast it
 * over the response, then whiten over every valid token of the batch.
 *
 *   a_i = s_i − μ_g        A = maskedWhiten(a · mask) · mask
 *
 * A group of one uses μ = 0 (verl). KL tokens inside `tokenRewards` enter only through the summed
 * score (verl treats KL as a loss term here). `returns` is the same Matrix as `advantages`.
 * A `null` outcome gets 0 and is left out of the group mean and of the whitening.
 * Edge cases: ≤ 1 valid token in the batch or all `a` equal → 0; padding is 0.
 *
 * @example
 * reinforcePlusPlusBaselineAdvantages({ rewards: [1, 0, 1], mask: [[1, 1, 0], [1, 1, 1], [1, 0, 0]],
 *   groups: [0, 0, 0] }).advantages.toArray();
 * // [[0.912871, 0.912871, 0], [-0.912871, -0.912871, -0.912871], [0.912871, 0, 0]]
 */
export function reinforcePlusPlusBaselineAdvantages(
  batch: GroupBatch,
  config: ReinforcePlusPlusBaselineConfig = {},
): AdvantageResult {
  const fn = "reinforcePlusPlusBaselineAdvantages";
  const { flavor, normalizeByStd, epsilon, dtype } = parseConfig(reinforcePlusPlusBaselineConfig, config, fn);
  const parsed = parseOutcomeBatch(batch, fn);
  const { rows, cols, scores } = parsed;
  // unscored rows (null outcome) take no part in the whitening: drop their tokens from the mask
  const mask = parsed.unscored === undefined ? parsed.mask : maskWithoutRows(parsed.mask, parsed.unscored, cols);
  const index = indexGroups(batch.groups, rows, { fn, skip: parsed.unscored, rowsName: parsed.rowsName });
  const sums = groupSums(scores, index);
  const out = new Float64Array(rows * cols); // float64 scratch; rounded once at the end
  let total = 0;
  let n = 0;
  for (let b = 0; b < rows; b++) {
    const g = index.of[b] as number;
    if (g < 0) continue;
    const size = index.sizes[g] as number;
    const s = scores[b] as number;
    const a = size === 1 ? s : sums.min[g] === sums.max[g] ? 0 : s - (sums.sum[g] as number) / size;
    const base = b * cols;
    for (let t = 0; t < cols; t++) {
      if ((mask[base + t] as number) !== 0) {
        out[base + t] = a;
        total += a;
        n++;
      }
    }
  }
  if (normalizeByStd) {
    whitenInPlace(out, mask, { unbiased: flavor === "verl", epsilon, placement: flavor === "verl" ? "inside" : "clampVariance" });
  } else {
    const mean = n > 0 ? total / n : 0;
    for (let k = 0; k < out.length; k++) out[k] = (mask[k] as number) !== 0 ? (out[k] as number) - mean : 0;
  }
  const advantages = outputMatrix(out, [rows, cols], dtype);
  return { advantages, returns: advantages, diagnostics: diagnosticsOf(index, sums) };
}

function maskWithoutRows(mask: ArrayLike<number>, drop: Uint8Array, cols: number): Float64Array {
  const out = Float64Array.from(mask);
  for (let b = 0; b < drop.length; b++) if (drop[b] === 1) out.fill(0, b * cols, (b + 1) * cols);
  return out;
}

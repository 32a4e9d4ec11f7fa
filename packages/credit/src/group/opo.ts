import { indexGroups, parseConfig } from "@rl/core/arrays";
import { z } from "zod";
import { broadcastRows, diagnosticsOf, groupSums, parseOutcomeBatch } from "./parse-batch.js";
import { outputDtype, type AdvantageResult, type GroupBatch } from "./types.js";

/**
 * Config of {@link opoAdvantages}.
 * - `singleton` ("raw"): a group of one uses baseline 0, so `A = s` (verl); `"zero"` gives 0.
 * - `dtype` ("float32"): storage of `advantages` (= `returns`) (see `outputDtype`); `"float64"`
 *   keeps every bit of the float64 arithmetic. `diagnostics` are counts.
 */
export const opoConfig = z.object({
  singleton: z.enum(["raw", "zero"]).default("raw"),
  dtype: outputDtype,
});
export type OpoConfig = z.input<typeof opoConfig>;

/**
 * On-Policy RL with the length-weighted optimal baseline (OPO, arXiv:2505.23585).
 *
 *   ℓ_i = Σ_t mask_{i,t}        b_g = Σ_j ℓ_j s_j / Σ_j ℓ_j        A_{i,t} = (s_i − b_g) · mask_{i,t}
 *
 * No std normalisation. Edge cases: group of one → `singleton` (default: baseline 0, verl);
 * a group whose rows are all fully masked (Σ ℓ = 0) uses baseline 0 (its tokens are all 0 anyway);
 * all-equal scores → 0; a `null` outcome → 0 and out of the baseline. `returns` is the same Matrix as `advantages`.
 *
 * @example
 * opoAdvantages({ rewards: [1, 0], mask: [[1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]], groups: ["p", "p"] })
 *   .advantages.toArray()[0]; // [0.75, 0.75, 0, 0, 0, 0]   (b = 0.25)
 */
export function opoAdvantages(batch: GroupBatch, config: OpoConfig = {}): AdvantageResult {
  const fn = "opoAdvantages";
  const { singleton, dtype } = parseConfig(opoConfig, config, fn);
  const parsed = parseOutcomeBatch(batch, fn, { output: dtype });
  const { rows, cols, scores } = parsed;
  const lengths = parsed.lengths as Float64Array;
  const index = indexGroups(batch.groups, rows, { fn, skip: parsed.unscored, rowsName: parsed.rowsName });
  const sums = groupSums(scores, index);
  const weighted = new Float64Array(index.count);
  const totalLength = new Float64Array(index.count);
  for (let b = 0; b < rows; b++) {
    const g = index.of[b] as number;
    if (g < 0) continue;
    weighted[g] = (weighted[g] as number) + (lengths[b] as number) * (scores[b] as number);
    totalLength[g] = (totalLength[g] as number) + (lengths[b] as number);
  }
  const adv = new Float64Array(rows);
  for (let b = 0; b < rows; b++) {
    const g = index.of[b] as number;
    const s = scores[b] as number;
    if (g < 0) adv[b] = 0;
    else if ((index.sizes[g] as number) === 1) adv[b] = singleton === "raw" ? s : 0;
    else if (sums.min[g] === sums.max[g]) adv[b] = 0;
    else {
      const L = totalLength[g] as number;
      adv[b] = s - (L > 0 ? (weighted[g] as number) / L : 0);
    }
  }
  const advantages = broadcastRows(adv, parsed.mask, rows, cols, fn, dtype, { out: parsed.output });
  return { advantages, returns: advantages, diagnostics: diagnosticsOf(index, sums) };
}

import { indexGroups, parseConfig } from "@rl/core/arrays";
import { z } from "zod";
import { broadcastRows, diagnosticsOf, groupSums, parseOutcomeBatch } from "./parse-batch.js";
import { outputDtype, type AdvantageResult, type GroupBatch } from "./types.js";

/**
 * Config of {@link gpgAdvantages} (verl defaults).
 * - `alpha` ("nonzeroRewards"): verl's `α = B / max(#rows with a non-zero score, 1)`;
 *   `"validGroups"`: the paper's `α = B / (B − M)` with M the rows of groups whose scores are all
 *   equal (groups of one included; α = 1 when no group is valid); or a fixed positive number.
 * - `fNorm` (1): divisor of the advantage.
 * - `dtype` ("float32"): storage of `advantages` (= `returns`) (see `outputDtype`); `"float64"`
 *   keeps every bit of the float64 arithmetic. `diagnostics` are counts.
 */
export const gpgConfig = z.object({
  alpha: z.union([z.enum(["nonzeroRewards", "validGroups"]), z.number().positive()]).default("nonzeroRewards"),
  fNorm: z.number().positive().default(1),
  dtype: outputDtype,
});
export type GpgConfig = z.input<typeof gpgConfig>;

/**
 * Group Policy Gradient advantages (GPG, arXiv:2504.02546): group-mean baseline, no std, and a
 * batch rescaling α that compensates for groups that carry no gradient.
 *
 *   A_{i,t} = α · (s_i − μ_g) / fNorm · mask_{i,t}
 *
 * A group of one uses μ = 0 (verl), so its advantage is `α·s/fNorm`; all-equal scores give 0.
 * A `null` outcome gets 0 and counts in neither B nor the statistics.
 * The matching loss is plain `−A·log π` (no ratio, no clip). `returns` is `advantages`.
 *
 * @example
 * gpgAdvantages({ rewards: [1, 0, 0, 0, 0, 0, 0, 0], mask: Array(8).fill([1]),
 *   groups: [0, 0, 0, 0, 1, 1, 1, 1] }).advantages.toArray().flat(); // [6, -2, -2, -2, 0, 0, 0, 0]
 */
export function gpgAdvantages(batch: GroupBatch, config: GpgConfig = {}): AdvantageResult {
  const fn = "gpgAdvantages";
  const { alpha, fNorm, dtype } = parseConfig(gpgConfig, config, fn);
  const parsed = parseOutcomeBatch(batch, fn, { lengths: false, output: dtype });
  const { rows, cols, scores } = parsed;
  const index = indexGroups(batch.groups, rows, { fn, skip: parsed.unscored, rowsName: parsed.rowsName });
  const sums = groupSums(scores, index);
  let scored = 0;
  for (let b = 0; b < rows; b++) if ((index.of[b] as number) >= 0) scored++;
  let a: number;
  if (typeof alpha === "number") a = alpha;
  else if (alpha === "nonzeroRewards") {
    let nonzero = 0;
    for (let b = 0; b < rows; b++) if ((index.of[b] as number) >= 0 && (scores[b] as number) !== 0) nonzero++;
    a = scored / Math.max(nonzero, 1);
  } else {
    let invalidRows = 0;
    for (let g = 0; g < index.count; g++) if (sums.min[g] === sums.max[g]) invalidRows += index.sizes[g] as number;
    a = scored > invalidRows ? scored / (scored - invalidRows) : 1;
  }
  const adv = new Float64Array(rows);
  for (let b = 0; b < rows; b++) {
    const g = index.of[b] as number;
    if (g < 0) continue;
    const n = index.sizes[g] as number;
    const s = scores[b] as number;
    const mean = n === 1 ? 0 : sums.min[g] === sums.max[g] ? s : (sums.sum[g] as number) / n;
    adv[b] = (a * (s - mean)) / fNorm;
  }
  const advantages = broadcastRows(adv, parsed.mask, rows, cols, fn, dtype, { prefix: parsed.prefix, out: parsed.output });
  return { advantages, returns: advantages, diagnostics: diagnosticsOf(index, sums) };
}

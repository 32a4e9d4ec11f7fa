import { indexGroups, parseConfig, RLError } from "@rl/core/arrays";
import { z } from "zod";
import { broadcastRows, diagnosticsOf, groupStd, groupSums, parseOutcomeBatch } from "./parse-batch.js";
import { outputDtype, type AdvantageResult, type GroupBatch } from "./types.js";

/**
 * Config of {@link grpoPasskAdvantages} (verl defaults).
 * - `epsilon` (1e-6): added to the std.
 * - `normalizeByStd` (true): divide by the group's std (verl `algorithm.norm_adv_by_std_in_grpo`).
 * - `singleton` ("error"): a group of one row has no second-best response; `"error"` throws (verl
 *   raises), `"zero"` gives its row 0.
 * - `dtype` ("float32"): storage of `advantages` (= `returns`) (see `outputDtype`).
 */
export const grpoPasskConfig = z.object({
  epsilon: z.number().nonnegative().default(1e-6),
  normalizeByStd: z.boolean().default(true),
  singleton: z.enum(["error", "zero"]).default("error"),
  dtype: outputDtype,
});
export type GrpoPasskConfig = z.input<typeof grpoPasskConfig>;

/**
 * Pass@k advantages in GRPO form (Chen et al., "Pass@k Training", arXiv:2503.19595 as cited by
 * verl; verl `compute_grpo_passk_outcome_advantage` @ b178a3cd5): only the best response of each
 * group is credited, with its margin over the runner-up.
 *
 *   s_i = Σ_t r_{i,t},   i* = argmax_{i∈g} s_i
 *   A_{i*} = (s_(1) − s_(2)) / (σ_g + ε)     (no division when `normalizeByStd: false`)
 *   A_i = 0 for every other row of g,         A_{i,t} = A_i · mask_{i,t}
 *
 * with `s_(1) ≥ s_(2)` the two largest scores of the group and σ_g the unbiased (n−1) std of all
 * its scores. Under pass@k only the best of k samples counts, so only it gets a signal.
 *
 * Edge cases: a tied maximum gives 0 to every row (the margin is 0, so which row "wins" does not
 * matter; the first is chosen); a group of one follows `singleton` (verl raises); a `null`
 * outcome is left out of its group and gets 0; a fully masked row still counts in its group.
 * `returns` is the same Matrix as `advantages`.
 *
 * @example
 * grpoPasskAdvantages({ rewards: [1, 0, 0.5, 0], mask: [[1], [1], [1], [1]], groups: [0, 0, 0, 0] })
 *   .advantages.toArray().flat(); // [1.044464, 0, 0, 0]
 * @remarks arXiv:2503.19595
 */
export function grpoPasskAdvantages(batch: GroupBatch, config: GrpoPasskConfig = {}): AdvantageResult {
  const fn = "grpoPasskAdvantages";
  const { epsilon, normalizeByStd, singleton, dtype } = parseConfig(grpoPasskConfig, config, fn);
  const parsed = parseOutcomeBatch(batch, fn, { lengths: false, output: dtype });
  const { rows, cols, scores } = parsed;
  const index = indexGroups(batch.groups, rows, { fn, skip: parsed.unscored, rowsName: parsed.rowsName });
  const sums = groupSums(scores, index);
  // the best row and the runner-up score of every group (first row wins a tie; its margin is 0)
  const best = new Int32Array(index.count).fill(-1);
  const second = new Float64Array(index.count).fill(-Infinity);
  for (let b = 0; b < rows; b++) {
    const g = index.of[b] as number;
    if (g < 0) continue;
    const s = scores[b] as number;
    const top = best[g] as number;
    if (top < 0) best[g] = b;
    else if (s > (scores[top] as number)) {
      second[g] = scores[top] as number;
      best[g] = b;
    } else if (s > (second[g] as number)) second[g] = s;
  }
  let std: Float64Array | undefined;
  if (normalizeByStd) {
    const mean = new Float64Array(index.count);
    for (let g = 0; g < index.count; g++) mean[g] = (sums.sum[g] as number) / (index.sizes[g] as number);
    std = groupStd(scores, index, mean);
  }
  const adv = new Float64Array(rows);
  for (let g = 0; g < index.count; g++) {
    const b = best[g] as number;
    if ((index.sizes[g] as number) === 1) {
      if (singleton === "error") {
        throw new RLError("INVALID_INPUT", `${fn}: row ${b} is alone in its group (${String(batch.groups[b])}); pass@k needs a runner-up (singleton is "error", as verl)`);
      }
      continue;
    }
    const margin = (scores[b] as number) - (second[g] as number);
    adv[b] = std === undefined ? margin : margin / ((std[g] as number) + epsilon);
  }
  const advantages = broadcastRows(adv, parsed.mask, rows, cols, fn, dtype, { prefix: parsed.prefix, out: parsed.output });
  return { advantages, returns: advantages, diagnostics: diagnosticsOf(index, sums) };
}

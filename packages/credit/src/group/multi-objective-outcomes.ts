import { Matrix, RLError, parseConfig, type MatrixLike } from "@rl/core";
import { z } from "zod";
import { groupStd, groupSums, parseGroups } from "./parse-batch.js";
import type { GroupIds } from "./types.js";

/**
 * Config of {@link multiObjectiveOutcomes} (TRL `GRPOConfig` defaults).
 * - `weights` (all 1): one weight per reward function (TRL `reward_weights`).
 * - `aggregation` ("sumThenNormalize"): `Σ_k w_k r_k` (TRL's default); `"normalizeThenSum"`:
 *   `Σ_k w_k z_k` with `z_k` each function's group z-score (TRL `multi_objective_aggregation`).
 * - `epsilon` (1e-4, TRL): added to each function's group std.
 */
export const multiObjectiveOutcomesConfig = z.object({
  weights: z.array(z.number().refine(Number.isFinite, "must be finite")).optional(),
  aggregation: z.enum(["sumThenNormalize", "normalizeThenSum"]).default("sumThenNormalize"),
  epsilon: z.number().nonnegative().default(1e-4),
});
export type MultiObjectiveOutcomesConfig = z.input<typeof multiObjectiveOutcomesConfig>;

/**
 * Combines several reward functions into one outcome per row (TRL GRPO's
 * `multi_objective_aggregation`; GDPO-style per-reward normalisation):
 *
 *   sumThenNormalize:  s_i = Σ_k w_k r_{i,k}
 *   normalizeThenSum:  s_i = Σ_k w_k (r_{i,k} − μ_{g,k}) / (σ_{g,k} + ε)    (unbiased σ per group)
 *
 * Feed `outcomes` to a group estimator. TRL then applies the group formula after
 * `sumThenNormalize` (`grpoAdvantages(..., { epsilon: 1e-4 })`), and a **batch** z-score after
 * `normalizeThenSum` — that is GRPO with every row in one group:
 * `grpoAdvantages({ outcomes, mask, groups: outcomes.map(() => 0) }, { epsilon: 1e-4 })`.
 *
 * Edge cases: a group of one has σ = 0 and z = 0 (TRL); `rewards` with a column count other than
 * `weights.length`, or `groups` of another length, throw `RLError("SHAPE_MISMATCH")`.
 *
 * @example
 * multiObjectiveOutcomes([[1, 0], [0, 1]], [0, 0], { weights: [2, 1] }).outcomes.toFlatArray(); // [2, 1]
 */
export function multiObjectiveOutcomes(
  rewards: MatrixLike,
  groups: GroupIds,
  config: MultiObjectiveOutcomesConfig = {},
): { outcomes: Matrix } {
  const fn = "multiObjectiveOutcomes";
  const { weights, aggregation, epsilon } = parseConfig(multiObjectiveOutcomesConfig, config, fn);
  const r = Matrix.from(rewards, { name: "rewards", fn });
  if (r.shape.length !== 2) throw new RLError("SHAPE_MISMATCH", `${fn}: rewards must be 2-D [B, F], got shape [${r.shape.join(",")}]`);
  const { rows, cols } = r;
  if (rows === 0 || cols === 0) throw new RLError("INVALID_INPUT", `${fn}: rewards is empty (shape [${r.shape.join(",")}])`);
  if (weights !== undefined && weights.length !== cols) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: weights has ${weights.length} entries, rewards has ${cols} columns`);
  }
  const w = weights ?? Array<number>(cols).fill(1);
  const out = new Float64Array(rows);
  if (aggregation === "sumThenNormalize") {
    for (let b = 0; b < rows; b++) for (let k = 0; k < cols; k++) out[b] = (out[b] as number) + (w[k] as number) * r.get(b, k);
    if (!Array.isArray(groups) || groups.length !== rows) parseGroups(groups, rows, fn, undefined, "rewards"); // same errors as the other path
    return { outcomes: new Matrix(out, [rows]) };
  }
  const index = parseGroups(groups, rows, fn, undefined, "rewards");
  const column = new Float64Array(rows);
  for (let k = 0; k < cols; k++) {
    for (let b = 0; b < rows; b++) column[b] = r.get(b, k);
    const sums = groupSums(column, index);
    const mean = new Float64Array(index.count);
    for (let g = 0; g < index.count; g++) mean[g] = (sums.sum[g] as number) / (index.sizes[g] as number);
    const std = groupStd(column, index, mean);
    for (let b = 0; b < rows; b++) {
      const g = index.of[b] as number;
      const z = sums.min[g] === sums.max[g] ? 0 : ((column[b] as number) - (mean[g] as number)) / ((std[g] as number) + epsilon);
      out[b] = (out[b] as number) + (w[k] as number) * z;
    }
  }
  return { outcomes: new Matrix(out, [rows]) };
}

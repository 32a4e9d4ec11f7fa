import { Matrix, RLError, indexGroups, parseConfig, splitNulls, type GroupIds, type GroupIndex, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { assertFiniteOutput } from "../output.js";
import { groupStd, groupSums } from "./parse-batch.js";

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

/** `index` restricted to the rows where column `k` has a reward (the others get group −1). */
function columnGroups(index: GroupIndex, missing: Uint8Array, k: number, cols: number): GroupIndex {
  const of = Int32Array.from(index.of);
  const sizes = new Int32Array(index.count);
  for (let b = 0; b < of.length; b++) {
    const g = of[b] as number;
    if (missing[b * cols + k] === 1) of[b] = -1;
    else sizes[g] = (sizes[g] as number) + 1;
  }
  return { ids: index.ids, of, sizes, count: index.count };
}

/**
 * Combines several reward functions into one outcome per row (TRL GRPO's
 * `multi_objective_aggregation`; GDPO-style per-reward normalisation):
 *
 *   sumThenNormalize:  s_i = Σ_k w_k r_{i,k}
 *   normalizeThenSum:  s_i = Σ_k w_k (r_{i,k} − μ_{g,k}) / (σ_{g,k} + ε)    (unbiased σ per group)
 *
 * Feed `outcomes` to a group estimator as its `rewards`. TRL then applies the group formula after
 * `sumThenNormalize` (`grpoAdvantages(..., { epsilon: 1e-4 })`), and a **batch** z-score after
 * `normalizeThenSum` — that is GRPO with every row in one group:
 * `grpoAdvantages({ rewards: outcomes, mask, groups: outcomes.map(() => 0) }, { epsilon: 1e-4 })`.
 *
 * `null` rewards (a function that abstained, TRL's `None` → NaN) follow TRL: the sums skip them
 * (`nansum`), and in `normalizeThenSum` each function's group mean and std run over the rows
 * where it gave a reward (`nanmean`, `nanstd`). A row where every function abstained has no
 * outcome: `outcomeList[i]` is `null` (and `outcomes[i]` 0); pass `outcomeList` as a group
 * estimator's `rewards` and such rows leave the group statistics and get advantage 0 (TRL masks
 * them the same way).
 *
 * Edge cases: a group of one (or a function that gave one reward in a group) has σ = 0 and
 * z = 0 (TRL); `rewards` with a column count other than `weights.length`, or `groups` of another
 * length, throw `RLError("SHAPE_MISMATCH")`; a non-finite reward throws `RLError("NON_FINITE")`.
 *
 * @example
 * multiObjectiveOutcomes([[1, 0], [0, 1]], [0, 0], { weights: [2, 1] }).outcomes.toFlatArray(); // [2, 1]
 * multiObjectiveOutcomes([[1, null], [null, null]], [0, 0]).outcomeList; // [1, null]
 */
export function multiObjectiveOutcomes(
  rewards: MatrixLike | readonly (readonly (number | null)[])[],
  groups: GroupIds,
  config: MultiObjectiveOutcomesConfig = {},
): { outcomes: Matrix; outcomeList: readonly (number | null)[] } {
  const fn = "multiObjectiveOutcomes";
  const { weights, aggregation, epsilon } = parseConfig(multiObjectiveOutcomesConfig, config, fn);
  const { values, missing } = splitNulls(rewards);
  const r = Matrix.from(values as MatrixLike, { name: "rewards", fn });
  if (r.shape.length !== 2) throw new RLError("SHAPE_MISMATCH", `${fn}: rewards must be 2-D [B, F], got shape [${r.shape.join(",")}]`);
  const { rows, cols } = r;
  if (rows === 0 || cols === 0) throw new RLError("INVALID_INPUT", `${fn}: rewards is empty (shape [${r.shape.join(",")}])`);
  if (weights !== undefined && weights.length !== cols) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: weights has ${weights.length} entries, rewards has ${cols} columns`);
  }
  const w = weights ?? Array<number>(cols).fill(1);
  const has = (b: number, k: number): boolean => missing === undefined || missing[b * cols + k] === 0;
  const out = new Float64Array(rows);
  if (aggregation === "sumThenNormalize") {
    for (let b = 0; b < rows; b++) for (let k = 0; k < cols; k++) if (has(b, k)) out[b] = (out[b] as number) + (w[k] as number) * r.get(b, k);
    if (!Array.isArray(groups) || groups.length !== rows) indexGroups(groups, rows, { fn, rowsName: "rewards" }); // same errors as the other path
    return result(out, rows, cols, has);
  }
  const index = indexGroups(groups, rows, { fn, rowsName: "rewards" });
  const column = new Float64Array(rows);
  for (let k = 0; k < cols; k++) {
    // the rows where function k gave a reward form its groups (nanmean / nanstd)
    const columnIndex = missing === undefined ? index : columnGroups(index, missing, k, cols);
    for (let b = 0; b < rows; b++) column[b] = r.get(b, k);
    const sums = groupSums(column, columnIndex);
    const mean = new Float64Array(columnIndex.count);
    for (let g = 0; g < columnIndex.count; g++) mean[g] = (sums.sum[g] as number) / (columnIndex.sizes[g] as number);
    const std = groupStd(column, columnIndex, mean);
    for (let b = 0; b < rows; b++) {
      const g = columnIndex.of[b] as number;
      if (g < 0) continue;
      const z = sums.min[g] === sums.max[g] ? 0 : ((column[b] as number) - (mean[g] as number)) / ((std[g] as number) + epsilon);
      out[b] = (out[b] as number) + (w[k] as number) * z;
    }
  }
  return result(out, rows, cols, has);
}

/** `outcomes` (0 where a row has no reward at all) and `outcomeList` (`null` there). */
function result(out: Float64Array, rows: number, cols: number, has: (b: number, k: number) => boolean): { outcomes: Matrix; outcomeList: (number | null)[] } {
  const outcomeList: (number | null)[] = [];
  for (let b = 0; b < rows; b++) {
    let any = false;
    for (let k = 0; k < cols && !any; k++) any = has(b, k);
    outcomeList.push(any ? (out[b] as number) : null);
  }
  assertFiniteOutput(out, 1, "multiObjectiveOutcomes", "outcomes");
  return { outcomes: new Matrix(out, [rows]), outcomeList };
}

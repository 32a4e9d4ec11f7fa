import { Matrix, RLError, assertMask, assertSameShape, groupMembers, indexGroups, parseConfig, toMatrix2D, type MatrixLike } from "@rl/core";
import { defineCreditAssigner, outputDtype, type AdvantageResult, type CreditDefinition } from "@rl/credit";
import { z } from "zod";

/**
 * Config of {@link rankAdvantages}.
 * - `scale` (1): the advantages span `[-scale, scale]`.
 * - `dtype` ("float32"): storage of the advantages, `@rl/credit`'s `outputDtype` convention (the
 *   ranks are computed in float64 and rounded once when stored); `"float64"` keeps every bit.
 */
export const rankAdvantagesConfig = z.object({
  scale: z.number().positive().finite().default(1),
  dtype: outputDtype,
});
export type RankAdvantagesConfig = z.input<typeof rankAdvantagesConfig>;

/** Input of {@link rankAdvantages}: the credit registry's common batch. */
export interface RankAdvantagesBatch {
  /** `[B, T]` token rewards; the score of row b is `Σ_t tokenRewards[b][t]` (verl convention, unmasked). */
  readonly tokenRewards: MatrixLike;
  /** `[B, T]` 0/1: the response tokens that receive credit. */
  readonly mask: MatrixLike;
  /** `[B]` prompt id of every row; rows with equal ids form a group. */
  readonly groups?: readonly (string | number)[];
  readonly [extra: string]: unknown;
}

const fn = "rankAdvantages";

/**
 * Rank-based group advantages: each response's advantage is the rank of its score within its
 * group, scaled to `[-scale, scale]`, broadcast over its response tokens.
 *
 *   s_b = Σ_t r_{b,t}     ρ_b = #{j ∈ g : s_j < s_b} + (#{j ∈ g : s_j = s_b} + 1) / 2
 *   A_b = scale · (2 (ρ_b − 1) / (n_g − 1) − 1)          A_{b,t} = A_b · mask_{b,t}
 *
 * (ρ is the 1-based rank, ties share their average rank). The worst response of a group gets
 * `-scale`, the best `+scale`, the others are evenly spaced. Because only the order of the scores
 * matters, the advantages are invariant to adding a constant to a group's rewards and to any
 * increasing transform of them, and an outlier reward cannot dominate the update (rank-based
 * fitness shaping, as in natural evolution strategies, arXiv:1106.4487).
 *
 * Edge cases: a group of one gets 0; a group whose scores are all equal gets 0; a fully masked
 * row takes part in its group's ranking and gets 0 on every token; NaN, ragged or mismatched
 * inputs, a non-0/1 mask and missing or wrong-length `groups` throw `RLError`.
 * `returns` is the same Matrix as `advantages` (like the other outcome estimators).
 *
 * @example
 * rankAdvantages({ tokenRewards: [[0, 3], [0, 1], [0, 2]], mask: [[1, 1], [1, 1], [1, 0]], groups: [0, 0, 0] })
 *   .advantages.toArray(); // [[1, 1], [-1, -1], [0, 0]]
 */
export function rankAdvantages(batch: RankAdvantagesBatch, config: RankAdvantagesConfig = {}): AdvantageResult {
  const { scale, dtype } = parseConfig(rankAdvantagesConfig, config, fn);
  if (typeof batch !== "object" || batch === null) throw new RLError("INVALID_INPUT", `${fn}: batch must be an object`);
  if (batch.tokenRewards === undefined) throw new RLError("INVALID_INPUT", `${fn}: tokenRewards is required`);
  if (batch.mask === undefined) throw new RLError("INVALID_INPUT", `${fn}: mask is required`);
  const rewards = toMatrix2D(batch.tokenRewards, "tokenRewards", fn);
  const mask = toMatrix2D(batch.mask, "mask", fn);
  assertSameShape({ tokenRewards: rewards, mask }, fn);
  assertMask(mask, "mask", fn);
  const rows = rewards.shape[0] as number;
  const cols = rewards.shape[1] as number;
  const members = groupMembers(indexGroups(batch.groups, rows, { fn, rowsName: "tokenRewards" }));

  const scores = new Float64Array(rows);
  for (let b = 0; b < rows; b++) {
    let s = 0;
    for (let t = 0; t < cols; t++) s += rewards.data[b * cols + t] as number;
    scores[b] = s;
  }

  const perRow = new Float64Array(rows);
  for (const rowsOfGroup of members) {
    const n = rowsOfGroup.length;
    if (n === 1) continue; // a group of one carries no ranking signal
    const order = [...rowsOfGroup].sort((a, b) => (scores[a] as number) - (scores[b] as number));
    for (let start = 0; start < n; ) {
      let end = start + 1;
      while (end < n && scores[order[end] as number] === scores[order[start] as number]) end++;
      const rank = (start + 1 + end) / 2; // average of the 1-based ranks start+1 … end
      const a = scale * ((2 * (rank - 1)) / (n - 1) - 1);
      for (let k = start; k < end; k++) perRow[order[k] as number] = a;
      start = end;
    }
  }

  const advantages = Matrix.zeros([rows, cols], dtype);
  for (let b = 0; b < rows; b++) {
    const a = perRow[b] as number;
    if (a === 0) continue;
    for (let t = 0; t < cols; t++) if ((mask.data[b * cols + t] as number) !== 0) advantages.data[b * cols + t] = a;
  }
  return { advantages, returns: advantages };
}

/**
 * The plugin: a `"credit-assigner"` definition named `example/rank-advantages`. Importing it
 * registers nothing; add it to a registry explicitly:
 *
 * @example
 * import { assignCredit, creditRegistry } from "@rl/credit";
 * const registry = creditRegistry().register(rankAdvantagesDefinition);
 * assignCredit("example/rank-advantages", batch, { scale: 1 }, registry).advantages.toArray();
 */
export const rankAdvantagesDefinition: CreditDefinition = defineCreditAssigner({
  name: "example/rank-advantages",
  version: "0.1.0",
  description: "Rank of each response's reward within its group, scaled to [-1, 1]",
  configSchema: rankAdvantagesConfig,
  assign: (batch, config) => rankAdvantages(batch, config),
});

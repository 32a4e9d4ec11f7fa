import { z } from "zod";
import { Matrix, indexGroups, parseConfig, RLError } from "@rl/core/arrays";
import { grpoAdvantages } from "@rl/credit";
import { checkRewardBatch, type RewardBatch } from "./types.js";

/** Config schema of {@link groupZScoreRewards} (zod; the defaults are the reference defaults). */
export const groupZScoreRewardsConfig = z.object({
  /** Unbiased (n − 1) standard deviation, PyTorch's default (GRPO, BLEUBERI). */
  unbiased: z.boolean().default(true),
  /** Added to the standard deviation. */
  epsilon: z.number().nonnegative().default(1e-6),
});
/** Input type of `groupZScoreRewardsConfig` (every field optional where it has a default). */
export type GroupZScoreRewardsConfig = z.input<typeof groupZScoreRewardsConfig>;

/**
 * Per-group z-score of rewards (docs/rewards/transforms.md; BLEUBERI's `zscore_groupwise`):
 * `(r − mean_g)/(std_g + ε)` over the samples of each group (`groups[i]` = prompt id; groups need
 * not be contiguous). Defaults: unbiased std, `ε = 1e-6`.
 *
 * The formula has one home, credit's `grpoAdvantages` (called here with `singleton: "zero"` on a
 * `[B, 1]` batch); its default (verl) gives a group of one `s/(1+ε)` instead.
 *
 * Edge cases: a group with one (non-null) sample → 0 (PyTorch's unbiased std would be NaN);
 * a constant group → exactly 0; `null` rewards pass through and are left out of their group's statistics.
 * Order-preserving within a group; invariant to adding a constant to a group.
 *
 * @example
 * groupZScoreRewards([0.2, 0.4, 0.6, 0.8], [0, 0, 0, 0]); // [-1.161891, -0.387297, 0.387297, 1.161891]
 * @remarks GRPO (arXiv:2402.03300); BLEUBERI (arXiv:2506.01839)
 */
export function groupZScoreRewards(
  rewards: RewardBatch,
  groups: readonly (number | string)[],
  config: GroupZScoreRewardsConfig = {},
): (number | null)[] {
  const fn = "groupZScoreRewards";
  const { unbiased, epsilon } = parseConfig(groupZScoreRewardsConfig, config, fn);
  const r = checkRewardBatch(rewards, fn);
  if (!Array.isArray(groups) || groups.length !== r.length) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: groups has ${Array.isArray(groups) ? groups.length : "no"} entries, rewards has ${r.length}`);
  }
  if (r.length === 0) return [];
  indexGroups(groups, r.length, { fn, rowsName: "rewards" }); // this function's name on a bad id
  // The one group z-score: credit's GRPO estimator on [B, 1], with a group of one giving 0.
  const mask = new Matrix(new Float64Array(r.length).fill(1), [r.length, 1]);
  const { advantages } = grpoAdvantages({ rewards: r, mask, groups }, { epsilon, unbiased, singleton: "zero", dtype: "float64" });
  return r.map((x, i) => (x === null ? null : (advantages.data[i] as number)));
}

import { z } from "zod";
import { parseConfig, RLError } from "@rl/core/arrays";
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
 * Per-group z-score of rewards (spec rewards.md §22; BLEUBERI's `zscore_groupwise`):
 * `(r − mean_g)/(std_g + ε)` over the samples of each group (`groups[i]` = prompt id; groups need
 * not be contiguous). Defaults: unbiased std, `ε = 1e-6`.
 *
 * Edge cases: a group with one (non-null) sample → 0 (PyTorch's unbiased std would be NaN);
 * a constant group → 0; `null` rewards pass through and are left out of their group's statistics.
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
  const { unbiased, epsilon } = parseConfig(groupZScoreRewardsConfig, config, "groupZScoreRewards");
  const r = checkRewardBatch(rewards, "groupZScoreRewards");
  if (!Array.isArray(groups) || groups.length !== r.length) {
    throw new RLError("SHAPE_MISMATCH", `groupZScoreRewards: groups has ${Array.isArray(groups) ? groups.length : "no"} entries, rewards has ${r.length}`);
  }
  const members = new Map<number | string, number[]>();
  r.forEach((x, i) => {
    if (x === null) return;
    const g = groups[i] as number | string;
    const list = members.get(g);
    if (list === undefined) members.set(g, [x]);
    else list.push(x);
  });
  const stats = new Map<number | string, { mean: number; std: number; n: number }>();
  for (const [g, xs] of members) {
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const ss = xs.reduce((s, x) => s + (x - mean) ** 2, 0);
    const denom = unbiased ? xs.length - 1 : xs.length;
    stats.set(g, { mean, std: denom > 0 ? Math.sqrt(ss / denom) : 0, n: xs.length });
  }
  return r.map((x, i) => {
    if (x === null) return null;
    const s = stats.get(groups[i] as number | string) as { mean: number; std: number; n: number };
    if (s.n < 2) return 0;
    const z = (x - s.mean) / (s.std + epsilon);
    return z === 0 ? 0 : z;
  });
}

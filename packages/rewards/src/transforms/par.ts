import { z } from "zod";
import { parseConfig, RLError } from "@rl/core/arrays";
import { checkNumbers, checkRewardBatch, contextRefs, type RewardTransform } from "./types.js";

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Config schema of {@link preferenceAsReward} (zod; the defaults are the reference defaults). */
export const preferenceAsRewardConfig = z.object({
  /** Sigmoid slope `k` (`--sigmoid_k`). */
  k: z.number().positive().default(1),
  /** Use at most the first `maxRef` references (`--reward_maxref`). */
  maxRef: z.number().int().positive().default(10),
});
/** Input type of `preferenceAsRewardConfig` (every field optional where it has a default). */
export type PreferenceAsRewardConfig = z.input<typeof preferenceAsRewardConfig>;

/**
 * PAR, Preference As Reward (spec rewards.md §24): the reward model's own win probability of the
 * policy response against `M` reference responses of the same prompt,
 * `r_PAR = (1/M) Σ_m σ(k·(r − r_ref^(m)))`, over the first `maxRef` references.
 *
 * Defaults `k = 1`, `maxRef = 10`. Output in `(0, 1)`, increasing in `r`. No references → error.
 * (PAR's code applies its length penalty, `r − 0.01·max(0, len − 300)`, before shaping; do that
 * upstream if you want it.)
 *
 * @example
 * preferenceAsReward(1, [0, 0.5, 2]);          // 0.5408198
 * preferenceAsReward(1, [0, 0.5, 2], { k: 2 }); // 0.5770195
 * @remarks Fu et al., Reward Shaping to Mitigate Reward Hacking in RLHF (arXiv:2502.18770)
 */
export function preferenceAsReward(reward: number, refRewards: readonly number[], config: PreferenceAsRewardConfig = {}): number {
  const { k, maxRef } = parseConfig(preferenceAsRewardConfig, config, "preferenceAsReward");
  if (!Number.isFinite(reward)) throw new RLError("NON_FINITE", `preferenceAsReward: reward is ${reward}`);
  const refs = checkNumbers(refRewards, "preferenceAsReward", "refRewards", { nonEmpty: true }).slice(0, maxRef);
  return refs.reduce((s, ref) => s + sigmoid(k * (reward - ref)), 0) / refs.length;
}

/**
 * The centred-only baseline of PAR's ablations: `mean_m (r − r_ref^(m))` over the first `maxRef`
 * references. No references → error.
 *
 * @example
 * centeredReward(1, [0, 0.5, 2]); // 0.1666667
 * @remarks PAR (arXiv:2502.18770)
 */
export function centeredReward(reward: number, refRewards: readonly number[], config: { maxRef?: number } = {}): number {
  const { maxRef } = parseConfig(preferenceAsRewardConfig.pick({ maxRef: true }), config, "centeredReward");
  if (!Number.isFinite(reward)) throw new RLError("NON_FINITE", `centeredReward: reward is ${reward}`);
  const refs = checkNumbers(refRewards, "centeredReward", "refRewards", { nonEmpty: true }).slice(0, maxRef);
  return reward - refs.reduce((s, x) => s + x, 0) / refs.length;
}

/**
 * PAR as a stateless transform over a batch, using each sample's `context.refRewards`.
 * `null` passes through.
 *
 * @example
 * parTransform().update({ rewards: [1, null], context: { refRewards: [[0, 0.5, 2], []] } }, undefined).output;
 * // [0.5408198, null]
 * @remarks PAR (arXiv:2502.18770)
 */
export function parTransform(config: PreferenceAsRewardConfig = {}): RewardTransform<undefined> {
  const cfg = parseConfig(preferenceAsRewardConfig, config, "parTransform");
  return {
    init: () => undefined,
    update: (input) => {
      const rewards = checkRewardBatch(input.rewards, "parTransform");
      const refs = contextRefs(input, "parTransform");
      return { output: rewards.map((r, i) => (r === null ? null : preferenceAsReward(r, refs[i] as number[], cfg))), state: undefined };
    },
  };
}

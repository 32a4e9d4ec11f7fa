import { z } from "zod";
import { assertFiniteResult, describeValue, parseConfig, RLError } from "@rl/core/arrays";
import { checkNumbers, checkRewardBatch, contextRefs, type RewardTransform } from "./types.js";
import { applyParShaping, parShapingFields } from "./par-shaping.js";

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
 * PAR, Preference As Reward (docs/rewards/transforms.md): the reward model's own win probability of the
 * policy response against `M` reference responses of the same prompt,
 * `r_PAR = (1/M) Σ_m σ(k·(r − r_ref^(m)))`, over the first `maxRef` references.
 *
 * Defaults `k = 1`, `maxRef = 10`. Output in `(0, 1)`, increasing in `r`. No references → error.
 * This is the formula alone: {@link parTransform} adds the PAR code's ceiling and length penalty
 * (on by default there), applied before the sigmoid.
 *
 * @example
 * preferenceAsReward(1, [0, 0.5, 2]);          // 0.5408198
 * preferenceAsReward(1, [0, 0.5, 2], { k: 2 }); // 0.5770195
 * @remarks Fu et al., Reward Shaping to Mitigate Reward Hacking in RLHF (arXiv:2502.18770)
 */
export function preferenceAsReward(reward: number, refRewards: readonly number[], config: PreferenceAsRewardConfig = {}): number {
  const { k, maxRef } = parseConfig(preferenceAsRewardConfig, config, "preferenceAsReward");
  if (!Number.isFinite(reward)) throw new RLError("NON_FINITE", `preferenceAsReward: reward is ${describeValue(reward)}`);
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
  if (!Number.isFinite(reward)) throw new RLError("NON_FINITE", `centeredReward: reward is ${describeValue(reward)}`);
  const refs = checkNumbers(refRewards, "centeredReward", "refRewards", { nonEmpty: true }).slice(0, maxRef);
  const out = reward - refs.reduce((s, x) => s + x, 0) / refs.length;
  assertFiniteResult(out, "centeredReward", "the centered reward", "reward or refRewards overflow");
  return out;
}

/**
 * Config schema of {@link parTransform}: {@link preferenceAsRewardConfig} plus the steps the PAR
 * code runs before the sigmoid, with the code's defaults (PorUna-byte/PAR @ b8caf406,
 * `configs/config.py`): `rewardCeil` (`null`), `penalizeLength` (**true**), `genValidLen` (300),
 * `lenPenalty` (0.01).
 */
export const parTransformConfig = preferenceAsRewardConfig.extend(parShapingFields(true));
/** Input type of `parTransformConfig` (every field optional where it has a default). */
export type ParTransformConfig = z.input<typeof parTransformConfig>;

/**
 * PAR as a stateless transform over a batch: the PAR code's `RewardShaper.shaped_reward` with
 * `reward_sigmoid` and `reward_relative` (PorUna-byte/PAR @ b8caf406; conformance op
 * `reward.par`). Per sample, in this order:
 *
 *   r ← min(r, rewardCeil)                                   (when rewardCeil is set)
 *   r ← r − lenPenalty · max(0, len − genValidLen)           (when penalizeLength; len from context.responseLengths)
 *   r ← (1/M) Σ_{m ≤ maxRef} σ(k·(r − r_ref^(m)))            ({@link preferenceAsReward}, refs from context.refRewards)
 *
 * Defaults: `k = 1`, `maxRef = 10`, `rewardCeil = null`, `penalizeLength = true`,
 * `genValidLen = 300`, `lenPenalty = 0.01` — the code's defaults: its length penalty is on
 * (`--reward_penalize_length` is a `type=bool` flag that defaults to True) and comes before the
 * sigmoid. With the penalty on, `context.responseLengths` is required (`RLError` otherwise);
 * `penalizeLength: false` is PAR alone. `null` passes through.
 *
 * @example
 * parTransform({ penalizeLength: false }).update({ rewards: [1, null], context: { refRewards: [[0, 0.5, 2], []] } }, undefined).output;
 * // [0.5408198, null]
 * parTransform().update({ rewards: [1], context: { refRewards: [[0, 0.5, 2]], responseLengths: [350] } }, undefined).output;
 * // [0.4349616]  (r = 1 − 0.01·50 = 0.5 before the sigmoid)
 * @remarks PAR (arXiv:2502.18770)
 */
export function parTransform(config: ParTransformConfig = {}): RewardTransform<undefined> {
  const fn = "parTransform";
  const { k, maxRef, ...shaping } = parseConfig(parTransformConfig, config, fn);
  return {
    init: () => undefined,
    update: (input) => {
      const rewards = applyParShaping(checkRewardBatch(input.rewards, fn), input, shaping, fn);
      const refs = contextRefs(input, fn);
      return { output: rewards.map((r, i) => (r === null ? null : preferenceAsReward(r, refs[i] as number[], { k, maxRef }))), state: undefined };
    },
  };
}

import { z } from "zod";
import { parseConfig } from "@rl/core/arrays";
import { clipShaping, deltaShaping } from "@rl/credit";
import { checkNumbers } from "./types.js";

/** Config schema of {@link clipStepRewards} (zod; the defaults are the reference defaults). */
export const clipStepRewardsConfig = z.object({
  /** Threshold η (e.g. a mean PRM score); required — the paper's value is not verified. */
  eta: z.number(),
});
/** Input type of `clipStepRewardsConfig` (every field optional where it has a default). */
export type ClipStepRewardsConfig = z.input<typeof clipStepRewardsConfig>;

/**
 * PRM **Clip** shaping (Gao et al. 2024; docs/rewards/transforms.md): `p̃_k = min(p_k − η, 0)`. Every
 * step reward is ≤ 0, so adding steps can never raise the return (no reward farming by repeating
 * "good-looking" steps). Monotone in each `p_k`. `η ≤ min p` makes every reward 0. One home:
 * credit's `clipShaping` (batched, with a step mask); this is its one-trajectory view.
 *
 * @example
 * clipStepRewards([0.9, 0.3, 0.7], { eta: 0.5 }); // [0, -0.2, 0]
 * @remarks Gao et al., On Designing Effective RL Reward at Training Time for LLM Reasoning (arXiv:2410.15115)
 */
export function clipStepRewards(stepRewards: readonly number[], config: ClipStepRewardsConfig): number[] {
  const { eta } = parseConfig(clipStepRewardsConfig, config, "clipStepRewards");
  const p = checkNumbers(stepRewards, "clipStepRewards", "stepRewards");
  return p.length === 0 ? [] : Array.from(clipShaping([p], [p.map(() => 1)], { eta }).rewards.data);
}

/**
 * PRM **Delta** shaping (Gao et al. 2024; docs/rewards/transforms.md): `p̃_k = p_k − p_{k+1}` for `k < K`,
 * `p̃_K = p_K`. The return-to-go from step k telescopes to `p_k`, so a trajectory's return equals
 * its first step's score whatever its length. One step → identity; empty → empty. One home:
 * credit's `deltaShaping`; this is its one-trajectory view.
 *
 * @example
 * deltaStepRewards([0.9, 0.3, 0.7]); // [0.6, -0.4, 0.7]
 * @remarks Gao et al. (arXiv:2410.15115)
 */
export function deltaStepRewards(stepRewards: readonly number[]): number[] {
  const p = checkNumbers(stepRewards, "deltaStepRewards", "stepRewards");
  return p.length === 0 ? [] : Array.from(deltaShaping([p], [p.map(() => 1)]).rewards.data);
}

/**
 * Clip-Delta: {@link deltaStepRewards} of {@link clipStepRewards} (docs/rewards/transforms.md).
 *
 * @example
 * clipDeltaStepRewards([0.9, 0.3, 0.7], { eta: 0.5 }); // [0.2, -0.2, 0]
 * @remarks Gao et al. (arXiv:2410.15115)
 */
export function clipDeltaStepRewards(stepRewards: readonly number[], config: ClipStepRewardsConfig): number[] {
  return deltaStepRewards(clipStepRewards(stepRewards, config));
}

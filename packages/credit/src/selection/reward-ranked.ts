import { parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import type { GroupIds } from "../group/types.js";
import { droppedRows, finiteVector, selectionGroups, type SelectionResult } from "./types.js";

/** Input of {@link rewardRankedSelection}: a reward per row, and optionally the prompt id of each row. */
export interface RewardRankedInput {
  readonly rewards: MatrixLike | readonly number[];
  /** Prompt id per row; absent: the whole batch is one group (RAFT's global ranking). */
  readonly groups?: GroupIds | undefined;
}

/**
 * Config of {@link rewardRankedSelection} (RAFT defaults).
 * - `topK` (1): rows kept per group, best first (RAFT keeps the best of K samples per prompt).
 * - `minReward` (none): also drop kept rows whose score is below it (`"below-min-reward"`).
 */
export const rewardRankedConfig = z.object({
  /** Rows kept per group, highest reward first. */
  topK: z.number().int().positive().default(1),
  /** Also drop a kept row whose reward is below it. */
  minReward: z.number().optional(),
});
export type RewardRankedConfig = z.input<typeof rewardRankedConfig>;

/** Why {@link rewardRankedSelection} dropped a row. */
export type RewardRankedReason = "below-top-k" | "below-min-reward";

/**
 * RAFT reward-ranked selection (Reward rAnked FineTuning, arXiv:2304.06767): for each prompt,
 * rank its K sampled responses by reward and keep the best `topK` for supervised fine-tuning.
 *
 *   kept(g) = the topK rows of g with the highest s, ties to the lower row index
 *
 * Without `groups` the whole batch is ranked at once (the paper's global ranking: keep the best
 * `topK` of B). `kept` is in input row order. A group smaller than `topK` keeps every row.
 * Defaults: `topK` 1, no `minReward`.
 *
 * @example
 * const r = rewardRankedSelection({ rewards: [0.2, 0.9, 0.5, 0.1, 0.7, 0.7], groups: [0, 0, 0, 1, 1, 1] });
 * r.kept; // [1, 4]
 * r.dropped.map((d) => d.row); // [0, 2, 3, 5]
 */
export function rewardRankedSelection(input: RewardRankedInput, config: RewardRankedConfig = {}): SelectionResult<RewardRankedReason> {
  const fn = "rewardRankedSelection";
  const { topK, minReward } = parseConfig(rewardRankedConfig, config, fn);
  const rewards = finiteVector(input?.rewards, "rewards", fn);
  const rows = rewards.length;
  const { members } = selectionGroups(input.groups, rows, fn, "rewards");
  const reasons: (RewardRankedReason | undefined)[] = new Array<RewardRankedReason | undefined>(rows).fill(undefined);
  for (const rs of members) {
    const order = [...rs].sort((a, b) => (rewards[b] as number) - (rewards[a] as number) || a - b);
    order.forEach((i, rank) => {
      if (rank >= topK) reasons[i] = "below-top-k";
      else if (minReward !== undefined && (rewards[i] as number) < minReward) reasons[i] = "below-min-reward";
    });
  }
  const kept: number[] = [];
  for (let i = 0; i < rows; i++) if (reasons[i] === undefined) kept.push(i);
  return { kept, dropped: droppedRows(reasons) };
}

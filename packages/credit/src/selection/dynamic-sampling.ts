import { RLError, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import type { GroupIds } from "../group/types.js";
import { droppedRows, finiteVector, selectionGroups, type SelectionResult } from "./types.js";

/** Input of {@link dynamicSamplingFilter}: a per-row metric and the prompt id of each row. */
export interface DynamicSamplingInput {
  /**
   * The per-row metric a group must vary in (verl `filter_groups.metric`: `acc`, `score`,
   * `seq_reward` = Σ token scores, `seq_final_reward` = Σ token rewards), for every row generated
   * so far in this step, all generation rounds concatenated in order.
   */
  readonly rewards: MatrixLike | readonly number[];
  /** Prompt id per row. Ids must be unique per generation round (verl `uid`). */
  readonly groups: GroupIds;
}

/**
 * Config of {@link dynamicSamplingFilter} (verl DAPO recipe).
 * - `promptBatchSize` (required; verl `data.train_batch_size`): prompts per training batch.
 * - `rolloutsPerPrompt` (none; verl `actor_rollout_ref.rollout.n`): when given, a full batch is
 *   cut to its first `promptBatchSize · rolloutsPerPrompt` kept rows, as verl does
 *   (`batch[:traj_bsz]`); when absent, to the rows of its first `promptBatchSize` kept groups.
 */
export const dynamicSamplingConfig = z.object({
  /** Prompts per training batch (verl `data.train_batch_size`). */
  promptBatchSize: z.number().int().positive(),
  /** Responses sampled per prompt (verl `rollout.n`); when given, a full batch is cut to `promptBatchSize · rolloutsPerPrompt` rows. */
  rolloutsPerPrompt: z.number().int().positive().optional(),
});
export type DynamicSamplingConfig = z.input<typeof dynamicSamplingConfig>;

/** Why {@link dynamicSamplingFilter} dropped a row. */
export type DynamicSamplingReason = "zero-variance" | "overflow";

/** Result of {@link dynamicSamplingFilter}. */
export interface DynamicSamplingResult extends SelectionResult<DynamicSamplingReason> {
  /** Prompts whose group passed the filter (before the cut to a full batch). */
  readonly keptPrompts: number;
  /** `keptPrompts ≥ promptBatchSize`: train on `kept`; otherwise generate another round. */
  readonly full: boolean;
  /** Prompts still missing for a full batch (0 when full). */
  readonly missingPrompts: number;
}

/**
 * DAPO dynamic sampling (arXiv:2503.14476; verl `recipe/dapo/dapo_ray_trainer.py`, the
 * `filter_groups` branch, at verl commit 2bb42bae6^): drop every prompt group whose metric is the
 * same for all its rows (all correct or all wrong: zero advantage, no gradient), keep
 * generating until `promptBatchSize` prompts pass, then cut the batch to size.
 *
 *   keep group g  ⇔  |g| = 1  or  max_{i∈g} s_i > min_{i∈g} s_i
 *
 * Refill: call it on the concatenation of every round's rows so far; while `full` is false,
 * generate another round (verl stops with an error after `max_num_gen_batches` rounds, a loop
 * bound left to the caller) and call again. Kept rows are in input order. Reasons:
 * `"zero-variance"` (the group's rewards are all equal), `"overflow"` (passed, but past the full
 * batch). verl tests `np.std(values) > 0`, which float round-off can make positive for equal
 * non-dyadic values (e.g. three 0.1s); this tests the intent, exact equality.
 *
 * @example
 * const r = dynamicSamplingFilter(
 *   { rewards: [1, 0, 1, 1, 0, 0, 1, 0], groups: ["a", "a", "b", "b", "c", "c", "d", "d"] },
 *   { promptBatchSize: 1 },
 * );
 * r.kept; // [0, 1]
 * r.dropped.map((d) => `${d.row}:${d.reason}`).join(" "); // "2:zero-variance 3:zero-variance 4:zero-variance 5:zero-variance 6:overflow 7:overflow"
 */
export function dynamicSamplingFilter(input: DynamicSamplingInput, config: DynamicSamplingConfig): DynamicSamplingResult {
  const fn = "dynamicSamplingFilter";
  const { promptBatchSize, rolloutsPerPrompt } = parseConfig(dynamicSamplingConfig, config, fn);
  const rewards = finiteVector(input?.rewards, "rewards", fn);
  const rows = rewards.length;
  if (input.groups === undefined) throw new RLError("INVALID_INPUT", `${fn}: groups is required (one prompt id per row, number or string)`);
  const { of, members } = selectionGroups(input.groups, rows, fn, "rewards");
  const passes = members.map((rs) => {
    if (rs.length === 1) return true;
    let min = Infinity;
    let max = -Infinity;
    for (const i of rs) {
      min = Math.min(min, rewards[i] as number);
      max = Math.max(max, rewards[i] as number);
    }
    return max > min;
  });
  const keptPrompts = passes.filter(Boolean).length;
  const full = keptPrompts >= promptBatchSize;
  const reasons: (DynamicSamplingReason | undefined)[] = new Array<DynamicSamplingReason | undefined>(rows).fill(undefined);
  // The rank of each passing group by first appearance, for the cut by groups.
  const rank = new Int32Array(members.length).fill(-1);
  let r = 0;
  members.forEach((_, g) => {
    if (passes[g] === true) rank[g] = r++;
  });
  const kept: number[] = [];
  const rowLimit = rolloutsPerPrompt === undefined ? Infinity : promptBatchSize * rolloutsPerPrompt;
  for (let i = 0; i < rows; i++) {
    const g = of[i] as number;
    if (passes[g] !== true) reasons[i] = "zero-variance";
    else if (full && (rolloutsPerPrompt === undefined ? (rank[g] as number) >= promptBatchSize : kept.length >= rowLimit)) reasons[i] = "overflow";
    else kept.push(i);
  }
  return { kept, dropped: droppedRows(reasons), keptPrompts, full, missingPrompts: Math.max(0, promptBatchSize - keptPrompts) };
}

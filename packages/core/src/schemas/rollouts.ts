import { Matrix } from "../matrix/matrix.js";
import { parseInput } from "../config.js";
import { rolloutGroupSchema, type RolloutGroup } from "./data.js";
import { z } from "zod";

/** A padded batch of rollouts, ready for group credit (`@rl/credit`). Row `b` is response `b` in input order. */
export interface OutcomeBatch {
  /** Token ids `[B, T]`, `-1` on padding. */
  readonly tokenIds: Matrix;
  /** 0/1 mask `[B, T]` (the responses' masks; 0 on padding). */
  readonly mask: Matrix;
  /** Behaviour log-probs `[B, T]` (0 where absent or padded). */
  readonly logProbs: Matrix;
  /** Outcome reward placed on the last valid token of each row `[B, T]` (0 on a `null` row). */
  readonly tokenRewards: Matrix;
  /** Outcome reward per row `[B]` (0 on a `null` row: read `outcomes` to tell them apart). */
  readonly rewards: Matrix;
  /**
   * Outcome reward per row, `null` = "no signal" (`[B]`). Credit estimators read `rewards` and this
   * field (the deprecated name of their `rewards`, round 2) together: a `null` here agrees with the
   * 0 in `rewards`, so a `null` row stays in the batch with advantage 0 and out of its group's
   * statistics.
   */
  readonly outcomes: readonly (number | null)[];
  /** Group index per row (rows of one prompt share it). */
  readonly groups: readonly number[];
  /** `promptId` of each group index. */
  readonly promptIds: readonly string[];
  /** `promptTokenIds` of each group index (`null` when the group has none). */
  readonly promptTokenIds: readonly (readonly number[] | null)[];
  /** Each row's `finishReason` (`null` when unknown), for `maskTruncatedCompletions`. */
  readonly finishReasons: readonly (string | null)[];
}

/**
 * Pads rollout groups into one {@link OutcomeBatch}, one row per response in input order (group
 * by group). A response whose reward is `null` ("no signal") keeps its row: `outcomes[b]` is
 * `null`, `rewards` / `tokenRewards` hold 0 there, and every credit estimator gives it advantage
 * 0 (TRL's rule), so batch row `b` is always response `b`. Throws `RLError("INVALID_INPUT")`
 * naming the group and the field of bad data.
 *
 * @example
 * const batch = rolloutGroupsToBatch([{ promptId: "p", responses: [
 *   { tokenIds: [5, 6], reward: 1 }, { tokenIds: [5], reward: null }] }]);
 * batch.tokenRewards.toArray(); // [[0, 1], [0, 0]]
 * batch.outcomes; // [1, null]
 */
export function rolloutGroupsToBatch(groups: readonly RolloutGroup[]): OutcomeBatch {
  const parsed = parseInput(z.array(rolloutGroupSchema).min(1), groups, "rolloutGroupsToBatch", "groups");
  const rows: { g: number; r: RolloutGroup["responses"][number] }[] = [];
  parsed.forEach((group, g) => {
    for (const r of group.responses) rows.push({ g, r });
  });
  const B = rows.length;
  const T = Math.max(1, ...rows.map(({ r }) => r.tokenIds.length));
  const tokenIds = Matrix.full([B, T], -1);
  const mask = Matrix.zeros([B, T]);
  const logProbs = Matrix.zeros([B, T]);
  const tokenRewards = Matrix.zeros([B, T]);
  const rewards = Matrix.zeros([B]);
  rows.forEach(({ r }, i) => {
    const n = r.tokenIds.length;
    let last = -1;
    for (let t = 0; t < n; t++) {
      tokenIds.set(i, t, r.tokenIds[t] as number);
      const m = r.mask?.[t] ?? 1;
      mask.set(i, t, m);
      if (m === 1) last = t;
      logProbs.set(i, t, r.logProbs?.[t] ?? 0);
    }
    if (r.reward === null) return;
    rewards.data[i] = r.reward;
    if (last >= 0) tokenRewards.set(i, last, r.reward);
  });
  return {
    tokenIds,
    mask,
    logProbs,
    tokenRewards,
    rewards,
    outcomes: rows.map(({ r }) => r.reward),
    groups: rows.map(({ g }) => g),
    promptIds: parsed.map((group) => group.promptId),
    promptTokenIds: parsed.map((group) => group.promptTokenIds ?? null),
    finishReasons: rows.map(({ r }) => r.finishReason ?? null),
  };
}

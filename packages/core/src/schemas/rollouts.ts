import { RLError } from "../errors.js";
import { Matrix } from "../matrix/matrix.js";
import { parseInput } from "../config.js";
import { rolloutGroupSchema, type RolloutGroup } from "./data.js";
import { z } from "zod";

/** A padded batch of rollouts, ready for group credit (`@rl/credit`). */
export interface OutcomeBatch {
  /** Token ids `[B, T]`, `-1` on padding. */
  readonly tokenIds: Matrix;
  /** 0/1 mask `[B, T]` (the responses' masks; 0 on padding). */
  readonly mask: Matrix;
  /** Behaviour log-probs `[B, T]` (0 where absent or padded). */
  readonly logProbs: Matrix;
  /** Outcome reward placed on the last valid token of each row `[B, T]`. */
  readonly tokenRewards: Matrix;
  /** Outcome reward per row `[B]`. */
  readonly rewards: Matrix;
  /** Group index per row (rows of one prompt share it). */
  readonly groups: readonly number[];
  /** `promptId` of each group index. */
  readonly promptIds: readonly string[];
}

/**
 * Pads rollout groups into one {@link OutcomeBatch}. Responses whose reward is `null` ("no
 * signal") are dropped, never coerced to 0; a group left empty is dropped whole.
 * Throws `RLError("INVALID_INPUT")` naming the group and the field of bad data.
 *
 * @example
 * const batch = rolloutGroupsToBatch([{ promptId: "p", responses: [
 *   { tokenIds: [5, 6], reward: 1 }, { tokenIds: [5], reward: 0 }] }]);
 * batch.tokenRewards.toArray(); // [[0, 1], [0, 0]]
 * @remarks no paper
 */
export function rolloutGroupsToBatch(groups: readonly RolloutGroup[]): OutcomeBatch {
  const parsed = parseInput(z.array(rolloutGroupSchema), groups, "rolloutGroupsToBatch", "groups");
  const rows: { g: number; r: RolloutGroup["responses"][number] }[] = [];
  const promptIds: string[] = [];
  for (const group of parsed) {
    const kept = group.responses.filter((r) => r.reward !== null);
    if (kept.length === 0) continue;
    const g = promptIds.length;
    promptIds.push(group.promptId);
    for (const r of kept) rows.push({ g, r });
  }
  if (rows.length === 0) throw new RLError("INVALID_INPUT", "rolloutGroupsToBatch: no response carries a reward");
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
    rewards.data[i] = r.reward as number;
    if (last >= 0) tokenRewards.set(i, last, r.reward as number);
  });
  return { tokenIds, mask, logProbs, tokenRewards, rewards, groups: rows.map(({ g }) => g), promptIds };
}

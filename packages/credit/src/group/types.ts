import type { GroupIds, Matrix, MatrixLike } from "@rl/core/arrays";
import { z } from "zod";

/**
 * Prompt id of every row (`groups[b]`), `@rl/core`'s `GroupIds`; rows with equal ids form a
 * group (`Map` identity: `1` and `"1"` are different groups). Rows of a group need not be contiguous.
 */
export type { GroupIds } from "@rl/core/arrays";

/**
 * Input of the group (outcome) estimators: GRPO, RLOO, OPO, GPG, REINFORCE++-baseline.
 *
 * - `tokenRewards [B, T]`: the outcome reward placed on the last valid token (plus any KL or
 *   process tokens); the score of row b is `Σ_t tokenRewards[b][t]` (verl convention, unmasked).
 * - `rewards [B]` (optional): the scores themselves; when given they win over `tokenRewards`,
 *   which may then be omitted. A `null` reward means "no signal" (TRL: every reward function
 *   returned None): the row is left out of every group statistic and gets advantage 0.
 * - `outcomes [B]`: deprecated name of `rewards` (round 2), still accepted; giving both with
 *   different values throws (a `null` outcome agrees with a 0 reward, as `rolloutGroupsToBatch`
 *   writes them).
 * - `mask [B, T]`: 0/1, the response tokens that receive credit.
 * - `groups [B]`: prompt id per row.
 */
export interface GroupBatch {
  readonly tokenRewards?: MatrixLike;
  readonly rewards?: MatrixLike | readonly (number | null)[];
  /** @deprecated use `rewards` (the same per-row scores; accepted for one release). */
  readonly outcomes?: MatrixLike | readonly (number | null)[];
  readonly mask: MatrixLike;
  readonly groups: GroupIds;
}

/** Input of the token-level estimators (REINFORCE++, ReMax, GAE): rewards and mask `[B, T]`. */
export interface TokenRewardBatch {
  readonly tokenRewards: MatrixLike;
  readonly mask: MatrixLike;
}

/** Counts that explain a group estimator's output (no effect on the numbers). */
export interface GroupDiagnostics {
  /** Number of distinct groups. */
  readonly groups: number;
  /** Groups with a single row. */
  readonly singletonGroups: number;
  /** Groups of two or more rows whose scores are all equal (advantage 0). */
  readonly zeroStdGroups: number;
}

/**
 * What every credit assigner returns: per-token `advantages` and `returns` `[B, T]` (float32
 * Matrix unless the estimator's `dtype` says `"float64"`, see {@link outputDtype}), both exactly
 * 0 where `mask = 0`. For outcome estimators `returns` is the same Matrix as `advantages` (verl
 * returns the pair `(scores, scores)`).
 */
export interface AdvantageResult {
  readonly advantages: Matrix;
  readonly returns: Matrix;
  readonly diagnostics?: GroupDiagnostics;
}

export { outputDtype, type OutputDtype } from "../output.js";

/**
 * Caller-owned output storage of the broadcasting estimators (`out` option): a Float64Array or
 * Float32Array of exactly `B · T` entries. Every entry is overwritten (0 where `mask = 0`) and the
 * returned Matrix wraps it without a copy, so a training loop can reuse one buffer across steps
 * and skip allocating (and zeroing) `B · T` entries per call. Its type decides the storage; it
 * must not overlap `mask` or `tokenRewards`.
 */
export const outputBuffer = z
  .custom<Float64Array | Float32Array>((v) => v instanceof Float64Array || v instanceof Float32Array, {
    message: "out must be a Float64Array or Float32Array of B·T entries",
  })
  .optional();

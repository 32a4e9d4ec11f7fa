import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { Matrix, assertSameShape, toMatrix2D, type MatrixLike } from "../matrix/matrix.js";
import { tf } from "../tf.js";
import { describeValue } from "../validate.js";

/** Config of {@link rolloutTrainingBatch}. */
export const rolloutTrainingBatchConfig = z.object({
  /** Id written on padding (any valid id: padding is masked out). Default 0. */
  padTokenId: z.number().int().nonnegative().default(0),
  /** Clear `lossMask` on rows whose outcome is `null` (default false: TRL keeps them in the loss with advantage 0). */
  maskUnscored: z.boolean().default(false),
});
/** Input type of {@link rolloutTrainingBatchConfig}. */
export type RolloutTrainingBatchConfig = z.input<typeof rolloutTrainingBatchConfig>;

/** Input of {@link rolloutTrainingBatch}: a rollout batch (e.g. `rolloutGroupsToBatch`'s), its advantages and the prompts. */
export interface RolloutTrainingInput {
  /** Completion token ids `[B, L]` (any id where `mask` is 0, e.g. `-1`), the 0/1 `mask`, optional behaviour `logProbs`, and group indices. */
  readonly batch: {
    readonly tokenIds: MatrixLike;
    readonly mask: MatrixLike;
    readonly logProbs?: MatrixLike;
    readonly groups?: readonly number[];
    readonly outcomes?: readonly (number | null)[];
    readonly promptTokenIds?: readonly (readonly number[] | null)[];
  };
  /** Per-token advantages `[B, L]` over the completion (any `@rl/credit` estimator's output). */
  readonly advantages: MatrixLike;
  /**
   * Prompt ids: one list per row (`[B]`) or per group (`[G]`, indexed by `batch.groups`). Default
   * `batch.promptTokenIds` (the groups' own `promptTokenIds`).
   */
  readonly promptTokenIds?: readonly (readonly number[])[];
}

/** Result of {@link rolloutTrainingBatch}: every matrix `[B, T]`, aligned with the model's output on `tokenIds`. */
export interface RolloutTrainingBatch {
  /** Prompt then completion then `padTokenId` (never padding before a real token, so a causal model needs no attention mask). */
  readonly tokenIds: Matrix;
  /** 1 on prompt and completion tokens. */
  readonly attentionMask: Matrix;
  /** 1 on the completion tokens to train on (the rollout mask, shifted by the prompt). */
  readonly lossMask: Matrix;
  /** Behaviour log-probs at the completion positions, 0 elsewhere. */
  readonly oldLogProbs: Matrix;
  /** Advantages at the completion positions, 0 elsewhere. */
  readonly advantages: Matrix;
  /** Prompt length of each row (the completion starts at this column). */
  readonly promptLengths: readonly number[];
  /** The rollout row of each batch row (identity: nothing is dropped or reordered). */
  readonly rowIndex: readonly number[];
}

/**
 * A rollout batch (completion tokens `[B, L]`, `rolloutGroupsToBatch`'s layout) + prompt ids +
 * advantages → the `[B, T]` batch a causal model trains on, `T = max_b (P_b + L_b)`:
 *
 *   tokenIds[b] = prompt_b ++ completion_b ++ pad,   X[b, P_b + j] = x[b, j]  for X ∈ {lossMask, oldLogProbs, advantages}
 *
 * so `modelTokenLogProbs(model, tokenIds)[b, P_b + j]` is the log-prob of completion token `j`
 * (the logits at `t` score `t + 1`), aligned with `oldLogProbs` and `advantages`. Pass it to
 * `trainStep` through {@link batchTensors}. Replaces the hand glue "Matrix → arrays → prepend
 * the prompt → clamp the −1 padding → tensors".
 *
 * Edge cases: an empty prompt throws (its first completion token would have nothing to predict
 * it); ids under the mask are replaced by `padTokenId`; a `null` outcome keeps its row (advantage
 * as given, `lossMask` cleared only with `maskUnscored`). Shape mismatches throw `SHAPE_MISMATCH`
 * naming both shapes.
 *
 * @example
 * const t = rolloutTrainingBatch({
 *   batch: { tokenIds: [[7, 8], [9, -1]], mask: [[1, 1], [1, 0]] },
 *   advantages: [[0.5, 0.5], [-1, 0]],
 *   promptTokenIds: [[1, 2], [3]],
 * });
 * t.tokenIds.toArray(); // [[1, 2, 7, 8], [3, 9, 0, 0]]
 * t.advantages.toArray(); // [[0, 0, 0.5, 0.5], [0, -1, 0, 0]]
 */
export function rolloutTrainingBatch(input: RolloutTrainingInput, config: RolloutTrainingBatchConfig = {}): RolloutTrainingBatch {
  const fn = "rolloutTrainingBatch";
  const { padTokenId, maskUnscored } = parseConfig(rolloutTrainingBatchConfig, config, fn);
  if (typeof input !== "object" || input === null || typeof input.batch !== "object" || input.batch === null) {
    throw new RLError("INVALID_INPUT", `${fn}: input must be { batch, advantages, promptTokenIds? }`);
  }
  const ids = toMatrix2D(input.batch.tokenIds, "batch.tokenIds", fn);
  const mask = toMatrix2D(input.batch.mask, "batch.mask", fn);
  const adv = toMatrix2D(input.advantages, "advantages", fn);
  const old = input.batch.logProbs === undefined ? Matrix.zeros(mask.shape) : toMatrix2D(input.batch.logProbs, "batch.logProbs", fn);
  assertSameShape({ "batch.tokenIds": ids, "batch.mask": mask, advantages: adv, "batch.logProbs": old }, fn);
  const B = ids.rows;
  const L = ids.cols;
  const prompts = promptsPerRow(input, B, fn);
  const outcomes = input.batch.outcomes;
  if (outcomes !== undefined && outcomes.length !== B) throw new RLError("SHAPE_MISMATCH", `${fn}: batch.outcomes has ${outcomes.length} entries, batch.tokenIds has ${B} rows`);
  const lengths = new Array<number>(B).fill(0);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < L; j++) {
      const m = mask.get(b, j);
      if (m !== 0 && m !== 1) throw new RLError("INVALID_INPUT", `${fn}: batch.mask[${b}][${j}] is ${m}; expected 0 or 1`);
      if (m === 1) {
        const id = ids.get(b, j);
        if (!Number.isInteger(id) || id < 0) throw new RLError("INVALID_INPUT", `${fn}: batch.tokenIds[${b}][${j}] is ${id} under mask 1; expected a token id`);
        lengths[b] = j + 1;
      }
    }
  }
  const T = Math.max(...prompts.map((p, b) => p.length + (lengths[b] as number)));
  const tokenIds = Matrix.full([B, T], padTokenId);
  const attentionMask = Matrix.zeros([B, T]);
  const lossMask = Matrix.zeros([B, T]);
  const oldLogProbs = Matrix.zeros([B, T]);
  const advantages = Matrix.zeros([B, T]);
  prompts.forEach((p, b) => {
    const P = p.length;
    p.forEach((id, t) => {
      tokenIds.set(b, t, id);
      attentionMask.set(b, t, 1);
    });
    const keep = !(maskUnscored && outcomes?.[b] === null);
    for (let j = 0; j < (lengths[b] as number); j++) {
      const m = mask.get(b, j);
      tokenIds.set(b, P + j, m === 1 ? ids.get(b, j) : padTokenId);
      attentionMask.set(b, P + j, 1);
      if (m === 1 && keep) lossMask.set(b, P + j, 1);
      if (m === 1) {
        oldLogProbs.set(b, P + j, old.get(b, j));
        advantages.set(b, P + j, adv.get(b, j));
      }
    }
  });
  return { tokenIds, attentionMask, lossMask, oldLogProbs, advantages, promptLengths: prompts.map((p) => p.length), rowIndex: prompts.map((_, b) => b) };
}

function promptsPerRow(input: RolloutTrainingInput, B: number, fn: string): (readonly number[])[] {
  const groups = input.batch.groups;
  const given = input.promptTokenIds ?? input.batch.promptTokenIds;
  if (given === undefined) throw new RLError("INVALID_INPUT", `${fn}: promptTokenIds is required (per row or per group), or rollout groups that carry promptTokenIds`);
  let perRow: (readonly number[] | null | undefined)[];
  if (given.length === B) perRow = [...given];
  else if (groups !== undefined) {
    if (groups.length !== B) throw new RLError("SHAPE_MISMATCH", `${fn}: batch.groups has ${groups.length} entries, batch.tokenIds has ${B} rows`);
    perRow = groups.map((g, b) => {
      if (!Number.isInteger(g) || g < 0 || g >= given.length) throw new RLError("INVALID_INPUT", `${fn}: batch.groups[${b}] is ${g}; promptTokenIds has ${given.length} groups`);
      return given[g];
    });
  } else throw new RLError("SHAPE_MISMATCH", `${fn}: promptTokenIds has ${given.length} entries, batch.tokenIds has ${B} rows (and no batch.groups to index it by group)`);
  return perRow.map((p, b) => {
    if (p !== null && p !== undefined && !Array.isArray(p)) throw new RLError("INVALID_INPUT", `${fn}: the prompt of row ${b} must be a list of token ids, got ${describeValue(p)}`);
    if (p === null || p === undefined || p.length === 0) {
      throw new RLError("INVALID_INPUT", `${fn}: row ${b} has no prompt ids (its first completion token would have nothing to predict it)`);
    }
    p.forEach((id, t) => {
      if (!Number.isInteger(id) || id < 0) throw new RLError("INVALID_INPUT", `${fn}: the prompt of row ${b} has id ${id} at ${t}; token ids are non-negative integers`);
    });
    return p;
  });
}

/** The tensors of a batch's `[B, T]` matrices: `tokenIds` as int32, every other Matrix field float32. */
export type BatchTensors<T> = { [K in keyof T as T[K] extends Matrix ? K : never]: tf.Tensor2D };

/**
 * Turns every 2-D {@link Matrix} field of a batch (`preferenceBatch`, `rolloutTrainingBatch`, …)
 * into a tensor, `tokenIds` as int32 and the rest float32, ready for `trainStep`. Non-Matrix
 * fields are left out. The caller owns (and disposes) the tensors: `tf.dispose(Object.values(t))`.
 * @example
 * const t = batchTensors({ tokenIds: Matrix.from([[1, 2]]), lossMask: Matrix.from([[0, 1]]), rowIndex: [0] });
 * t.tokenIds.dtype; // "int32"
 */
export function batchTensors<T extends object>(batch: T): BatchTensors<T> {
  if (typeof batch !== "object" || batch === null) throw new RLError("INVALID_INPUT", `batchTensors: batch must be an object of Matrix fields, got ${describeValue(batch)}`);
  const out: Record<string, tf.Tensor2D> = {};
  try {
    for (const [key, value] of Object.entries(batch)) {
      if (!(value instanceof Matrix)) continue;
      if (value.shape.length !== 2) throw new RLError("SHAPE_MISMATCH", `batchTensors: ${key} is [${value.shape.join(",")}], expected [B, T]`);
      const shape: [number, number] = [value.rows, value.cols];
      out[key] = key === "tokenIds" ? tf.tensor2d(Int32Array.from(value.data), shape, "int32") : (value.toTensor() as tf.Tensor2D);
    }
  } catch (e) {
    tf.dispose(Object.values(out));
    throw e;
  }
  return out as BatchTensors<T>;
}

import { Matrix, RLError, assertMask, assertSameShape, parseConfig, toMatrix2D, toVector, type MatrixLike } from "@rl/core/arrays";
import { rowCutpoints, spoChainConfig, type SpoChainConfig } from "./spo-chain-cutpoints.js";
import { fillRowAdvantages, spoChainAdvantagesConfig, type CutValues, type SpoChainAdvantagesConfig } from "./spo-chain-advantages.js";
import { outputArray } from "../output.js";
import { requireArray, requireObject } from "../args.js";
import { renamedField } from "../batch-fields.js";

/**
 * SPO-chain cutpoints of every row of a padded batch (see {@link spoChainCutpoints}); only
 * tokens with mask 1 count, and states are token positions of the row (−1 = the prompt).
 *
 * @example
 * spoChainBatchCutpoints([[0.5, 0.95, 0.6, 0.99]], [[1, 1, 1, 0]]); // [Int32Array [-1]]
 * @remarks arXiv:2505.23564
 */
export function spoChainBatchCutpoints(probs: MatrixLike, mask: MatrixLike, config: SpoChainConfig = {}): Int32Array[] {
  const fn = "spoChainBatchCutpoints";
  const options = parseConfig(spoChainConfig, config, fn);
  const { p, m } = batchInputs(probs, mask, fn);
  const out: Int32Array[] = [];
  for (let b = 0; b < p.rows; b++) out.push(rowCutpoints(p.row(b), m.row(b), options, fn, `probs[${b}]`));
  return out;
}

/** Input of {@link spoChainBatchAdvantages}. */
export interface SpoChainBatch {
  /** Sampled-token probabilities `[B][T]`. */
  readonly probs: MatrixLike;
  /** 0/1 mask `[B][T]`; the last valid token is the terminal state. */
  readonly mask: MatrixLike;
  /** One {@link CutValues} per row (its cutpoints' Monte-Carlo values). */
  readonly cutValues: readonly CutValues[];
  /** Outcome of every row `[B]` (the glossary's `rewards`). */
  readonly rewards?: MatrixLike;
  /** @deprecated the old name of `rewards` (round 1); read for one release. */
  readonly scores?: MatrixLike;
}

/** Result of {@link spoChainBatchAdvantages}; matrices `[B][T]` in the config's `dtype`, 0 where mask = 0. */
export interface SpoChainBatchResult {
  readonly advantages: Matrix;
  /** A copy of `advantages` (the registry door's `{ advantages, returns }` shape; SPO has no separate returns). */
  readonly returns: Matrix;
  /** `mask ∧ p < ρ`. */
  readonly lossMask: Matrix;
  /** Cutpoints of every row. */
  readonly cutpoints: Int32Array[];
}

/**
 * SPO-chain advantages for a padded batch: {@link spoChainAdvantages} on every row, over its
 * valid tokens (SPO, arXiv:2505.23564: `A[t] = V(c_k) − V(c_{k−1})` on the low-probability tokens
 * of segment `(c_{k−1}, c_k]`, `V(terminal) = score`). Follow with {@link spoWhiten} for the
 * trainer's whitening (pass `dtype: "float64"` to whiten the unrounded values).
 * Defaults: ρ = 0.9, `interval` = 5, `dtype` = "float32" (`advantages`, `returns` and `lossMask`;
 * see {@link spoChainAdvantagesConfig}).
 * Throws `RLError` on an empty batch, mismatched shapes or counts, and missing cut values.
 *
 * @example
 * const r = spoChainBatchAdvantages({
 *   probs: [[0.5, 0.95, 0.6, 0.99]], mask: [[1, 1, 1, 1]], cutValues: [{ "-1": 0.3 }], rewards: [0],
 * });
 * r.advantages.toArray(); // [[-0.3, 0, -0.3, 0]]
 * @remarks arXiv:2505.23564
 */
export function spoChainBatchAdvantages(batch: SpoChainBatch, config: SpoChainAdvantagesConfig = {}): SpoChainBatchResult {
  const fn = "spoChainBatchAdvantages";
  const options = parseConfig(spoChainAdvantagesConfig, config, fn);
  requireObject(batch, "batch", fn);
  const { p, m } = batchInputs(batch.probs, batch.mask, fn);
  const B = p.rows;
  const T = p.cols;
  const rewardsIn = renamedField<MatrixLike>(batch, "rewards", "scores", fn);
  if (rewardsIn === undefined) throw new RLError("INVALID_INPUT", `${fn}: rewards is required (one outcome per row, [B])`);
  const scores = toVector(rewardsIn, "rewards", fn);
  if (scores.size !== B) throw new RLError("SHAPE_MISMATCH", `${fn}: rewards has ${scores.size} entries, probs has ${B} rows`);
  requireArray(batch.cutValues, "cutValues", fn);
  if (batch.cutValues.length !== B) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: cutValues has ${batch.cutValues.length} entries, probs has ${B} rows`);
  }
  const adv = outputArray(B * T, options.dtype);
  const lossMask = outputArray(B * T, options.dtype);
  const cutpoints: Int32Array[] = [];
  for (let b = 0; b < B; b++) {
    const pr = p.row(b);
    const mr = m.row(b);
    const cuts = rowCutpoints(pr, mr, options, fn, `probs[${b}]`);
    cutpoints.push(cuts);
    fillRowAdvantages(pr, mr, cuts, batch.cutValues[b] as CutValues, scores.data[b] as number, options, adv, lossMask, b * T, fn, `cutValues[${b}]`);
  }
  return {
    advantages: new Matrix(adv, [B, T]),
    returns: new Matrix(adv.slice(), [B, T]),
    lossMask: new Matrix(lossMask, [B, T]),
    cutpoints,
  };
}

function batchInputs(probs: MatrixLike, mask: MatrixLike, fn: string): { p: Matrix; m: Matrix } {
  const p = toMatrix2D(probs, "probs", fn);
  if (p.rows === 0) throw new RLError("INVALID_INPUT", `${fn}: the batch is empty (probs has 0 rows)`);
  const m = toMatrix2D(mask, "mask", fn);
  assertSameShape({ probs: p, mask: m }, fn);
  assertMask(m, "mask", fn);
  return { p, m };
}

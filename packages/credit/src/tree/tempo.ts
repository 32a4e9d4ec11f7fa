import { z } from "zod";
import { Matrix, RLError, assertMask, assertSameShape, indexGroups, parseConfig, splitNulls, toMatrix2D, toVector, type GroupIds, type GroupIndex, type MatrixLike } from "@rl/core/arrays";
import { buildPrefixForest, tokenIdsOf } from "./prefix-tree.js";
import { rowRewardsOf } from "../batch-fields.js";
import { groupStd, groupSums } from "../group/parse-batch.js";
import { outputArray, outputDtype } from "../output.js";

/**
 * Config of {@link tempoAdvantages} (defaults of the official TEMPO code, a verl fork).
 * - `epsilon` (1e-6): added to the group std.
 * - `normalizeByStd` (true): divide by `σ_g + ε`; false = Dr. GRPO style.
 * - `singleton` ("zeroMeanUnitStd"): a group of one row uses `μ = 0, σ = 1` (verl GRPO);
 *   `"zero"` gives it advantage 0, `"raw"` gives `s` unscaled, `"error"` throws.
 * - `interiorMask` ("stopAtFirst"): the reference stops the tree walk at a row's first masked
 *   token (later valid tokens keep the GRPO value); `"skip"` walks on over the valid tokens.
 * - `dtype` ("float32"): storage of `advantages` and `tdTerms` (see `outputDtype`); `"float64"`
 *   keeps every bit of the float64 arithmetic.
 */
export const tempoConfig = z.object({
  epsilon: z.number().nonnegative().default(1e-6),
  normalizeByStd: z.boolean().default(true),
  singleton: z.enum(["zeroMeanUnitStd", "zero", "raw", "error"]).default("zeroMeanUnitStd"),
  interiorMask: z.enum(["stopAtFirst", "skip"]).default("stopAtFirst"),
  dtype: outputDtype,
});
/** Input type of {@link tempoConfig}. */
export type TempoConfig = z.input<typeof tempoConfig>;

/** Input of {@link tempoAdvantages} (the registry door's `CreditBatch` plus `tokenIds`). */
export interface TempoBatch {
  /** `[B][T]`; the outcome `s_b = Σ_t tokenRewards[b][t]` (reward on the last valid token). Optional when `rewards` is given. */
  readonly tokenRewards?: MatrixLike;
  /** Token ids `[B][T]` (integers; padding ids are never read), as `rolloutGroupsToBatch` names them. */
  readonly tokenIds?: MatrixLike;
  /** @deprecated use `tokenIds` (accepted for one release; must agree with `tokenIds` if both are given). */
  readonly responses?: MatrixLike;
  /** 0/1 mask `[B][T]`. */
  readonly mask: MatrixLike;
  /** Prompt id of every row; rows with equal ids form a group (any order, any sizes). */
  readonly groups: GroupIds;
  /**
   * Optional per-row rewards `[B]`; when given they win over `Σ_t tokenRewards` (so KL tokens never leak
   * in). `null` = "no signal": the row is left out of the group statistics and of the tree, and
   * gets advantage 0 (TRL's rule).
   */
  readonly rewards?: MatrixLike | readonly (number | null)[];
  /** @deprecated use `rewards` (the same per-row scores; accepted for one release, must agree with `rewards` if both are given). */
  readonly outcomes?: MatrixLike | readonly (number | null)[];
}

/** Counts that describe a TEMPO batch. */
export interface TempoDiagnostics {
  /** Number of distinct groups. */
  readonly groups: number;
  /** Valid tokens with a nonzero TD term. */
  readonly branchTokens: number;
  /** Groups of one row. */
  readonly singletonGroups: number;
  /** Groups of two or more rows whose outcomes are all equal (advantage 0). */
  readonly zeroStdGroups: number;
  /** Rows with a `null` outcome (advantage 0). */
  readonly unscoredRows: number;
}

/** Result of {@link tempoAdvantages}; every matrix is `[B][T]` and 0 where mask = 0. */
export interface TempoResult {
  /** `A_{i,t}`. */
  readonly advantages: Matrix;
  /** The same Matrix as `advantages` (verl returns the same tensor twice; do not mutate one expecting the other unchanged). */
  readonly returns: Matrix;
  /** `δ_{i,t} = V(y_{≤t}) − V(y_{<t})` before the division by `σ_g + ε`. */
  readonly tdTerms: Matrix;
  readonly diagnostics: TempoDiagnostics;
}

/**
 * TEMPO (Tree-Estimated Mean Prefix value for Policy Optimization, arXiv:2509.18314): GRPO's
 * group-relative advantage plus a branch-gated TD correction from the group's prefix tree
 * ({@link prefixTree}):
 *
 *   δ_{i,t} = V(y_{≤t}) − V(y_{<t})                  (0 unless t is a branching token)
 *   A_{i,t} = [(s_i − μ_g) + δ_{i,t}] / (σ_g + ε)     (normalizeByStd; else no division)
 *
 * `μ_g`, `σ_g` are the mean and unbiased std of the group's outcomes and `V(root) = μ_g`. Where
 * no response of the group branches, δ = 0 and TEMPO is exactly GRPO.
 *
 * Runs in O(total valid tokens) (a trie with linked child lists), not the reference's O(B·T·G) scan, and takes
 * any number of groups in one batch (rows grouped by id, in any order).
 *
 * Edge cases: a group of one follows `singleton` (default `A = s/(1+ε)`, like verl GRPO; the
 * reference gives NaN); all-equal outcomes give 0 (δ is computed as sum/count in float64 and
 * |δ| < 1e-12·max|s| snaps to 0, so σ + ε cannot amplify rounding); outputs are 0 where
 * mask = 0; a `null` outcome leaves its row out (advantage 0); only valid tokens are compared
 * (the reference wrongly keeps a finished sibling when pad id = token id). Empty batch, mismatched shapes or non-finite input throw `RLError`.
 *
 * @example
 * const { advantages } = tempoAdvantages({
 *   tokenRewards: [[0, 1], [0, 0]], tokenIds: [[1, 2], [3, 4]], mask: [[1, 1], [1, 1]], groups: [0, 0],
 * });
 * advantages.toArray(); // [[1.414212, 0.707106], [-1.414212, -0.707106]]
 * @remarks arXiv:2509.18314
 */
export function tempoAdvantages(batch: TempoBatch, config: TempoConfig = {}): TempoResult {
  const fn = "tempoAdvantages";
  const { epsilon, normalizeByStd, singleton, interiorMask, dtype } = parseConfig(tempoConfig, config, fn);
  if (typeof batch !== "object" || batch === null) {
    throw new RLError("INVALID_INPUT", `${fn}: batch must be an object { tokenRewards, tokenIds, mask, groups }`);
  }
  const idsInput = tokenIdsOf(batch, fn);
  if (batch.mask === undefined) throw new RLError("INVALID_INPUT", `${fn}: mask is required`);
  if (batch.groups === undefined) throw new RLError("INVALID_INPUT", `${fn}: groups is required`);
  const rowRewards = rowRewardsOf<MatrixLike | readonly (number | null)[]>(batch, fn);
  if (batch.tokenRewards === undefined && rowRewards === undefined) {
    throw new RLError("INVALID_INPUT", `${fn}: give tokenRewards [B][T] or rewards [B]`);
  }
  const first = batch.tokenRewards !== undefined ? "tokenRewards" : "mask";
  const tokenRewards = batch.tokenRewards !== undefined ? toMatrix2D(batch.tokenRewards, "tokenRewards", fn) : undefined;
  const mask = toMatrix2D(batch.mask, "mask", fn, { finite: false }); // assertMask rejects non-finite
  if ((tokenRewards ?? mask).rows === 0) throw new RLError("INVALID_INPUT", `${fn}: the batch is empty (${first} has 0 rows)`);
  const tokenIds = toMatrix2D(idsInput, "tokenIds", fn, { finite: false }); // ids checked where valid
  if (tokenRewards !== undefined) assertSameShape({ tokenRewards, tokenIds, mask }, fn);
  else assertSameShape({ mask, tokenIds }, fn);
  assertMask(mask, "mask", fn);
  const B = mask.rows;
  const T = mask.cols;
  const groups = indexGroups(batch.groups, B, { fn, rowsName: first, optional: true });

  const scores = new Float64Array(B);
  let unscored: Uint8Array | undefined;
  if (rowRewards !== undefined) {
    const split = splitNulls(rowRewards);
    unscored = split.missing;
    const v = toVector(split.values as MatrixLike, "rewards", fn);
    if (v.size !== B) throw new RLError("SHAPE_MISMATCH", `${fn}: rewards has ${v.size} entries, ${first} has ${B} rows`);
    scores.set(v.data);
  } else {
    const r = (tokenRewards as Matrix).data;
    for (let b = 0; b < B; b++) {
      let s = 0;
      for (let k = b * T, end = k + T; k < end; k++) s += r[k] as number;
      scores[b] = s;
    }
  }

  // Group statistics (float64), GRPO's own: per-group sum / min / max and the unbiased std over
  // the scored rows (`groupSums`, `groupStd`); max |s| for the δ snap from the min and max.
  const G = groups.ids.length;
  const scored = scoredGroups(groups, unscored);
  const size = scored.sizes; // scored rows per group
  const unscoredRows = B - size.reduce((n, k) => n + k, 0);
  const sums = groupSums(scores, scored);
  const mean = new Float64Array(G);
  const maxAbs = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    const n = size[g] as number;
    mean[g] = n > 0 ? (sums.sum[g] as number) / n : 0;
    maxAbs[g] = n > 0 ? Math.max(Math.abs(sums.min[g] as number), Math.abs(sums.max[g] as number)) : 0;
  }
  const stds = groupStd(scores, scored, mean);
  const denom = new Float64Array(G);
  let singletonGroups = 0;
  let zeroStdGroups = 0;
  // denom[g]: σ+ε or 1 (division, as GRPO, so non-branching tokens equal GRPO bit for bit);
  // zero[g] = 1 for singleton groups under "zero"; singleton groups use mean 0.
  const zero = new Uint8Array(G);
  for (let g = 0; g < G; g++) {
    const n = size[g] as number;
    if (n === 0) continue; // every row unscored: all advantages 0
    if (n === 1) {
      singletonGroups++;
      if (singleton === "error") {
        throw new RLError("INVALID_INPUT", `${fn}: group ${String(groups.ids[g])} has one row (config singleton: "error")`);
      }
      mean[g] = 0;
      if (singleton === "zero") zero[g] = 1;
      denom[g] = singleton === "raw" || !normalizeByStd ? 1 : 1 + epsilon;
      continue;
    }
    const std = stds[g] as number;
    if (std === 0) zeroStdGroups++;
    denom[g] = normalizeByStd ? std + epsilon : 1;
  }

  const forest = buildPrefixForest(tokenIds, mask, scores, groups, interiorMask === "skip", fn, unscored);
  const { nodeAfter, parent, count, value } = forest;
  const m = mask.data;
  const adv = outputArray(B * T, dtype);
  const td = outputArray(B * T, dtype);
  let branchTokens = 0;
  for (let b = 0; b < B; b++) {
    if (unscored !== undefined && unscored[b] === 1) continue;
    const g = groups.of[b] as number;
    if (zero[g] === 1) continue;
    const k0 = size[g] === 1 ? 1 : 0; // singleton: chain, δ = 0 everywhere
    const d = denom[g] as number;
    const base = (scores[b] as number) - (mean[g] as number);
    const grpo = base / d;
    const snap = 1e-12 * (maxAbs[g] as number);
    for (let k = b * T, end = k + T; k < end; k++) {
      if ((m[k] as number) === 0) continue;
      const node = nodeAfter[k] as number;
      if (k0 === 1 || node < 0) {
        adv[k] = grpo;
        continue;
      }
      const p = parent[node] as number;
      if (count[node] === count[p]) {
        adv[k] = grpo;
        continue;
      }
      let delta = (value[node] as number) - (value[p] as number);
      if (Math.abs(delta) < snap) delta = 0;
      if (delta !== 0) branchTokens++;
      td[k] = delta;
      adv[k] = (base + delta) / d;
    }
  }
  const shape = [B, T];
  const advantages = new Matrix(adv, shape);
  return {
    advantages,
    returns: advantages,
    tdTerms: new Matrix(td, shape),
    diagnostics: { groups: G, branchTokens, singletonGroups, zeroStdGroups, unscoredRows },
  };
}

/** `groups` without the unscored rows (`of[b] = −1`, sizes of scored rows), for the GRPO statistics. */
function scoredGroups(groups: GroupIndex, unscored: Uint8Array | undefined): GroupIndex {
  if (unscored === undefined) return groups;
  const of = Int32Array.from(groups.of);
  const sizes = new Int32Array(groups.count);
  for (let b = 0; b < of.length; b++) {
    if (unscored[b] === 1) of[b] = -1;
    else sizes[of[b] as number] = (sizes[of[b] as number] as number) + 1;
  }
  return { ids: groups.ids, of, sizes, count: groups.count };
}

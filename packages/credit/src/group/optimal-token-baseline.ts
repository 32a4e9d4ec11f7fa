import { Matrix, RLError, assertSameShape, groupMembers, indexGroups, parseConfig, type GroupIndex, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { matrix2D } from "./parse-batch.js";
import { outputDtype, type AdvantageResult, type GroupIds } from "./types.js";
import { outputArray } from "../output.js";

/**
 * Input of {@link optimalTokenBaselineAdvantages} and {@link tirOptimalTokenBaselineAdvantages}
 * (all `[B, T]` except `groups`):
 * - `tokenRewards`, `mask` (0/1), `groups` (prompt id per row), as for the group estimators;
 * - `oldLogProbs`: log π(y_t) of the sampled token under the policy that generated it (verl
 *   `old_log_probs`);
 * - `sumPiSquared`: Σ_v π(v)² over the vocabulary at each position (verl `sum_pi_squared`,
 *   `exp(logsumexp(2·logits) − 2·logsumexp(logits))`);
 * - `rolloutIsWeights` (optional): truncated importance weights ρ̄_t (verl `rollout_is_weights`);
 *   W is then built from `ρ̄_t² · w_t`.
 */
export interface OptimalTokenBaselineBatch {
  readonly tokenRewards: MatrixLike;
  readonly mask: MatrixLike;
  readonly groups: GroupIds;
  readonly oldLogProbs: MatrixLike;
  readonly sumPiSquared: MatrixLike;
  readonly rolloutIsWeights?: MatrixLike | undefined;
}

/**
 * Config of {@link optimalTokenBaselineAdvantages} (verl defaults).
 * - `handleZeroTail` (false): when one row of a group is strictly the longest, its baseline is
 *   set to 0 from the second-longest length on (there no other row shares the timestep).
 * - `epsilon` (1e-8): added to the denominator Σ W.
 * - `dtype` ("float32"): storage of `advantages` and `returns` (see `outputDtype`).
 */
export const optimalTokenBaselineConfig = z.object({
  /** Zero the baseline of a group's strictly longest row from the second-longest length on (verl `handle_zero_tail`). */
  handleZeroTail: z.boolean().default(false),
  /** ε added to the denominator Σ W of the per-token baseline. */
  epsilon: z.number().nonnegative().default(1e-8),
  dtype: outputDtype,
});
export type OptimalTokenBaselineConfig = z.input<typeof optimalTokenBaselineConfig>;

/** Config of {@link tirOptimalTokenBaselineAdvantages}: as OTB's, but `handleZeroTail` defaults to true (verl). */
export const tirOptimalTokenBaselineConfig = optimalTokenBaselineConfig.extend({
  /** As OTB's, on by default (verl): in valid-token index. */
  handleZeroTail: z.boolean().default(true),
});
export type TirOptimalTokenBaselineConfig = z.input<typeof tirOptimalTokenBaselineConfig>;

// Log-probabilities and Σπ² a little outside their ranges (float32 round-off of a log-softmax)
// are accepted; further out the path-variance weight could turn negative.
const RANGE_SLACK = 1e-4;

interface OtbParsed {
  rows: number;
  cols: number;
  mask: Float64Array;
  /** Reward-to-go G_t = Σ_{s ≥ t} r_s m_s (unmasked, verl). */
  returns: Float64Array;
  /** Cumulative path variance W_t = Σ_{s ≤ t} ρ̄_s² (1 − 2π_s + Σπ²_s) m_s. */
  wCum: Float64Array;
  lengths: Int32Array;
  index: GroupIndex;
}

function parseOtb(batch: unknown, fn: string): OtbParsed {
  if (typeof batch !== "object" || batch === null) {
    throw new RLError("INVALID_INPUT", `${fn}: batch must be an object { tokenRewards, mask, groups, oldLogProbs, sumPiSquared }`);
  }
  const b = batch as Record<string, unknown>;
  const rewardsM = matrix2D(b.tokenRewards, "tokenRewards", fn);
  const maskM = matrix2D(b.mask, "mask", fn);
  const lpM = matrix2D(b.oldLogProbs, "oldLogProbs", fn);
  const spM = matrix2D(b.sumPiSquared, "sumPiSquared", fn);
  const shapes: Record<string, Matrix> = { tokenRewards: rewardsM, mask: maskM, oldLogProbs: lpM, sumPiSquared: spM };
  const isM = b.rolloutIsWeights === undefined ? undefined : matrix2D(b.rolloutIsWeights, "rolloutIsWeights", fn);
  if (isM !== undefined) shapes.rolloutIsWeights = isM;
  assertSameShape(shapes, fn);
  const { rows, cols } = maskM;
  if (rows === 0 || cols === 0) throw new RLError("INVALID_INPUT", `${fn}: the batch is empty (mask has shape [${rows},${cols}]); expected at least one row and one token`);
  const r = rewardsM.data;
  const m = maskM.data;
  const lp = lpM.data;
  const sp = spM.data;
  const isw = isM?.data;
  const mask = new Float64Array(rows * cols);
  const returns = new Float64Array(rows * cols);
  const wCum = new Float64Array(rows * cols);
  const lengths = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    let W = 0;
    let n = 0;
    for (let t = 0; t < cols; t++) {
      const k = base + t;
      const mv = m[k] as number;
      if (mv !== 0 && mv !== 1) throw new RLError("INVALID_INPUT", `${fn}: mask[${i}][${t}] is ${mv}; a mask holds only 0 and 1`);
      const rv = r[k] as number;
      const lv = lp[k] as number;
      const sv = sp[k] as number;
      if (!Number.isFinite(rv)) throw new RLError("NON_FINITE", `${fn}: tokenRewards[${i}][${t}] is ${rv}; expected a finite number`);
      if (!Number.isFinite(lv)) throw new RLError("NON_FINITE", `${fn}: oldLogProbs[${i}][${t}] is ${lv}; expected a finite number`);
      if (!Number.isFinite(sv)) throw new RLError("NON_FINITE", `${fn}: sumPiSquared[${i}][${t}] is ${sv}; expected a finite number`);
      let rho2 = 1;
      if (isw !== undefined) {
        const q = isw[k] as number;
        if (!Number.isFinite(q) || q < 0) throw new RLError("INVALID_INPUT", `${fn}: rolloutIsWeights[${i}][${t}] is ${q}; expected a finite weight ≥ 0`);
        rho2 = q * q;
      }
      mask[k] = mv;
      if (mv === 1) {
        if (lv > RANGE_SLACK) throw new RLError("INVALID_INPUT", `${fn}: oldLogProbs[${i}][${t}] is ${lv}; a log-probability is ≤ 0`);
        if (sv < -RANGE_SLACK || sv > 1 + RANGE_SLACK) throw new RLError("INVALID_INPUT", `${fn}: sumPiSquared[${i}][${t}] is ${sv}; Σπ² lies in [0, 1]`);
        const pi = Math.exp(lv);
        if (sv < pi * pi - RANGE_SLACK) {
          throw new RLError("INVALID_INPUT", `${fn}: sumPiSquared[${i}][${t}] is ${sv}, below π² = ${pi * pi} of the sampled token (oldLogProbs ${lv}); Σπ² ≥ π²`);
        }
        W += (1 - 2 * pi + sv) * rho2;
        n++;
      }
      wCum[k] = W;
    }
    let G = 0;
    for (let t = cols - 1; t >= 0; t--) {
      const k = base + t;
      G += (r[k] as number) * (mask[k] as number);
      returns[k] = G;
    }
    if (!Number.isFinite(G)) throw new RLError("NON_FINITE", `${fn}: tokenRewards row ${i} sums to a non-finite number (overflow)`);
    lengths[i] = n;
  }
  const index = indexGroups(b.groups, rows, { fn, rowsName: "tokenRewards" });
  return { rows, cols, mask, returns, wCum, lengths, index };
}

/** verl's zero tail: the row that is strictly the longest of its group, and the second-longest length. */
function zeroTail(rowsOfGroup: readonly number[], lengths: Int32Array): { row: number; from: number } | undefined {
  const ls = rowsOfGroup.map((i) => lengths[i] as number).sort((a, c) => a - c);
  const max = ls[ls.length - 1] as number;
  const second = ls[ls.length - 2] as number;
  const longest = rowsOfGroup.filter((i) => lengths[i] === max);
  return longest.length === 1 && max > second ? { row: longest[0] as number, from: second } : undefined;
}

/**
 * Writes B_k = Σ_i R(i,k) W(i,k) / (Σ_i W(i,k) + ε) for k < width into `baselines` (row stride
 * `width`) for the rows of one group of two or more, then verl's zero tail when asked.
 */
function groupBaseline(
  members: readonly number[],
  width: number,
  valueAt: (i: number, k: number) => { r: number; w: number },
  epsilon: number,
  baselines: Float64Array,
  zeroTailOf: { lengths: Int32Array } | undefined,
): void {
  for (let k = 0; k < width; k++) {
    let num = 0;
    let den = 0;
    for (const i of members) {
      const { r, w } = valueAt(i, k);
      num += r * w;
      den += w;
    }
    const bk = num / (den + epsilon);
    for (const i of members) baselines[i * width + k] = bk;
  }
  if (zeroTailOf !== undefined) {
    const tail = zeroTail(members, zeroTailOf.lengths);
    if (tail !== undefined) baselines.fill(0, tail.row * width + tail.from, tail.row * width + width);
  }
}

function finish(adv: Float64Array, ret: Float64Array, mask: Float64Array, rows: number, cols: number, dtype: "float32" | "float64", fn: string): AdvantageResult {
  const a = outputArray(rows * cols, dtype);
  const g = outputArray(rows * cols, dtype);
  for (let k = 0; k < rows * cols; k++) {
    if (mask[k] !== 1) continue;
    const v = adv[k] as number;
    if (!Number.isFinite(v)) throw new RLError("NON_FINITE", `${fn}: advantage [${Math.floor(k / cols)}][${k % cols}] is ${v} (overflow)`);
    a[k] = v === 0 ? 0 : v;
    const w = ret[k] as number;
    g[k] = w === 0 ? 0 : w;
  }
  return { advantages: new Matrix(a, [rows, cols]), returns: new Matrix(g, [rows, cols]) };
}

/**
 * Optimal Token Baseline advantages (OTB; Li et al., arXiv:2602.07078; verl
 * `compute_optimal_token_baseline_advantage`, `verl/trainer/ppo/core_algos.py` at commit
 * b178a3cd56f58b2d502255daba591e92833930a7, `algorithm.adv_estimator=optimal_token_baseline`).
 * A per-timestep baseline for each prompt group, weighted by the "realized energy" (cumulative
 * path variance) of every trajectory up to that token:
 *
 *   G_{i,t} = Σ_{s ≥ t} r_{i,s} m_{i,s}                       (reward-to-go)
 *   w_{i,t} = ρ̄_{i,t}² (1 − 2 π_{i,t} + Σ_v π_{i,t}(v)²)     (‖∇ log π‖² proxy; ρ̄ = 1 without IS)
 *   W_{i,t} = Σ_{s ≤ t} w_{i,s} m_{i,s}
 *   B_t     = Σ_{i∈g} G_{i,t} W_{i,t} m_{i,t} / (Σ_{i∈g} W_{i,t} m_{i,t} + ε)
 *   A_{i,t} = (G_{i,t} − B_t) · m_{i,t}
 *
 * Timesteps are aligned by column (right-padded responses). Defaults: `epsilon` 1e-8,
 * `handleZeroTail` false (verl). Edge cases: a group of one gets baseline 0 (A = G); a column no
 * row of the group reaches has Σ W = 0 and baseline 0; `returns` is G, 0 where `mask = 0` (verl
 * leaves G unmasked inside a row's holes; no loss reads it there). Inputs must be finite,
 * `oldLogProbs ≤ 0` and `π² ≤ sumPiSquared ≤ 1` on valid tokens (1e-4 slack; then every
 * w ≥ (1 − π)² ≥ 0), else `RLError`.
 *
 * @example
 * const r = optimalTokenBaselineAdvantages({
 *   tokenRewards: [[0, 1], [0, 0]], mask: [[1, 1], [1, 1]], groups: [0, 0],
 *   oldLogProbs: [[Math.log(0.5), Math.log(0.5)], [Math.log(0.8), Math.log(0.5)]],
 *   sumPiSquared: [[0.5, 0.5], [0.68, 0.5]],
 * }, { dtype: "float64" });
 * r.advantages.toArray().map((row) => row.map((x) => +x.toFixed(4))); // [[0.1379, 0.3671], [-0.8621, -0.6329]]
 */
export function optimalTokenBaselineAdvantages(batch: OptimalTokenBaselineBatch, config: OptimalTokenBaselineConfig = {}): AdvantageResult {
  const fn = "optimalTokenBaselineAdvantages";
  const { handleZeroTail, epsilon, dtype } = parseConfig(optimalTokenBaselineConfig, config, fn);
  const p = parseOtb(batch, fn);
  const { rows, cols, mask, returns, wCum, lengths } = p;
  const baselines = new Float64Array(rows * cols);
  for (const members of groupMembers(p.index)) {
    if (members.length < 2) continue;
    const at = (i: number, t: number): { r: number; w: number } => {
      const k = i * cols + t;
      return { r: returns[k] as number, w: (wCum[k] as number) * (mask[k] as number) };
    };
    groupBaseline(members, cols, at, epsilon, baselines, handleZeroTail ? { lengths } : undefined);
  }
  const adv = new Float64Array(rows * cols);
  for (let k = 0; k < rows * cols; k++) adv[k] = ((returns[k] as number) - (baselines[k] as number)) * (mask[k] as number);
  return finish(adv, returns, mask, rows, cols, dtype, fn);
}

/**
 * Multi-turn Optimal Token Baseline (verl `compute_multi_turn_optimal_token_baseline_advantage`,
 * `algorithm.adv_estimator=tir_optimal_token_baseline`, `verl/trainer/ppo/core_algos.py` at commit
 * b178a3cd56f58b2d502255daba591e92833930a7). The formula of {@link optimalTokenBaselineAdvantages},
 * with timesteps aligned by the index k of the row's k-th valid token instead of by column, so
 * the tool-output holes of a multi-turn mask do not shift one trajectory against another:
 *
 *   Ĝ_{i,k}, Ŵ_{i,k} = G, W at the k-th position where m_i = 1 (0 for k ≥ ℓ_i)
 *   B_k = Σ_{i∈g} Ĝ_{i,k} Ŵ_{i,k} / (Σ_{i∈g} Ŵ_{i,k} + ε)       A at the k-th valid token = Ĝ_{i,k} − B_k
 *
 * Defaults: `epsilon` 1e-8, `handleZeroTail` true (verl; in valid-token index). Rows without a
 * valid token belong to no group and get 0; a group of one gets baseline 0 (A = G). On
 * right-padded masks it equals OTB with the same `handleZeroTail`, except that OTB counts empty
 * rows as group members.
 *
 * @example
 * const r = tirOptimalTokenBaselineAdvantages({
 *   tokenRewards: [[0, 0, 1], [0, 0, 0]], mask: [[1, 0, 1], [1, 1, 0]], groups: [0, 0],
 *   oldLogProbs: [[Math.log(0.5), 0, Math.log(0.5)], [Math.log(0.8), Math.log(0.5), 0]],
 *   sumPiSquared: [[0.5, 1, 0.5], [0.68, 0.5, 1]],
 * }, { dtype: "float64" });
 * r.advantages.toArray().map((row) => row.map((x) => +x.toFixed(4))); // [[0.1379, 0, 0.3671], [-0.8621, -0.6329, 0]]
 */
export function tirOptimalTokenBaselineAdvantages(batch: OptimalTokenBaselineBatch, config: TirOptimalTokenBaselineConfig = {}): AdvantageResult {
  const fn = "tirOptimalTokenBaselineAdvantages";
  const { handleZeroTail, epsilon, dtype } = parseConfig(tirOptimalTokenBaselineConfig, config, fn);
  const p = parseOtb(batch, fn);
  const { rows, cols, mask, returns, wCum, lengths } = p;
  let maxLen = 0;
  for (let i = 0; i < rows; i++) maxLen = Math.max(maxLen, lengths[i] as number);
  // Compacted views: position k of row i is its k-th valid token.
  const pos = new Int32Array(rows * maxLen).fill(-1);
  for (let i = 0; i < rows; i++) {
    let k = 0;
    for (let t = 0; t < cols; t++) if (mask[i * cols + t] === 1) pos[i * maxLen + k++] = i * cols + t;
  }
  const at = (i: number, k: number): { r: number; w: number } => {
    const q = pos[i * maxLen + k] as number;
    return q < 0 ? { r: 0, w: 0 } : { r: returns[q] as number, w: wCum[q] as number };
  };
  const baselines = new Float64Array(rows * maxLen);
  for (const members of groupMembers(p.index).map((rows) => rows.filter((i) => lengths[i] !== 0))) {
    if (members.length >= 2) groupBaseline(members, maxLen, at, epsilon, baselines, handleZeroTail ? { lengths } : undefined);
  }
  const adv = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < (lengths[i] as number); k++) {
      const q = pos[i * maxLen + k] as number;
      adv[q] = (returns[q] as number) - (baselines[i * maxLen + k] as number);
    }
  }
  return finish(adv, returns, mask, rows, cols, dtype, fn);
}

import { Matrix, RLError, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import {
  finiteVector,
  rowsOfGroups,
  lastValidToken,
  maskLike,
  nonEmptyMatrix,
  requireList,
  sameShape,
  nonEmptyMask,
  type GroupId,
} from "./batch-checks.js";
import { outputDtype, outputMatrix, assertFiniteOutput } from "../output.js";
import { minFormRewards } from "./min-form.js";
import { checkStepEnds } from "./place-step-rewards.js";
import { requireObject } from "../args.js";

/** Config of {@link pureRewards} and {@link pureAdvantages}. */
export const pureConfig = z.object({
  /** Min-form softmax temperature τ. Default 0.1. */
  temperature: z.number().positive().default(0.1),
  /** Softmax weights (`true`) or uniform `1/K` (`false`, PURE's `disable_weighted_reward`). Default `true`. */
  weighted: z.boolean().default(true),
  /**
   * Leave-one-out baseline on process rewards: `"token"` (released script; avoids the
   * fewer-steps bias), `"step"` (CLI default), `"none"`. Default `"token"`.
   */
  baseline: z.enum(["token", "step", "none"]).default("token"),
  /** `"PRMVR"`: process + verifiable reward; `"PRM"`: process only; `"VR"`: verifiable only. Default `"PRMVR"`. */
  mode: z.enum(["PRMVR", "PRM", "VR"]).default("PRMVR"),
  /** Weight of the verifiable reward. Default 1. */
  verifiableCoef: z.number().default(1),
  /** KL coefficient β_KL: `r_t −= β_KL·tokenKl_t` when `tokenKl` is given. Default 0.001 (PURE's script). */
  klCoef: z.number().nonnegative().default(0.001),
  /** Batch-normalise advantages over valid non-separator tokens (biased var, `rsqrt(max(var, 1e-8))`). Default `true`. */
  normalize: z.boolean().default(true),
  /**
   * Storage of the `[B][T]` outputs of {@link pureAdvantages} (`advantages`, `returns`,
   * `tokenRewards`, `separatorMask`; see `outputDtype`); `"float64"` keeps every bit of the
   * float64 arithmetic. Default `"float32"`. {@link pureRewards}, a building block, ignores it
   * and always returns float64.
   */
  dtype: outputDtype,
});
export type PureConfig = z.input<typeof pureConfig>;

/** Input of {@link pureRewards} / {@link pureAdvantages}. */
export interface PureInput {
  /** `[B][K]` PRM step scores `r_k ∈ [−1, 1]` (see `prmStepScores`). */
  stepRewards: MatrixLike;
  /** `[B][K]` 1 for real steps. */
  stepMask: MatrixLike;
  /** `[B][K]` token index of each step's last token (its separator), strictly increasing. */
  stepEnds: MatrixLike;
  /** `[B][T]` response tokens. */
  mask: MatrixLike;
  /** Prompt id of each row. */
  groups: readonly GroupId[];
  /** 0/1 per row: the verifiable reward (required by modes `PRMVR` and `VR`). */
  solved?: ArrayLike<number>;
  /** `[B][T]` per-token KL estimate (e.g. k1 = log π − log π_ref), subtracted times `klCoef`. Optional. */
  tokenKl?: MatrixLike;
  /** `[B][T]` 1 on separator tokens (advantage 0, not normalised). Default: every valid step end. */
  separatorMask?: MatrixLike;
}

interface PureParsed {
  r: Matrix;
  sm: Matrix;
  ends: Matrix;
  mask: Matrix;
  separators: Matrix;
  kl: Matrix | undefined;
}

function parsePureInput(input: PureInput, fn: string): PureParsed {
  requireObject(input, "input", fn);
  const r = nonEmptyMatrix(input.stepRewards, "stepRewards", fn);
  const sm = maskLike(input.stepMask, "stepMask", r, "stepRewards", fn);
  const ends = sameShape(input.stepEnds, "stepEnds", r, "stepRewards", fn);
  const mask = nonEmptyMask(input.mask, "mask", fn);
  if (mask.rows !== r.rows) throw new RLError("SHAPE_MISMATCH", `${fn}: mask has ${mask.rows} rows, stepRewards has ${r.rows}`);
  requireList(input.groups, "groups", r.rows, "stepRewards rows", fn);
  checkStepEnds(ends, sm, mask, fn);
  for (let b = 0; b < r.rows; b++) {
    if (lastValidToken(mask, b) < 0) throw new RLError("INVALID_INPUT", `${fn}: mask row ${b} has no valid token`);
  }
  let separators: Matrix;
  if (input.separatorMask !== undefined) {
    separators = maskLike(input.separatorMask, "separatorMask", mask, "mask", fn).map((v, k) => v * (mask.data[k] as number));
  } else {
    separators = Matrix.zeros([mask.rows, mask.cols]);
    for (let b = 0; b < r.rows; b++) {
      for (let k = 0; k < r.cols; k++) if (sm.get(b, k) !== 0) separators.set(b, ends.get(b, k), 1);
    }
  }
  const kl = input.tokenKl === undefined ? undefined : sameShape(input.tokenKl, "tokenKl", mask, "mask", fn);
  return { r, sm, ends, mask, separators, kl };
}

/**
 * PURE token rewards (arXiv:2504.15275, the OpenRLHF `main` branch):
 * 1. min-form transform `r*_k = softmax_k(−r_k/τ)·r_k` ({@link minFormRewards});
 * 2. leave-one-out baseline with `o_i = Σ_k r*_{i,k}` over the group:
 *    `"step"`: `r*_{i,k} −= mean_{j≠i}(o_j / K_j)`;
 *    `"token"`: `r*_{i,k} −= β_i·n_{i,k}`, `β_i = Σ_{j≠i} o_j / Σ_{j≠i} len_j`, `n_{i,k}` = the
 *    step's valid non-separator tokens;
 * 3. `r*_k` on the step-end token;
 * 4. verifiable reward `v_i = solved_i − 1`, minus its leave-one-out mean, times
 *    `verifiableCoef`, added on the last valid token;
 * 5. when `tokenKl` is given, `r_t −= klCoef·tokenKl_t` on every valid token.
 *
 * Separators (advantage 0) are every valid step end unless `separatorMask` is given.
 * Every output is float64 whatever `dtype` says (this is a building block of
 * {@link pureAdvantages}, which rounds once at the end).
 * Defaults: τ = 0.1, weighted, `baseline: "token"`, `mode: "PRMVR"`, `verifiableCoef: 1`, `klCoef: 0.001`.
 * Edge cases: a group of one has baseline 0 (the reference asserts n > 1); a row without a valid
 * step gets no process reward; a row without a valid token, a missing `solved` in a VR mode, or
 * mismatched lengths throw `RLError`. Padding is 0.
 *
 * @example
 * const { tokenRewards } = pureRewards(
 *   { stepRewards: [[0.8, -0.5], [0.3, 0.2]], stepMask: [[1, 1], [1, 1]], stepEnds: [[1, 3], [0, 2]],
 *     mask: [[1, 1, 1, 1], [1, 1, 1, 0]], groups: [0, 0], solved: [0, 1] },
 *   { baseline: "none" });
 */
export function pureRewards(
  input: PureInput,
  config: PureConfig = {},
): { tokenRewards: Matrix; processRewards: Matrix; separatorMask: Matrix } {
  const fn = "pureRewards";
  const cfg = parseConfig(pureConfig, config, fn);
  return pureRewardsParsed(parsePureInput(input, fn), input, cfg, fn);
}

function pureRewardsParsed(
  p: PureParsed,
  input: PureInput,
  cfg: z.output<typeof pureConfig>,
  fn: string,
): { tokenRewards: Matrix; processRewards: Matrix; separatorMask: Matrix } {
  const { r, sm, ends, mask, separators, kl } = p;
  const B = r.rows;
  const K = r.cols;
  const usePrm = cfg.mode !== "VR";
  const useVr = cfg.mode !== "PRM";
  const solved = useVr
    ? input.solved === undefined
      ? (() => {
          throw new RLError("INVALID_INPUT", `${fn}: mode "${cfg.mode}" needs solved (one 0/1 per row)`);
        })()
      : finiteVector(input.solved, "solved", B, "stepRewards rows", fn)
    : new Float64Array(B);

  const processRewards = usePrm
    ? minFormRewards(r, sm, { temperature: cfg.temperature, weighted: cfg.weighted }).rewards.clone()
    : Matrix.zeros([B, K]);

  // per-step token counts (valid, non-separator) and per-row totals
  const stepTokens = Matrix.zeros([B, K]);
  const lengths = new Float64Array(B);
  const outcome = new Float64Array(B);
  const nSteps = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let prev = -1;
    for (let t = 0; t < mask.cols; t++) lengths[b] = (lengths[b] as number) + mask.get(b, t);
    for (let k = 0; k < K; k++) {
      if (sm.get(b, k) === 0) continue;
      const e = ends.get(b, k);
      let n = 0;
      for (let t = prev + 1; t <= e; t++) if (mask.get(b, t) !== 0 && separators.get(b, t) === 0) n++;
      stepTokens.set(b, k, n);
      prev = e;
      outcome[b] = (outcome[b] as number) + processRewards.get(b, k);
      nSteps[b] = (nSteps[b] as number) + 1;
    }
  }

  const groups = rowsOfGroups(input.groups, fn);
  const vr = new Float64Array(B);
  for (const rows of groups) {
    const n = rows.length;
    let sumO = 0;
    let sumLen = 0;
    let sumPerStep = 0;
    let sumV = 0;
    for (const j of rows) {
      sumO += outcome[j] as number;
      sumLen += lengths[j] as number;
      sumPerStep += (nSteps[j] as number) > 0 ? (outcome[j] as number) / (nSteps[j] as number) : 0;
      sumV += (solved[j] as number) - 1;
    }
    for (const i of rows) {
      const v = (solved[i] as number) - 1;
      vr[i] = n > 1 ? v - (sumV - v) / (n - 1) : v;
      if (!usePrm || cfg.baseline === "none" || n === 1) continue;
      if (cfg.baseline === "step") {
        const own = (nSteps[i] as number) > 0 ? (outcome[i] as number) / (nSteps[i] as number) : 0;
        const base = (sumPerStep - own) / (n - 1);
        for (let k = 0; k < K; k++) if (sm.get(i, k) !== 0) processRewards.set(i, k, processRewards.get(i, k) - base);
      } else {
        const otherLen = sumLen - (lengths[i] as number);
        const beta = otherLen > 0 ? (sumO - (outcome[i] as number)) / otherLen : 0;
        for (let k = 0; k < K; k++) {
          if (sm.get(i, k) !== 0) processRewards.set(i, k, processRewards.get(i, k) - beta * stepTokens.get(i, k));
        }
      }
    }
  }

  const tokenRewards = Matrix.zeros([B, mask.cols]);
  for (let b = 0; b < B; b++) {
    if (usePrm) {
      for (let k = 0; k < K; k++) {
        if (sm.get(b, k) === 0) continue;
        const e = ends.get(b, k);
        tokenRewards.set(b, e, tokenRewards.get(b, e) + processRewards.get(b, k));
      }
    }
    if (useVr) {
      const last = lastValidToken(mask, b);
      tokenRewards.set(b, last, tokenRewards.get(b, last) + cfg.verifiableCoef * (vr[b] as number));
    }
    if (kl !== undefined) {
      for (let t = 0; t < mask.cols; t++) {
        if (mask.get(b, t) !== 0) tokenRewards.set(b, t, tokenRewards.get(b, t) - cfg.klCoef * kl.get(b, t));
      }
    }
  }
  return { tokenRewards, processRewards, separatorMask: separators };
}

/**
 * PURE advantages: token rewards from {@link pureRewards}, returns `G_t = Σ_{t' ≥ t} r_{t'}`
 * over valid tokens (γ = 1), `A = G` except 0 on separator tokens, then (by default) batch
 * normalisation over the valid non-separator tokens: `(A − μ)·rsqrt(max(var_biased, 1e-8))`.
 *
 * Every sum, return and the normalisation run in float64; the four `[B][T]` outputs are stored
 * in `dtype` (default `"float32"`, each entry rounded once from the float64 result).
 * Deviation: the reference's normalisation counts every exactly-zero advantage of the padded
 * tensor out of the mean's denominator while the variance runs over the action mask; ours uses
 * exactly the valid non-separator tokens.
 * Edge cases as {@link pureRewards}; padding and separators are 0. Paper: arXiv:2504.15275.
 *
 * @example
 * const { advantages, returns } = pureAdvantages({
 *   stepRewards: [[0.8, -0.5], [0.3, 0.2]], stepMask: [[1, 1], [1, 1]], stepEnds: [[1, 3], [0, 2]],
 *   mask: [[1, 1, 1, 1], [1, 1, 1, 0]], groups: [0, 0], solved: [0, 1] });
 */
export function pureAdvantages(
  input: PureInput,
  config: PureConfig = {},
): { advantages: Matrix; returns: Matrix; tokenRewards: Matrix; separatorMask: Matrix } {
  const fn = "pureAdvantages";
  const cfg = parseConfig(pureConfig, config, fn);
  const parsed = parsePureInput(input, fn);
  const { tokenRewards, separatorMask } = pureRewardsParsed(parsed, input, cfg, fn);
  const { mask } = parsed;
  const B = mask.rows;
  const T = mask.cols;
  // float64 scratch: the normalisation reads the advantages back
  const returns = new Float64Array(B * T);
  const advantages = new Float64Array(B * T);
  let n = 0;
  let s = 0;
  for (let b = 0; b < B; b++) {
    let g = 0;
    for (let t = T - 1; t >= 0; t--) {
      if (mask.get(b, t) === 0) continue;
      g += tokenRewards.get(b, t);
      returns[b * T + t] = g;
      if (separatorMask.get(b, t) !== 0) continue;
      advantages[b * T + t] = g;
      n++;
      s += g;
    }
  }
  if (cfg.normalize && n > 0) {
    const mean = s / n;
    let ss = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        if (mask.get(b, t) !== 0 && separatorMask.get(b, t) === 0) ss += ((advantages[b * T + t] as number) - mean) ** 2;
      }
    }
    const scale = 1 / Math.sqrt(Math.max(ss / n, 1e-8));
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const k = b * T + t;
        if (mask.get(b, t) !== 0 && separatorMask.get(b, t) === 0) advantages[k] = ((advantages[k] as number) - mean) * scale;
      }
    }
  }
  const shape = [B, T];
  const out = {
    advantages: outputMatrix(advantages, shape, cfg.dtype),
    returns: outputMatrix(returns, shape, cfg.dtype),
    // pureRewardsParsed builds both with Matrix.zeros / Matrix.map, i.e. float64 storage
    tokenRewards: outputMatrix(tokenRewards.data as Float64Array, shape, cfg.dtype),
    separatorMask: outputMatrix(separatorMask.data as Float64Array, shape, cfg.dtype),
  };
  assertFiniteOutput(out.returns.data, T, fn, "returns");
  assertFiniteOutput(out.advantages.data, T, fn, "advantages");
  return out;
}

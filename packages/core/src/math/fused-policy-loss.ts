import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { tf } from "../tf.js";
import { assertTensor, describeValue } from "../validate.js";
import { lossAggregationModes } from "./aggregate.js";
import { float32Output, readFloat32 } from "./storage.js";

/** The tfjs environment flag that switches {@link fusedPolicyLoss} off (`tf.env().set(name, false)`). */
export const fusedPolicyLossFlag = "RL_FUSED_POLICY_LOSS";

/** Config of {@link fusedPolicyLoss}. Defaults give PPO's clipped surrogate with verl's actor defaults, no dual clip. */
export const fusedPolicyLossConfig = z.object({
  /**
   * `"clip"`: `max(−A·r, −A·clip(r, 1 − ε_l, 1 + ε_h))` (PPO, GRPO, GSPO); `"cispo"`: `−sg(clip(r))·A·lp`
   * (CISPO); `"sapo"`: `−(4/τ)·σ(τ(r − 1))·A` (SAPO). Default `"clip"`.
   */
  surrogate: z.enum(["clip", "cispo", "sapo"]).default("clip"),
  /**
   * `"token"`: `r_t = e^{lp_t − old_t}`; `"sequence"`: one `r_b = e^{Σ_t (lp − old)·M / max(n_b, 1)}` per row with
   * the gradient through the mean (GSPO `sequence`, GRPO `importanceSampling: "sequence"`);
   * `"sequenceToken"`: the value of the sequence ratio, gradient `r_b·∇lp_t` per token (GSPO `stopGradToken`).
   * Default `"token"`.
   */
  ratioLevel: z.enum(["token", "sequence", "sequenceToken"]).default("token"),
  /** Lower clip `ε_l`: the band's lower end is `1 − ε_l`. Default 0.2. */
  clipLow: z.number().min(0).max(1).default(0.2),
  /** Upper clip `ε_h`: the band's upper end is `1 + ε_h`. Default 0.2. */
  clipHigh: z.number().min(0).default(0.2),
  /** `"cispo"` only: weight `min(r, clipMax)` instead of the band (TRL's absolute cap). Default `null` (the band). */
  clipMax: z.number().positive().nullable().default(null),
  /** `"clip"` only: the unclipped ratio is capped at this (> 1) inside the min (INTELLECT-2's two-sided clip). Default `null`. */
  ratioCap: z.number().gt(1).nullable().default(null),
  /** `"clip"` only: dual-clip constant `c > 1` (for `A < 0`, `L = min(L, −c·A)`). Default `null` (none). */
  dualClip: z.number().gt(1).nullable().default(null),
  /** The log-ratio (token or sequence) is clamped to `±logRatioClamp` before `exp`; `null` = none. Default 20. */
  logRatioClamp: z.number().positive().nullable().default(20),
  /** The log-ratio is also clamped above at this (GSPO: 10); `null` = none. Default `null`. */
  maxLogRatio: z.number().positive().nullable().default(null),
  /** `"sapo"` gate temperature for `A > 0`. Default 1. */
  temperaturePos: z.number().positive().default(1),
  /** `"sapo"` gate temperature for `A ≤ 0`. Default 1.05. */
  temperatureNeg: z.number().positive().default(1.05),
  /** Token-loss aggregation (core's `aggregateLoss` modes). Default `"token-mean"`. */
  aggregation: z.enum(lossAggregationModes).default("token-mean"),
  /** Replaces the aggregation's denominator (as in `aggregateLoss`). */
  normalizer: z.number().positive().optional(),
});
export type FusedPolicyLossConfig = z.input<typeof fusedPolicyLossConfig>;

/** Inputs of {@link fusedPolicyLoss} (the core of `@rl/alignment`'s `TokenPolicyInputs`). All `[B, T]` unless noted. */
export interface FusedPolicyLossInputs {
  /** Log-probs of the sampled tokens under the current policy (differentiated). */
  logProbs: tf.Tensor;
  /** Behaviour-policy log-probs (constant); absent: `sg(logProbs)`, every ratio 1. */
  oldLogProbs?: tf.Tensor;
  /** `[B]` (broadcast over the row) or `[B, T]` (constant). */
  advantages: tf.Tensor;
  /** 0/1 loss mask (other values throw); positions with mask 0 are ignored (they may hold NaN or ±Inf). */
  mask: tf.Tensor;
}

/** Metrics of {@link fusedPolicyLoss}: masked token means (count clamped to ≥ 1), plain numbers. */
export interface FusedPolicyLossMetrics {
  /** `"clip"`: `1[l₂ > l₁]` (verl `pg_clipfrac`); `"cispo"`: `1[r ≠ clip(r)]`; `"sapo"`: 0. */
  clipFraction: number;
  /** `"clip"` with dual clip: `1[max(l₁, l₂) > −c·A ∧ A < 0]` (verl `pg_clipfrac_lower`); else 0. */
  clipFractionLower: number;
  /** `1[r < 1 − ε_l ∧ A < 0]` (TRL `clip_ratio/low_mean`). */
  ratioLowFraction: number;
  /** `1[r > 1 + ε_h ∧ A > 0]` (TRL `clip_ratio/high_mean`). */
  ratioHighFraction: number;
  /** Either of the two (TRL `clip_ratio/region_mean`). */
  ratioRegionFraction: number;
  /** `old − lp` per token, clamped to `±logRatioClamp` (verl `ppo_kl`). */
  approxKl: number;
}

/** What {@link fusedPolicyLoss} returns. */
export interface FusedPolicyLossOutput {
  /** The scalar loss, differentiable w.r.t. `logProbs`. The caller owns it. */
  loss: tf.Scalar;
  /** The per-token loss, 0 at masked positions, differentiable w.r.t. `logProbs`. The caller owns it. */
  perToken: tf.Tensor2D;
  metrics: FusedPolicyLossMetrics;
}

let flagRegistered = false;

/**
 * Whether {@link fusedPolicyLoss} runs here: the active backend keeps tensors in CPU memory (`wasm`
 * or `cpu`), the tfjs flag `RL_FUSED_POLICY_LOSS` is not set to `false`, and `config` (when given)
 * is a valid {@link FusedPolicyLossConfig}. On `webgl`, `webgpu` and `node` it is false and the
 * callers take the composite tfjs losses.
 *
 * `tf.env().set("RL_FUSED_POLICY_LOSS", false)` makes every `@rl/alignment` loss take its composite path.
 *
 * @example
 * fusedPolicyLossAvailable({ dualClip: 3 }); // true
 */
export function fusedPolicyLossAvailable(config?: FusedPolicyLossConfig): boolean {
  if (!flagRegistered) {
    flagRegistered = true;
    if (!(fusedPolicyLossFlag in tf.env().getFlags())) tf.env().registerFlag(fusedPolicyLossFlag, () => true);
  }
  if (!tf.env().getBool(fusedPolicyLossFlag)) return false;
  const backend = tf.getBackend();
  if (backend !== "wasm" && backend !== "cpu") return false;
  return config === undefined || fusedPolicyLossConfig.safeParse(config).success;
}

const f32 = Math.fround;

/**
 * The PPO-family token loss in one pass over `[B, T]`, with a hand-written backward w.r.t.
 * `logProbs` (a fused kernel: no `[B, T]` temporaries per op, one read of the inputs):
 *
 *   δ = lp − old (token) or Σ_t (lp − old)·M / max(n, 1) (sequence);  r = exp(clamp(δ, ±logRatioClamp, ≤ maxLogRatio))
 *   clip:  l₁ = −A·min(r, ratioCap),  l₂ = −A·clip(r, 1 − ε_l, 1 + ε_h),  L = max(l₁, l₂),  A < 0 ∧ dualClip: L = min(L, −c·A)
 *   cispo: L = −sg(clip(r))·A·lp   (clip = min(r, clipMax) when set)
 *   sapo:  L = −(4/τ)·σ(τ(r − 1))·A,  τ = τ₊ if A > 0 else τ₋
 *   perToken = L·M,   loss = aggregate(perToken, M)   (core's `aggregateLoss` modes and normaliser)
 *
 * Values and gradients equal the composite tfjs chain (`ppoPolicyLoss`, `grpoLoss`, `gspoLoss`,
 * `cispoLoss`, `sapoLoss` in `@rl/alignment`) to float32 tolerance: the arithmetic is rounded to
 * float32 at the same steps, and ties break as tfjs's `maximum` / `minimum` / clamp gradients do (the
 * unclipped branch wins a tie; a clamp passes the gradient with its bounds included). Masked positions
 * are read as 0 (NaN padding is harmless); `old`, `A` and the mask are constants.
 * Use it where {@link fusedPolicyLossAvailable} says so; `@rl/alignment`'s losses do that themselves.
 *
 * The inputs are read in place (no copies on `wasm` / `cpu`), and the checks are part of the same pass.
 * Errors: `RLError("SHAPE_MISMATCH")` on shapes; `RLError("INVALID_INPUT")` for a mask entry that is
 * not 0 or 1 (as core's `assertTensorMask`); `RLError("NON_FINITE")` when `logProbs`,
 * `oldLogProbs` or `advantages` has NaN / Inf at a valid position, or the loss is not finite
 * (messages name `name`, default `"fusedPolicyLoss"`).
 *
 * @example
 * const { loss, metrics } = fusedPolicyLoss({ logProbs, oldLogProbs, advantages, mask }, { clipHigh: 0.28, dualClip: 3 });
 * // = ppoPolicyLoss(…, { clipHigh: 0.28 }) on worked example E5 (docs/alignment/policy.md): loss 0.971871, metrics.clipFraction 0.2
 * @remarks PPO arXiv:1707.06347; GSPO arXiv:2507.18071; CISPO arXiv:2506.13585; SAPO arXiv:2511.20347
 */
export function fusedPolicyLoss(inputs: FusedPolicyLossInputs, config: FusedPolicyLossConfig = {}, name = "fusedPolicyLoss"): FusedPolicyLossOutput {
  if (typeof name !== "string") throw new RLError("INVALID_INPUT", `fusedPolicyLoss: name must be a string, got ${describeValue(name)}`);
  const cfg = parseConfig(fusedPolicyLossConfig, config, name);
  if (typeof inputs !== "object" || inputs === null) {
    throw new RLError("INVALID_INPUT", `${name}: inputs must be { logProbs, oldLogProbs?, advantages, mask }, got ${describeValue(inputs)}`);
  }
  const { logProbs, oldLogProbs, advantages, mask } = inputs;
  assertTensor(logProbs, name, "logProbs");
  if (oldLogProbs !== undefined) assertTensor(oldLogProbs, name, "oldLogProbs");
  assertTensor(advantages, name, "advantages");
  assertTensor(mask, name, "mask", { dtypes: ["float32", "int32"] });
  if (logProbs.rank !== 2) throw new RLError("SHAPE_MISMATCH", `${name}: logProbs must be [B, T], got [${logProbs.shape.join(",")}]`);
  if (logProbs.dtype !== "float32") throw new RLError("INVALID_INPUT", `${name}: logProbs must be float32, got ${logProbs.dtype}`);
  const [B, T] = logProbs.shape as [number, number];
  for (const [field, t] of [["mask", mask], ["oldLogProbs", oldLogProbs]] as const) {
    if (t === undefined && field === "mask") continue;
    if (t !== undefined && (t.rank !== 2 || t.shape[0] !== B || t.shape[1] !== T)) {
      throw new RLError("SHAPE_MISMATCH", `${name}: ${field} has shape [${t.shape.join(",")}], logProbs [${B},${T}]`);
    }
  }
  const advRow = advantages.rank === 1;
  if (!((advRow && advantages.shape[0] === B) || (advantages.rank === 2 && advantages.shape[0] === B && advantages.shape[1] === T))) {
    throw new RLError("SHAPE_MISMATCH", `${name}: advantages has shape [${advantages.shape.join(",")}], expected [${B}] or [${B},${T}]`);
  }
  const N = B * T;
  const isClip = cfg.surrogate === "clip";
  const isCispo = cfg.surrogate === "cispo";
  const level = cfg.ratioLevel;
  const lrLo = cfg.logRatioClamp !== null ? f32(-cfg.logRatioClamp) : -Infinity;
  const lrHi = Math.min(cfg.logRatioClamp !== null ? f32(cfg.logRatioClamp) : Infinity, cfg.maxLogRatio !== null ? f32(cfg.maxLogRatio) : Infinity);
  const klLo = cfg.logRatioClamp !== null ? f32(-cfg.logRatioClamp) : -Infinity;
  const klHi = cfg.logRatioClamp !== null ? f32(cfg.logRatioClamp) : Infinity;

  const c: PassConstants = {
    surrogate: isClip ? 0 : isCispo ? 1 : 2,
    klLo,
    klHi,
    lrLo,
    lrHi,
    bandLo: f32(1 - cfg.clipLow),
    bandHi: f32(1 + cfg.clipHigh),
    cap: cfg.ratioCap !== null ? f32(cfg.ratioCap) : Infinity,
    dual: cfg.dualClip !== null ? f32(cfg.dualClip) : Number.NaN,
    clipMax: cfg.clipMax !== null ? f32(cfg.clipMax) : Number.NaN,
    tauPos: f32(cfg.temperaturePos),
    tauNeg: f32(cfg.temperatureNeg),
  };
  const useSeqX = level !== "token";
  const clipToken = isClip && !useSeqX; // PPO, GRPO, DAPO, Dr.GRPO: the specialised row loop
  const M = new Uint8Array(N); // 1 at valid positions (the backward's)
  const diag = new Float32Array(N); // ∂per_t/∂lp_t through the token's own ratio (and CISPO's direct lp)
  const seqQ = new Float32Array(level === "sequence" ? N : 0); // ∂per_t/∂x_b for the row's mean log-ratio
  const rowN = new Float64Array(B);
  const rowSum = new Float64Array(B);
  const acc = new Float64Array(ACC_SIZE);
  acc[ACC_BAD_K] = -1;
  // perToken is allocated first and written in place; the inputs are read in place (wasm heap views /
  // cpu storage, no copies) inside the fill, after the last allocation.
  const perTokenT = float32Output([B, T], (perToken) => {
    const lpF = readFloat32(logProbs);
    const oldF = oldLogProbs !== undefined ? readFloat32(oldLogProbs) : lpF;
    const maskF = readFloat32(mask);
    const advF = readFloat32(advantages);
    for (let b = 0; b < B; b++) {
      const o = b * T;
      let xRow = 0;
      if (useSeqX) {
        xRow = rowLogRatioMean(o, T, maskF, lpF, oldF, acc);
        if (acc[ACC_BAD_K] as number >= 0) return;
      }
      const n = clipToken
        ? rowClipToken(o, T, advRow ? b : -1, maskF, lpF, oldF, advF, perToken, diag, M, c, acc)
        : rowPass(o, T, advRow ? b : -1, maskF, lpF, oldF, advF, perToken, diag, seqQ, M, xRow, useSeqX, level === "sequence", c, acc);
      if (n < 0) return;
      rowN[b] = n;
      rowSum[b] = acc[ACC_ROW_SUM] as number;
    }
  });
  const badMask = acc[ACC_BAD_K] as number;
  const badFlags = acc[ACC_BAD_FLAGS] as number;
  if (badMask >= 0) {
    perTokenT.dispose();
    throw new RLError("INVALID_INPUT", `${name}: mask entry ${badMask} is ${String(acc[ACC_BAD_V])}; a mask holds only 0 and 1`);
  }
  // non-finite inputs at valid positions (the composite path's order of fields)
  const bad = badFlags & 1 ? "logProbs" : badFlags & 2 && oldLogProbs !== undefined ? "oldLogProbs" : badFlags & 4 ? "advantages" : undefined;
  if (bad !== undefined) {
    perTokenT.dispose();
    throw new RLError("NON_FINITE", `${name}: ${bad} has NaN or Inf entries at unmasked positions`);
  }

  // aggregation weights a_t = ∂loss/∂perToken_t (without the mask factor), one per row
  let validRows = 0;
  let totalN = 0;
  for (let b = 0; b < B; b++) {
    if ((rowN[b] as number) > 0) validRows++;
    totalN += rowN[b] as number;
  }
  let tokenDenom = 1;
  if (cfg.aggregation === "token-mean") tokenDenom = cfg.normalizer ?? Math.max(totalN, 1);
  else if (cfg.aggregation === "seq-mean-token-sum-norm") tokenDenom = cfg.normalizer ?? Math.max(T, 1);
  const rowCount = cfg.normalizer ?? Math.max(validRows, 1);
  const rowW = new Float64Array(B);
  let loss = 0;
  for (let b = 0; b < B; b++) {
    const n = rowN[b] as number;
    let w: number;
    if (cfg.aggregation === "token-mean" || cfg.aggregation === "seq-mean-token-sum-norm") w = 1 / tokenDenom;
    else if (n === 0) w = 0;
    else w = cfg.aggregation === "seq-mean-token-sum" ? 1 / rowCount : 1 / (f32(n + f32(1e-8)) * rowCount);
    rowW[b] = w;
    loss += (rowSum[b] as number) * w;
  }
  if (!Number.isFinite(loss)) {
    perTokenT.dispose();
    throw new RLError("NON_FINITE", `${name}: the loss is ${loss}; check logProbs, oldLogProbs, refLogProbs and advantages for NaN / Inf`);
  }
  const count = Math.max(totalN, 1);
  const metrics: FusedPolicyLossMetrics = {
    clipFraction: (acc[ACC_CLIP] as number) / count,
    clipFractionLower: (acc[ACC_LOWER] as number) / count,
    ratioLowFraction: (acc[ACC_LOW] as number) / count,
    ratioHighFraction: (acc[ACC_HIGH] as number) / count,
    ratioRegionFraction: (acc[ACC_REGION] as number) / count,
    approxKl: (acc[ACC_KL] as number) / count,
  };

  // ∂(Σ u·perToken)/∂lp for an upstream u, written straight into the gradient tensor:
  // u_t = uScale·rowW[b] (the loss's scalar upstream) or dy[k] (perToken's)
  const seqQOrNull = level === "sequence" ? seqQ : null;
  const lossOp = tf.customGrad(((_lp: tf.Tensor) => ({
    value: tf.scalar(loss),
    gradFunc: (dy: tf.Tensor) => {
      const uScale = dy.dataSync()[0] as number;
      return float32Output([B, T], (g) => backwardInto(g, B, T, M, diag, seqQOrNull, rowN, rowW, null, uScale));
    },
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (lp: tf.Tensor) => tf.Scalar;
  const perTokenOp = tf.customGrad(((_lp: tf.Tensor) => ({
    value: perTokenT,
    gradFunc: (dy: tf.Tensor) => float32Output([B, T], (g) => backwardInto(g, B, T, M, diag, seqQOrNull, rowN, rowW, readFloat32(dy), 1)),
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (lp: tf.Tensor) => tf.Tensor2D;
  const lossT = lossOp(logProbs);
  const perTokenOut = perTokenOp(logProbs);
  // customGrad hands back a new tensor on the same data: the one made above is not the caller's
  if (perTokenOut !== perTokenT) perTokenT.dispose();
  return { loss: lossT, perToken: perTokenOut, metrics };
}

/** Constants of the pass (one monomorphic object). */
interface PassConstants {
  /** 0 clip, 1 cispo, 2 sapo */
  surrogate: number;
  klLo: number;
  klHi: number;
  lrLo: number;
  lrHi: number;
  bandLo: number;
  bandHi: number;
  cap: number;
  /** NaN = none */
  dual: number;
  /** NaN = the band */
  clipMax: number;
  tauPos: number;
  tauNeg: number;
}

// slots of the pass's accumulator (a Float64Array: no objects allocated per row)
const ACC_CLIP = 0;
const ACC_LOWER = 1;
const ACC_LOW = 2;
const ACC_HIGH = 3;
const ACC_REGION = 4;
const ACC_KL = 5;
const ACC_ROW_SUM = 6;
const ACC_BAD_K = 7;
const ACC_BAD_V = 8;
const ACC_BAD_FLAGS = 9; // 1 logProbs, 2 oldLogProbs, 4 advantages: NaN / Inf at a valid position
const ACC_SIZE = 10;

// The row's masked mean log-ratio `Σ_t f32(lp − old)·M / max(n, 1)` (sequence levels), with the
// mask's 0/1 check (the first bad entry goes to acc).
function rowLogRatioMean(o: number, T: number, maskD: Float32Array, lpD: Float32Array, oldD: Float32Array, acc: Float64Array): number {
  let n = 0;
  let s = 0;
  for (let t = 0; t < T; t++) {
    const k = o + t;
    const m = maskD[k] as number;
    if (m === 0) continue;
    if (m !== 1) {
      acc[ACC_BAD_K] = k;
      acc[ACC_BAD_V] = m;
      return 0;
    }
    n++;
    s += f32((lpD[k] as number) - (oldD[k] as number));
  }
  return f32(f32(s) / Math.max(n, 1));
}

// One row of the pass: the mask's 0/1 check, NaN / Inf of the inputs at valid positions, the
// per-token loss (written to perToken, −0 at masked positions as the composite's `L·M`), its
// derivative (diag / seqQ), the row's loss sum and the metric counts. Returns the row's valid count,
// or −1 at a bad mask entry (recorded in acc). Kept small and called once per row, so the JIT
// optimises it with full type feedback (a single call over [B, T] ran in on-stack-replaced code
// that kept deoptimising).
function rowPass(
  o: number,
  T: number,
  advB: number,
  maskD: Float32Array,
  lpD: Float32Array,
  oldD: Float32Array,
  advD: Float32Array,
  perToken: Float32Array,
  diag: Float32Array,
  seqQ: Float32Array,
  M: Uint8Array,
  xRow: number,
  useSeqX: boolean,
  seqGrad: boolean,
  c: PassConstants,
  acc: Float64Array,
): number {
  const { surrogate, klLo, klHi, lrLo, lrHi, bandLo, bandHi, cap, dual, clipMax, tauPos, tauNeg } = c;
  const hasDual = !Number.isNaN(dual);
  const hasMax = !Number.isNaN(clipMax);
  let n = 0;
  let sum = 0;
  let kl = 0;
  let clipCount = 0;
  let lowerCount = 0;
  let lowCount = 0;
  let highCount = 0;
  let regionCount = 0;
  // lp·0, old·0, A·0 summed over valid positions: 0 unless an entry is NaN / Inf
  let zLp = 0;
  let zOld = 0;
  let zAdv = 0;
  for (let t = 0; t < T; t++) {
    const k = o + t;
    const m = maskD[k] as number;
    if (m !== 1) {
      if (m === 0) {
        perToken[k] = -0;
        continue;
      }
      acc[ACC_BAD_K] = k;
      acc[ACC_BAD_V] = m;
      return -1;
    }
    M[k] = 1;
    n++;
    const lp = lpD[k] as number;
    const ov = oldD[k] as number;
    const A = advD[advB >= 0 ? advB : k] as number;
    zLp += lp * 0;
    zOld += ov * 0;
    zAdv += A * 0;
    const d = f32(lp - ov);
    kl -= Math.min(Math.max(d, klLo), klHi);
    const x = useSeqX ? xRow : d;
    const xc = Math.min(Math.max(x, lrLo), lrHi);
    const xPass = x >= lrLo && x <= lrHi ? 1 : 0;
    const r = f32(Math.exp(xc));
    let per: number;
    let dPerDr = 0;
    let direct = 0;
    if (surrogate === 0) {
      const rc = r <= cap ? r : cap;
      const l1 = -f32(A * rc);
      const c2 = Math.min(Math.max(r, bandLo), bandHi);
      const l2 = -f32(A * c2);
      const take1 = l1 >= l2;
      per = take1 ? l1 : l2;
      dPerDr = take1 ? (r <= cap ? -A : 0) : r >= bandLo && r <= bandHi ? -A : 0;
      if (l2 > l1) clipCount++;
      if (hasDual && A < 0) {
        const capD = f32(-A * dual);
        if (per > capD) lowerCount++;
        if (!(per <= capD)) {
          per = capD;
          dPerDr = 0;
        }
      }
    } else if (surrogate === 1) {
      const w = hasMax ? Math.min(r, clipMax) : Math.min(Math.max(r, bandLo), bandHi);
      per = -f32(f32(w * A) * lp);
      direct = -w * A;
      if (r !== w) clipCount++;
    } else {
      const tau = A > 0 ? tauPos : tauNeg;
      const sg = 1 / (1 + Math.exp(-f32(tau * f32(r - 1))));
      per = -f32(f32(f32(4 / tau) * f32(sg)) * A);
      dPerDr = -A * 4 * sg * (1 - sg);
    }
    if (r < bandLo && A < 0) {
      lowCount++;
      regionCount++;
    } else if (r > bandHi && A > 0) {
      highCount++;
      regionCount++;
    }
    perToken[k] = per;
    sum += per;
    const q = dPerDr * r * xPass; // ∂per/∂x
    if (seqGrad) {
      seqQ[k] = q;
      diag[k] = direct;
    } else {
      diag[k] = q + direct;
    }
  }
  if (zLp !== 0) acc[ACC_BAD_FLAGS] = (acc[ACC_BAD_FLAGS] as number) | 1;
  if (zOld !== 0) acc[ACC_BAD_FLAGS] = (acc[ACC_BAD_FLAGS] as number) | 2;
  if (zAdv !== 0) acc[ACC_BAD_FLAGS] = (acc[ACC_BAD_FLAGS] as number) | 4;
  acc[ACC_CLIP] = (acc[ACC_CLIP] as number) + clipCount;
  acc[ACC_LOWER] = (acc[ACC_LOWER] as number) + lowerCount;
  acc[ACC_LOW] = (acc[ACC_LOW] as number) + lowCount;
  acc[ACC_HIGH] = (acc[ACC_HIGH] as number) + highCount;
  acc[ACC_REGION] = (acc[ACC_REGION] as number) + regionCount;
  acc[ACC_KL] = (acc[ACC_KL] as number) + kl;
  acc[ACC_ROW_SUM] = sum;
  return n;
}

/** rowClipToken's branch-free select. */
const pick = new Float64Array(2);
/** rowClipToken's scratch row of ratios (reused; grows to the longest row). */
let ratioRow = new Float32Array(0);

// rowPass for the clip surrogate at token level (the PPO / GRPO default), with the same arithmetic:
// no branches on the surrogate or the ratio level in the loop.
function rowClipToken(
  o: number,
  T: number,
  advB: number,
  maskD: Float32Array,
  lpD: Float32Array,
  oldD: Float32Array,
  advD: Float32Array,
  perToken: Float32Array,
  diag: Float32Array,
  M: Uint8Array,
  c: PassConstants,
  acc: Float64Array,
): number {
  const { klLo, klHi, lrLo, lrHi, bandLo, bandHi, cap, dual } = c;
  const hasDual = !Number.isNaN(dual);
  // the row's ratios first, in a loop of their own: Math.exp is a call, and in the main loop it
  // made the JIT spill the loop's state around every token
  if (ratioRow.length < T) ratioRow = new Float32Array(T);
  const rr = ratioRow;
  for (let t = 0; t < T; t++) rr[t] = Math.exp(Math.min(Math.max(f32((lpD[o + t] as number) - (oldD[o + t] as number)), lrLo), lrHi));
  let n = 0;
  let sum = 0;
  let kl = 0;
  let clipCount = 0;
  let lowerCount = 0;
  let lowCount = 0;
  let highCount = 0;
  let zLp = 0;
  let zOld = 0;
  let zAdv = 0;
  for (let t = 0; t < T; t++) {
    const k = o + t;
    const m = maskD[k] as number;
    if (m !== 1) {
      if (m === 0) {
        perToken[k] = -0;
        continue;
      }
      acc[ACC_BAD_K] = k;
      acc[ACC_BAD_V] = m;
      return -1;
    }
    M[k] = 1;
    n++;
    const lp = lpD[k] as number;
    const ov = oldD[k] as number;
    const A = advD[advB >= 0 ? advB : k] as number;
    zLp += lp * 0;
    zOld += ov * 0;
    zAdv += A * 0;
    const d = f32(lp - ov);
    kl -= Math.min(Math.max(d, klLo), klHi);
    const r = rr[t] as number;
    const rc = r <= cap ? r : cap;
    const l1 = -f32(A * rc);
    const c2 = Math.min(Math.max(r, bandLo), bandHi);
    const l2 = -f32(A * c2);
    let per = l1;
    let dPerDr = r <= cap ? -A : 0;
    if (!(l1 >= l2)) {
      per = l2;
      dPerDr = r >= bandLo && r <= bandHi ? -A : 0;
      if (l2 > l1) clipCount++;
    }
    if (hasDual) {
      // for A < 0: L = min(L, −c·A). Without a branch on the sign of A (random signs made it a
      // mispredicted branch per token): over ∈ {0, 1} picks per or the cap from a 2-slot array.
      // (per is never NaN where A < 0, so `per > capD` is the composite's `!(per <= capD)`.)
      const capD = f32(-A * dual);
      const over = +(A < 0) & +(per > capD);
      lowerCount += over;
      pick[0] = per;
      pick[1] = capD;
      per = pick[over] as number;
      dPerDr *= 1 - over;
    }
    if (r < bandLo) {
      if (A < 0) lowCount++;
    } else if (r > bandHi) {
      if (A > 0) highCount++;
    }
    perToken[k] = per;
    sum += per;
    diag[k] = (d >= lrLo && d <= lrHi ? dPerDr * r : 0) + 0; // + 0: no −0, as rowPass
  }
  if (zLp !== 0) acc[ACC_BAD_FLAGS] = (acc[ACC_BAD_FLAGS] as number) | 1;
  if (zOld !== 0) acc[ACC_BAD_FLAGS] = (acc[ACC_BAD_FLAGS] as number) | 2;
  if (zAdv !== 0) acc[ACC_BAD_FLAGS] = (acc[ACC_BAD_FLAGS] as number) | 4;
  acc[ACC_CLIP] = (acc[ACC_CLIP] as number) + clipCount;
  acc[ACC_LOWER] = (acc[ACC_LOWER] as number) + lowerCount;
  acc[ACC_LOW] = (acc[ACC_LOW] as number) + lowCount;
  acc[ACC_HIGH] = (acc[ACC_HIGH] as number) + highCount;
  acc[ACC_REGION] = (acc[ACC_REGION] as number) + lowCount + highCount;
  acc[ACC_KL] = (acc[ACC_KL] as number) + kl;
  acc[ACC_ROW_SUM] = sum;
  return n;
}

// ∂(Σ u·perToken)/∂lp into g (every entry written): g = diag·u + (Σ_row seqQ·u)/max(n, 1) at valid
// positions, 0 elsewhere; u = rowW[b] (then scaled by uScale, rounded as tfjs's `mul(dy, g)` was) or u[k].
function backwardInto(
  g: Float32Array,
  B: number,
  T: number,
  M: Uint8Array,
  diag: Float32Array,
  seqQ: Float32Array | null,
  rowN: Float64Array,
  rowW: Float64Array,
  u: Float32Array | null,
  uScale: number,
): void {
  const scaled = u === null && uScale !== 1;
  const zero = scaled ? 0 * uScale : 0;
  for (let b = 0; b < B; b++) {
    const o = b * T;
    const wRow = rowW[b] as number;
    let spread = 0;
    if (seqQ !== null) {
      let s = 0;
      for (let t = 0; t < T; t++) {
        const k = o + t;
        if (M[k] === 1) s += (seqQ[k] as number) * (u === null ? wRow : (u[k] as number));
      }
      spread = s / Math.max(rowN[b] as number, 1);
    }
    if (u !== null) {
      for (let t = 0; t < T; t++) {
        const k = o + t;
        g[k] = M[k] === 1 ? (diag[k] as number) * (u[k] as number) + spread : 0;
      }
    } else if (seqQ === null) {
      // diag is 0 at masked positions and wRow is finite and ≥ 0: no mask test (a random mask is a
      // mispredicted branch per token)
      if (scaled) for (let t = 0; t < T; t++) g[o + t] = f32((diag[o + t] as number) * wRow) * uScale;
      else for (let t = 0; t < T; t++) g[o + t] = (diag[o + t] as number) * wRow;
    } else if (!scaled) {
      for (let t = 0; t < T; t++) {
        const k = o + t;
        g[k] = M[k] === 1 ? (diag[k] as number) * wRow + spread : 0;
      }
    } else {
      for (let t = 0; t < T; t++) {
        const k = o + t;
        g[k] = M[k] === 1 ? f32((diag[k] as number) * wRow + spread) * uScale : zero;
      }
    }
  }
}

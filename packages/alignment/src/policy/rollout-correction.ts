import { RLError, assertTensor, assertTensorMask, describeValue, parseConfig, stopGradient, tf } from "@rl/core";
import { z } from "zod";
import { gpgLoss } from "./gpg-loss.js";
import type { PolicyLossOutput } from "./policy-inputs.js";
import { ppoPolicyLoss, ppoPolicyLossConfig } from "./ppo-policy-loss.js";
import { vllmImportanceSamplingRatio } from "./vllm-importance-sampling.js";

// Reference for everything in this file: volcengine/verl @ b178a3cd (2026-01-29),
// verl/trainer/ppo/rollout_corr_helper.py (compute_rollout_correction_weights, compute_is_metrics,
// compute_rollout_rejection_mask, compute_rs_metrics, compute_offpolicy_metrics,
// compute_rollout_correction_and_rejection_mask) and verl/trainer/ppo/core_algos.py
// (compute_policy_loss_bypass_mode, compute_policy_loss_reinforce, compute_policy_loss_vanilla).

/** verl's `SAFETY_BOUND`: log-ratios are clamped to ±20 before `exp`. */
const SAFETY_BOUND = 20;

/** Config of {@link rolloutImportanceWeights} (verl `rollout_is*` keys and defaults). */
export const rolloutImportanceWeightsConfig = z.object({
  /** `"token"`: `ρ_t = e^{δ_t}`; `"sequence"`: `ρ_b = e^{Σ_t δ_t}` broadcast over the row (verl `rollout_is`). Default `"token"`. */
  level: z.enum(["token", "sequence"]).default("token"),
  /** Truncation bound `C` (TIS): `w = min(ρ, C)` (verl `rollout_is_threshold`). Default 2. */
  cap: z.number().positive().finite().default(2),
  /** Divide the truncated weights by their mean over valid tokens (token) or valid rows (sequence) (verl `rollout_is_batch_normalize`). Default false. */
  batchNormalize: z.boolean().default(false),
});
export type RolloutImportanceWeightsConfig = z.input<typeof rolloutImportanceWeightsConfig>;

/** One rejection criterion: a divergence estimate at some level, bounded above (and, for `k1`, below). */
export const rolloutRejectionCriterion = z.object({
  /** `"token"`, or one value per row: `"sequence-sum"`, `"sequence-mean"`, `"sequence-max"` (verl `token_*`, `seq_sum_*`, `seq_mean_*`, `seq_max_*`). */
  level: z.enum(["token", "sequence-sum", "sequence-mean", "sequence-max"]),
  /** The per-token estimator of `KL(rollout ‖ policy)`: `k1 = −δ`, `k2 = δ²/2`, `k3 = e^δ − 1 − δ` (δ clamped to ±20). */
  klKind: z.enum(["k1", "k2", "k3"]),
  /** Upper bound. `k1`: a ratio bound, compared as `stat ≤ log(upper)`; `k2` / `k3`: `stat ≤ upper`. */
  upper: z.number().positive().finite(),
  /** `k1` only: ratio lower bound, compared as `stat ≥ log(lower)`. Default `1/upper`. */
  lower: z.number().positive().finite().optional(),
});
export type RolloutRejectionCriterion = z.input<typeof rolloutRejectionCriterion>;

/** Config of {@link rolloutRejectionMask}: every criterion must pass (verl's comma-separated `rollout_rs`). */
export const rolloutRejectionConfig = z.object({
  criteria: z.array(rolloutRejectionCriterion).min(1),
});
export type RolloutRejectionConfig = z.input<typeof rolloutRejectionConfig>;

/** Config of {@link rolloutCorrection}: either part may be `null` (off), as in verl. */
export const rolloutCorrectionConfig = z.object({
  /** IS weights (verl `rollout_is*`); `null` = none. Default `null` (verl). */
  importanceWeights: rolloutImportanceWeightsConfig.nullable().default(null),
  /** Rejection criteria (verl `rollout_rs`, `rollout_rs_threshold`); `null` = none. Default `null`. */
  rejection: z.array(rolloutRejectionCriterion).min(1).nullable().default(null),
});
export type RolloutCorrectionConfig = z.input<typeof rolloutCorrectionConfig>;

const VERL_RS = {
  token: "token",
  seq_sum: "sequence-sum",
  seq_mean: "sequence-mean",
  seq_max: "sequence-max",
} as const;

/**
 * verl's string form of the rejection criteria (`rollout_rs = "token_k1,seq_mean_k3"`,
 * `rollout_rs_threshold = "0.5_2.0,0.05"` or one number shared by all) → our criteria. `k1`
 * thresholds are `"lower_upper"` or an upper alone (lower = 1/upper); other kinds take one upper
 * bound. `seq_max_k1` does not exist in verl and is rejected.
 *
 * @example
 * rolloutRejectionCriteriaFromVerl("token_k1,seq_mean_k3", "0.5_2,0.05");
 * // [{ level: "token", klKind: "k1", lower: 0.5, upper: 2 }, { level: "sequence-mean", klKind: "k3", upper: 0.05 }]
 */
export function rolloutRejectionCriteriaFromVerl(rolloutRs: string, rolloutRsThreshold: string | number): RolloutRejectionCriterion[] {
  const fn = "rolloutRejectionCriteriaFromVerl";
  if (typeof rolloutRs !== "string") throw new RLError("INVALID_INPUT", `${fn}: rolloutRs must be a string such as "token_k1,seq_mean_k3"`);
  const options = [...new Set(rolloutRs.split(",").map((s) => s.trim()).filter((s) => s.length > 0))];
  if (options.length === 0) throw new RLError("INVALID_INPUT", `${fn}: rolloutRs has no option`);
  if (typeof rolloutRsThreshold !== "number" && typeof rolloutRsThreshold !== "string") {
    throw new RLError("INVALID_INPUT", `${fn}: rolloutRsThreshold must be a number or a string such as "0.5_2.0,2.0", got ${describeValue(rolloutRsThreshold)}`);
  }
  const specs = (typeof rolloutRsThreshold === "number" ? [String(rolloutRsThreshold)] : String(rolloutRsThreshold).split(",").map((s) => s.trim()).filter((s) => s.length > 0));
  if (specs.length !== 1 && specs.length !== options.length) {
    throw new RLError("INVALID_INPUT", `${fn}: rolloutRsThreshold has ${specs.length} entries for ${options.length} options; give one or one per option`);
  }
  return options.map((opt, k) => {
    const m = /^(token|seq_sum|seq_mean|seq_max)_(k1|k2|k3)$/.exec(opt);
    if (m === null || opt === "seq_max_k1") throw new RLError("INVALID_INPUT", `${fn}: unknown rollout_rs option "${opt}"`);
    const spec = (specs.length === 1 ? specs[0] : specs[k]) as string;
    const klKind = m[2] as "k1" | "k2" | "k3";
    const level = VERL_RS[m[1] as keyof typeof VERL_RS];
    const num = (s: string): number => {
      const v = Number(s);
      if (!(v > 0) || !Number.isFinite(v)) throw new RLError("INVALID_INPUT", `${fn}: threshold "${spec}" of "${opt}" must be positive numbers`);
      return v;
    };
    if (spec.includes("_")) {
      if (klKind !== "k1") throw new RLError("INVALID_INPUT", `${fn}: "${opt}" takes a single upper bound, got "${spec}"`);
      const [lo, hi] = spec.split("_", 2) as [string, string];
      return { level, klKind, lower: num(lo), upper: num(hi) };
    }
    return { level, klKind, upper: num(spec) };
  });
}

interface Prepared {
  B: number;
  T: number;
  /** δ = logProbs − rolloutLogProbs (0 at padding), float64. */
  lr: Float64Array;
  lp: Float64Array;
  ro: Float64Array;
  m: Float64Array;
  rowCount: Float64Array;
  nValid: number;
}

function prepare(fn: string, logProbs: tf.Tensor, rolloutLogProbs: tf.Tensor, mask: tf.Tensor): Prepared {
  for (const [name, t] of Object.entries({ logProbs, rolloutLogProbs, mask })) assertTensor(t, fn, name);
  for (const [name, t] of Object.entries({ logProbs, rolloutLogProbs, mask })) {
    if (t.rank !== 2 || t.shape[0] !== logProbs.shape[0] || t.shape[1] !== logProbs.shape[1]) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} has shape [${t.shape.join(",")}], logProbs [${logProbs.shape.join(",")}]; all must be the same [B, T]`);
    }
  }
  assertTensorMask(mask, fn);
  const [B, T] = logProbs.shape as [number, number];
  if (B === 0) throw new RLError("INVALID_INPUT", `${fn}: empty batch (logProbs has 0 rows)`);
  const a = logProbs.dataSync();
  const b = rolloutLogProbs.dataSync();
  const md = mask.dataSync();
  const lr = new Float64Array(B * T);
  const lp = new Float64Array(B * T);
  const ro = new Float64Array(B * T);
  const m = new Float64Array(B * T);
  const rowCount = new Float64Array(B);
  let nValid = 0;
  for (let k = 0; k < B * T; k++) {
    if ((md[k] as number) <= 0) continue;
    const x = a[k] as number;
    const y = b[k] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new RLError("NON_FINITE", `${fn}: ${Number.isFinite(x) ? "rolloutLogProbs" : "logProbs"}[${Math.floor(k / T)}][${k % T}] is ${Number.isFinite(x) ? y : x} at an unmasked position`);
    }
    m[k] = 1;
    lp[k] = x;
    ro[k] = y;
    lr[k] = x - y;
    rowCount[Math.floor(k / T)] = (rowCount[Math.floor(k / T)] as number) + 1;
    nValid += 1;
  }
  if (nValid === 0) throw new RLError("INVALID_INPUT", `${fn}: mask has no valid token (verl requires at least one)`);
  return { B, T, lr, lp, ro, m, rowCount, nValid };
}

const clampBound = (x: number): number => Math.min(SAFETY_BOUND, Math.max(-SAFETY_BOUND, x));
const mean = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let k = 0; k < xs.length; k++) s += xs[k] as number;
  return s / xs.length;
};
/** Per-row masked sums `Σ_t x·M` (all rows). */
function rowSums(p: Prepared, x: (k: number) => number): Float64Array {
  const out = new Float64Array(p.B);
  for (let b = 0; b < p.B; b++) for (let t = 0; t < p.T; t++) if ((p.m[b * p.T + t] as number) > 0) out[b] = (out[b] as number) + x(b * p.T + t);
  return out;
}
/** Masked mean over valid tokens. */
function tokenMean(p: Prepared, x: (k: number) => number): number {
  let s = 0;
  for (let k = 0; k < p.B * p.T; k++) if ((p.m[k] as number) > 0) s += x(k);
  return s / p.nValid;
}
function unbiasedStd(xs: Float64Array): number {
  if (xs.length < 2) return 0;
  const mu = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - mu) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** Metric names of {@link rolloutImportanceWeights} (verl's, unprefixed). */
export type RolloutImportanceMetric =
  | "rollout_is_mean"
  | "rollout_is_max"
  | "rollout_is_min"
  | "rollout_is_ratio_fraction_high"
  | "rollout_is_ratio_fraction_low"
  | "rollout_is_std"
  | "rollout_is_eff_sample_size"
  | "rollout_is_seq_mean"
  | "rollout_is_seq_std"
  | "rollout_is_seq_max"
  | "rollout_is_seq_min"
  | "rollout_is_seq_max_deviation"
  | "rollout_is_seq_fraction_high"
  | "rollout_is_seq_fraction_low"
  | "rollout_is_batch_norm_factor";

/** What {@link rolloutImportanceWeights} returns. */
export interface RolloutImportanceWeightsOutput {
  /** Truncated (and optionally batch-normalised) stop-gradient weights `[B, T]`, 0 on padding. The caller owns it. */
  weights: tf.Tensor2D;
  metrics: Partial<Record<RolloutImportanceMetric, number>>;
}

function isMetrics(p: Prepared, level: "token" | "sequence", cap: number): Record<Exclude<RolloutImportanceMetric, "rollout_is_batch_norm_factor">, number> {
  const { B, T } = p;
  const lower = 1 / cap;
  const seqLog = rowSums(p, (k) => p.lr[k] as number);
  // untruncated weights (metrics are taken before truncation), 0 on padding
  const w = new Float64Array(B * T);
  for (let k = 0; k < B * T; k++) {
    if ((p.m[k] as number) === 0) continue;
    w[k] = Math.exp(clampBound(level === "token" ? (p.lr[k] as number) : (seqLog[Math.floor(k / T)] as number)));
  }
  let max: number;
  let min: number;
  let high: number;
  let low: number;
  const mu = tokenMean(p, (k) => w[k] as number);
  if (level === "sequence") {
    max = Math.exp(Math.min(Math.max(...seqLog), SAFETY_BOUND));
    min = Math.exp(Math.min(...seqLog));
    high = mean(Array.from(seqLog, (x) => (x > Math.log(cap) ? 1 : 0)));
    low = mean(Array.from(seqLog, (x) => (x < Math.log(lower) ? 1 : 0)));
  } else {
    max = -Infinity;
    min = Infinity;
    for (let k = 0; k < B * T; k++) {
      if ((p.m[k] as number) === 0) continue;
      max = Math.max(max, w[k] as number);
      min = Math.min(min, w[k] as number);
    }
    high = tokenMean(p, (k) => ((w[k] as number) > cap ? 1 : 0));
    low = tokenMean(p, (k) => ((w[k] as number) < lower ? 1 : 0));
  }
  const wc = (k: number): number => Math.min(cap, Math.max(lower, w[k] as number));
  const muC = tokenMean(p, wc);
  const std = p.nValid > 1 ? Math.sqrt(Math.max(0, tokenMean(p, (k) => wc(k) ** 2) - muC ** 2)) : 0;
  const ess = 1 / tokenMean(p, (k) => (wc(k) / (muC + 1e-8)) ** 2);
  const rowW = rowSums(p, (k) => w[k] as number);
  const seq = Float64Array.from(rowW, (s, b) => s / ((p.rowCount[b] as number) + 1e-8));
  return {
    rollout_is_mean: mu,
    rollout_is_max: max,
    rollout_is_min: min,
    rollout_is_ratio_fraction_high: high,
    rollout_is_ratio_fraction_low: low,
    rollout_is_std: std,
    rollout_is_eff_sample_size: ess,
    rollout_is_seq_mean: mean(seq),
    rollout_is_seq_std: unbiasedStd(seq),
    rollout_is_seq_max: Math.max(...seq),
    rollout_is_seq_min: Math.min(...seq),
    rollout_is_seq_max_deviation: Math.max(...Array.from(seq, (s) => Math.abs(s - 1))),
    rollout_is_seq_fraction_high: mean(Array.from(seq, (s) => (s > cap ? 1 : 0))),
    rollout_is_seq_fraction_low: mean(Array.from(seq, (s) => (s < lower ? 1 : 0))),
  };
}

/**
 * Truncated importance weights for the rollout–training mismatch, as verl's rollout correction
 * (`compute_rollout_correction_weights`): with `δ_t = lp_t − rollout_t` (current or old training
 * log-probs against the sampler's),
 *
 *   token:     w_t = min(e^{δ_t}, C)                    sequence: w_b = min(e^{Σ_t δ_t M_t}, C)  (broadcast)
 *   batchNormalize: w ← w / mean(w)   (over valid tokens, or over valid rows for sequence; skipped if mean ≤ 1e-8)
 *
 * 0 on padding, stop-gradient, `[B, T]`: pass it as `importanceSamplingRatio` to a policy loss, or use
 * it inside {@link bypassModeLoss}. The ratio and truncation are {@link vllmImportanceSamplingRatio}'s
 * (`token_truncate` / `sequence_truncate`, no lower bound): one formula, one home. Deviation: verl
 * clamps `δ` (or the row sum) to ±20 before `exp`; with `C < e^20` this only changes weights below
 * `e^{−20} ≈ 2e−9`, which we leave unclamped.
 *
 * Metrics (verl's names, `compute_is_metrics`, taken on the weights *before* truncation):
 * `rollout_is_{mean,max,min}`, `_ratio_fraction_{high,low}` (above `C` / below `1/C`; rows for
 * sequence level), `_std` and `_eff_sample_size` (on weights clamped to `[1/C, C]`), per-row
 * `_seq_{mean,std,max,min,max_deviation,fraction_high,fraction_low}`, and `_batch_norm_factor`.
 *
 * Defaults: verl's `rollout_is_threshold = 2`, token level, no batch normalisation. Errors:
 * `RLError` for shape mismatch, an empty batch or mask, NaN / Inf at valid positions.
 *
 * @example
 * const lp = tf.tensor2d([[-1, -0.5, -2, -0.3]]), rollout = tf.tensor2d([[-1.2, -0.4, -1, -0.3]]), mask = tf.ones([1, 4]);
 * rolloutImportanceWeights(lp, rollout, mask).weights; // [[1.221403, 0.904837, 0.367879, 1]]
 * @remarks Truncated IS: Yao et al. 2025 "Your efficient RL framework secretly brings you off-policy RL training"; verl rollout_corr_helper.py @ b178a3cd
 */
export function rolloutImportanceWeights(
  logProbs: tf.Tensor,
  rolloutLogProbs: tf.Tensor,
  mask: tf.Tensor,
  config: RolloutImportanceWeightsConfig = {},
): RolloutImportanceWeightsOutput {
  const fn = "rolloutImportanceWeights";
  const cfg = parseConfig(rolloutImportanceWeightsConfig, config, fn);
  const p = prepare(fn, logProbs, rolloutLogProbs, mask);
  const metrics: Partial<Record<RolloutImportanceMetric, number>> = isMetrics(p, cfg.level, cfg.cap);
  const { ratio } = vllmImportanceSamplingRatio(logProbs, rolloutLogProbs, mask, {
    mode: cfg.level === "token" ? "token_truncate" : "sequence_truncate",
    cap: cfg.cap,
    capMin: null,
  });
  let factor = 1;
  if (cfg.batchNormalize) {
    const r = ratio.dataSync();
    let s = 0;
    let n = 0;
    for (let b = 0; b < p.B; b++) {
      if (cfg.level === "sequence") {
        if ((p.rowCount[b] as number) > 0) {
          s += r[b] as number;
          n += 1;
        }
      } else {
        for (let t = 0; t < p.T; t++) if ((p.m[b * p.T + t] as number) > 0) s += r[b * p.T + t] as number;
        n = p.nValid;
      }
    }
    const mu = s / Math.max(n, 1);
    if (mu > 1e-8) factor = mu;
    metrics.rollout_is_batch_norm_factor = factor;
  }
  const weights = tf.tidy(() => {
    const m = tf.cast(tf.greater(mask, 0), "float32");
    return stopGradient(tf.div(tf.mul(ratio, m), factor)) as tf.Tensor2D;
  });
  ratio.dispose();
  return { weights, metrics };
}

/** Per-criterion metric suffixes of {@link rolloutRejectionMask} (verl's, after `rollout_rs_<option>`). */
export type RolloutRejectionMetricSuffix = "mean" | "max" | "min" | "fraction_high" | "fraction_low" | "masked_fraction" | "seq_masked_fraction";

/** What {@link rolloutRejectionMask} returns. */
export interface RolloutRejectionMaskOutput {
  /** `mask · keep`, float32 `[B, T]` in {0, 1}. The caller owns it. */
  mask: tf.Tensor2D;
  /** verl names: `rollout_rs_<option>_<suffix>` per criterion (option = verl's, e.g. `seq_mean_k3`), `rollout_rs_masked_fraction`, `rollout_rs_seq_masked_fraction`. */
  metrics: Record<string, number>;
}

const VERL_LEVEL: Record<"token" | "sequence-sum" | "sequence-mean" | "sequence-max", string> = {
  token: "token",
  "sequence-sum": "seq_sum",
  "sequence-mean": "seq_mean",
  "sequence-max": "seq_max",
};

function rejection(p: Prepared, criteria: readonly z.output<typeof rolloutRejectionCriterion>[], fn: string): { keep: Float64Array; metrics: Record<string, number> } {
  const { B, T } = p;
  const keepAll = new Float64Array(B * T).fill(1);
  const metrics: Record<string, number> = {};
  const seqValid = Array.from(p.rowCount, (c) => c > 0);
  const nSeqValid = seqValid.filter(Boolean).length;
  const seen = new Set<string>();
  for (const c of criteria) {
    if (c.klKind !== "k1" && c.lower !== undefined) throw new RLError("INVALID_CONFIG", `${fn}: lower applies to klKind "k1" only, got it with "${c.klKind}"`);
    if (c.level === "sequence-max" && c.klKind === "k1") throw new RLError("INVALID_CONFIG", `${fn}: "sequence-max" takes klKind "k2" or "k3" (verl has no seq_max_k1)`);
    const name = `${VERL_LEVEL[c.level]}_${c.klKind}`;
    if (seen.has(name)) continue; // verl de-duplicates options
    seen.add(name);
    const k1 = c.klKind === "k1";
    const upper = k1 ? Math.log(c.upper) : c.upper;
    const lower = k1 ? Math.log(c.lower ?? 1 / c.upper) : 0;
    const tokenStat = (k: number): number => {
      const d = clampBound(p.lr[k] as number);
      return c.klKind === "k1" ? -d : c.klKind === "k2" ? 0.5 * d * d : Math.exp(d) - 1 - d;
    };
    const passes = (x: number): boolean => (k1 ? x >= lower && x <= upper : x <= upper);
    const keep = new Float64Array(B * T);
    const stat = new Float64Array(B * T); // per-token statistic (sequence statistic broadcast)
    let seqStat: Float64Array | undefined;
    if (c.level === "token") {
      for (let k = 0; k < B * T; k++) {
        stat[k] = tokenStat(k);
        keep[k] = passes(stat[k] as number) ? 1 : 0;
      }
    } else {
      seqStat = new Float64Array(B);
      for (let b = 0; b < B; b++) {
        let s = 0;
        let mx = -Infinity;
        for (let t = 0; t < T; t++) {
          const k = b * T + t;
          if ((p.m[k] as number) === 0) continue;
          const v = tokenStat(k);
          s += v;
          mx = Math.max(mx, v);
        }
        seqStat[b] = c.level === "sequence-sum" ? s : c.level === "sequence-mean" ? s / ((p.rowCount[b] as number) + 1e-8) : mx === -Infinity ? 0 : mx;
        const ok = passes(seqStat[b] as number) ? 1 : 0;
        for (let t = 0; t < T; t++) {
          stat[b * T + t] = seqStat[b] as number;
          keep[b * T + t] = ok;
        }
      }
    }
    const prefix = `rollout_rs_${name}`;
    metrics[`${prefix}_mean`] = tokenMean(p, (k) => stat[k] as number);
    if (seqStat !== undefined && nSeqValid > 0) {
      const vals = Array.from(seqStat).filter((_, b) => seqValid[b]);
      metrics[`${prefix}_max`] = Math.max(...vals);
      metrics[`${prefix}_min`] = Math.min(...vals);
      metrics[`${prefix}_fraction_high`] = mean(vals.map((x) => (x > upper ? 1 : 0)));
      metrics[`${prefix}_fraction_low`] = k1 ? mean(vals.map((x) => (x < lower ? 1 : 0))) : 0;
    } else {
      let mx = -Infinity;
      let mn = Infinity;
      for (let k = 0; k < B * T; k++) {
        if ((p.m[k] as number) === 0) continue;
        mx = Math.max(mx, stat[k] as number);
        mn = Math.min(mn, stat[k] as number);
      }
      metrics[`${prefix}_max`] = mx;
      metrics[`${prefix}_min`] = mn;
      metrics[`${prefix}_fraction_high`] = tokenMean(p, (k) => ((stat[k] as number) > upper ? 1 : 0));
      metrics[`${prefix}_fraction_low`] = k1 ? tokenMean(p, (k) => ((stat[k] as number) < lower ? 1 : 0)) : 0;
    }
    metrics[`${prefix}_masked_fraction`] = tokenMean(p, (k) => 1 - (keep[k] as number));
    let seqMasked = 0;
    for (let b = 0; b < B; b++) {
      if (!seqValid[b]) continue;
      let rejected = false;
      for (let t = 0; t < T; t++) if ((p.m[b * T + t] as number) > 0 && (keep[b * T + t] as number) === 0) rejected = true;
      if (rejected) seqMasked += 1;
    }
    metrics[`${prefix}_seq_masked_fraction`] = nSeqValid > 0 ? seqMasked / nSeqValid : 0;
    for (let k = 0; k < B * T; k++) keepAll[k] = (keepAll[k] as number) * (keep[k] as number);
  }
  metrics.rollout_rs_masked_fraction = tokenMean(p, (k) => 1 - (keepAll[k] as number));
  let anyMasked = 0;
  for (let b = 0; b < B; b++) {
    let rejected = false;
    for (let t = 0; t < T; t++) if ((p.m[b * T + t] as number) > 0 && (keepAll[b * T + t] as number) === 0) rejected = true;
    if (rejected) anyMasked += 1;
  }
  metrics.rollout_rs_seq_masked_fraction = anyMasked / B;
  for (let k = 0; k < B * T; k++) keepAll[k] = (keepAll[k] as number) * (p.m[k] as number);
  return { keep: keepAll, metrics };
}

/**
 * Rejection-sampling mask for the rollout–training mismatch, as verl's `compute_rollout_rejection_mask`:
 * a hard trust region that zeroes the mask of tokens (level `"token"`) or whole rows (the
 * `"sequence-*"` levels) whose divergence estimate is out of bounds. With `δ = clamp(lp − rollout, ±20)`:
 *
 *   k1 = −δ,   k2 = δ²/2,   k3 = e^δ − 1 − δ        (per-token estimators of KL(rollout ‖ policy))
 *   token: s_t = k(δ_t);   sequence-sum / -mean / -max: s_b = Σ / mean / max over valid tokens
 *   keep:  k1: log(lower) ≤ s ≤ log(upper)   (lower defaults to 1/upper);   k2, k3: s ≤ upper
 *
 * All criteria must pass (logical AND). `"sequence-mean"` with `k1` is the geometric-mean ratio
 * bound: it keeps rows whose `exp(−mean δ)` lies in `[lower, upper]`. Note verl's sign: `k1 = −δ`,
 * so a `k1` bound `[lower, upper]` keeps ratios `e^δ ∈ [1/upper, 1/lower]` (the same interval when
 * `lower = 1/upper`, the default). Names: verl `token_k1` = `{ level: "token", klKind: "k1" }`,
 * `seq_sum_k2` = `{ level: "sequence-sum", klKind: "k2" }`, …; {@link rolloutRejectionCriteriaFromVerl}
 * parses verl's strings. No defaults for the bounds (verl requires `rollout_rs_threshold`).
 *
 * Metrics (verl's names): per criterion `rollout_rs_<option>_{mean,max,min,fraction_high,fraction_low,
 * masked_fraction,seq_masked_fraction}`, and `rollout_rs_masked_fraction` (rejected valid tokens),
 * `rollout_rs_seq_masked_fraction` (rows with any rejected token, over all rows). verl's per-option
 * `_std` and `_seq_*` summaries are not reproduced.
 *
 * @example
 * const lp = tf.tensor2d([[-1, -0.5, -2, -0.3]]), rollout = tf.tensor2d([[-1.2, -0.4, -1, -0.3]]), mask = tf.ones([1, 4]);
 * rolloutRejectionMask(lp, rollout, mask, { criteria: [{ level: "token", klKind: "k1", upper: 1.5 }] }).mask; // [[1, 1, 0, 1]]
 * @remarks verl rollout_corr_helper.py @ b178a3cd
 */
export function rolloutRejectionMask(
  logProbs: tf.Tensor,
  rolloutLogProbs: tf.Tensor,
  mask: tf.Tensor,
  config: RolloutRejectionConfig,
): RolloutRejectionMaskOutput {
  const fn = "rolloutRejectionMask";
  const cfg = parseConfig(rolloutRejectionConfig, config, fn);
  const p = prepare(fn, logProbs, rolloutLogProbs, mask);
  const { keep, metrics } = rejection(p, cfg.criteria, fn);
  return { mask: tf.tensor2d(Float32Array.from(keep), [p.B, p.T]), metrics };
}

/** Metric names of {@link rolloutOffPolicyMetrics} (verl's `compute_offpolicy_metrics`). */
export type RolloutOffPolicyMetric =
  | "training_ppl"
  | "training_log_ppl"
  | "kl"
  | "k3_kl"
  | "rollout_ppl"
  | "rollout_log_ppl"
  | "log_ppl_diff"
  | "log_ppl_abs_diff"
  | "log_ppl_diff_max"
  | "log_ppl_diff_min"
  | "ppl_ratio"
  | "chi2_token"
  | "chi2_seq";

function offPolicy(p: Prepared): Record<RolloutOffPolicyMetric, number> {
  const mlpTrain = Float64Array.from(rowSums(p, (k) => p.lp[k] as number), (s, b) => s / ((p.rowCount[b] as number) + 1e-8));
  const mlpRoll = Float64Array.from(rowSums(p, (k) => p.ro[k] as number), (s, b) => s / ((p.rowCount[b] as number) + 1e-8));
  const diff = Float64Array.from(mlpRoll, (x, b) => x - (mlpTrain[b] as number));
  const seqLog = rowSums(p, (k) => p.lr[k] as number);
  return {
    training_ppl: mean(Array.from(mlpTrain, (x) => Math.exp(-x))),
    training_log_ppl: mean(Array.from(mlpTrain, (x) => -x)),
    kl: tokenMean(p, (k) => -(p.lr[k] as number)),
    k3_kl: tokenMean(p, (k) => Math.exp(p.lr[k] as number) - (p.lr[k] as number) - 1),
    rollout_ppl: mean(Array.from(mlpRoll, (x) => Math.exp(-x))),
    rollout_log_ppl: mean(Array.from(mlpRoll, (x) => -x)),
    log_ppl_diff: mean(diff),
    log_ppl_abs_diff: mean(Array.from(diff, Math.abs)),
    log_ppl_diff_max: Math.max(...diff),
    log_ppl_diff_min: Math.min(...diff),
    ppl_ratio: mean(Array.from(diff, Math.exp)),
    chi2_token: tokenMean(p, (k) => Math.exp(2 * clampBound(p.lr[k] as number))) - 1,
    chi2_seq: mean(Array.from(seqLog, (x) => Math.exp(2 * clampBound(x)))) - 1,
  };
}

/**
 * verl's off-policy diagnostics of the rollout policy against the training policy
 * (`compute_offpolicy_metrics`), with `δ = lp − rollout` over valid tokens and per-row means
 * `ℓ̄_b = Σ_t lp·M / |row|`, `r̄_b` likewise for the rollout:
 *
 *   training_ppl = mean_b e^{−ℓ̄_b},  training_log_ppl = mean_b −ℓ̄_b   (rollout_* likewise)
 *   kl = mean_t(−δ)  (KL(rollout ‖ policy), k1),   k3_kl = mean_t(e^δ − δ − 1)
 *   log_ppl_diff = mean_b(r̄_b − ℓ̄_b) (and its |·| mean, max, min),  ppl_ratio = mean_b e^{r̄_b − ℓ̄_b}
 *   chi2_token = mean_t e^{2δ} − 1,   chi2_seq = mean_b e^{2Σ_t δ} − 1   (δ, Σδ clamped to ±20)
 *
 * Row means run over every row (an empty row counts with `ℓ̄ = 0`), as in verl. Plain numbers.
 *
 * @example
 * rolloutOffPolicyMetrics(tf.tensor2d([[-1, -0.5]]), tf.tensor2d([[-1.2, -0.4]]), tf.ones([1, 2])).kl; // -0.05
 * @remarks verl rollout_corr_helper.py @ b178a3cd
 */
export function rolloutOffPolicyMetrics(logProbs: tf.Tensor, rolloutLogProbs: tf.Tensor, mask: tf.Tensor): Record<RolloutOffPolicyMetric, number> {
  return offPolicy(prepare("rolloutOffPolicyMetrics", logProbs, rolloutLogProbs, mask));
}

/** What {@link rolloutCorrection} returns. */
export interface RolloutCorrectionOutput {
  /** IS weights `[B, T]` (as {@link rolloutImportanceWeights}), or `null` when `importanceWeights` is `null`. The caller owns it. */
  weights: tf.Tensor2D | null;
  /** The mask with rejections applied (a copy of `mask` as float32 when `rejection` is `null`). The caller owns it. */
  mask: tf.Tensor2D;
  /** Every metric with verl's `rollout_corr/` prefix. */
  metrics: Record<string, number>;
}

/**
 * verl's `compute_rollout_correction_and_rejection_mask`: IS weights ({@link rolloutImportanceWeights}),
 * rejection mask ({@link rolloutRejectionMask}) and off-policy diagnostics
 * ({@link rolloutOffPolicyMetrics}) in one call, every metric prefixed `rollout_corr/`. In verl's
 * decoupled mode the first input is the old (training-engine) log-probs; in bypass mode the current
 * policy's (see {@link bypassModeLoss}). Both parts default to off (`null`), as in verl.
 *
 * @example
 * const lp = tf.tensor2d([[-1, -0.5, -2, -0.3]]), rollout = tf.tensor2d([[-1.2, -0.4, -1, -0.3]]), mask = tf.ones([1, 4]);
 * const out = rolloutCorrection(lp, rollout, mask, { importanceWeights: { level: "token", cap: 2 }, rejection: [{ level: "token", klKind: "k1", upper: 1.5 }] });
 * out.mask; // [[1, 1, 0, 1]]  (out.weights → a policy loss's importanceSamplingRatio, out.mask → its mask)
 * out.metrics["rollout_corr/kl"]; // 0.225
 * @remarks verl rollout_corr_helper.py @ b178a3cd
 */
export function rolloutCorrection(
  logProbs: tf.Tensor,
  rolloutLogProbs: tf.Tensor,
  mask: tf.Tensor,
  config: RolloutCorrectionConfig = {},
): RolloutCorrectionOutput {
  const fn = "rolloutCorrection";
  const cfg = parseConfig(rolloutCorrectionConfig, config, fn);
  const p = prepare(fn, logProbs, rolloutLogProbs, mask);
  // rejection first: its config errors must throw before any tensor is created
  const rs = cfg.rejection !== null ? rejection(p, cfg.rejection, fn) : undefined;
  const metrics: Record<string, number> = {};
  let weights: tf.Tensor2D | null = null;
  if (cfg.importanceWeights !== null) {
    const is = rolloutImportanceWeights(logProbs, rolloutLogProbs, mask, cfg.importanceWeights);
    weights = is.weights;
    Object.assign(metrics, is.metrics);
  }
  const keep: Float64Array = rs?.keep ?? p.m;
  if (rs !== undefined) Object.assign(metrics, rs.metrics);
  Object.assign(metrics, offPolicy(p));
  const prefixed: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) prefixed[`rollout_corr/${k}`] = v;
  return { weights, mask: tf.tensor2d(Float32Array.from(keep), [p.B, p.T]), metrics: prefixed };
}

/** Config of {@link bypassModeLoss} (verl `policy_loss.rollout_correction` plus the PPO clip settings). */
export const bypassModeLossConfig = rolloutCorrectionConfig.extend({
  /** `"ppo_clip"`: PPO's clipped loss with `old = rollout` (IS weights computed for metrics only); `"reinforce"`: `−w·A·lp`. Default `"ppo_clip"` (verl). */
  lossType: z.enum(["ppo_clip", "reinforce"]).default("ppo_clip"),
  /** {@link ppoPolicyLoss}'s config (clips, dual clip, aggregation); `reinforce` reads only `aggregation` / `normalizer`. Default verl's. */
  ppo: ppoPolicyLossConfig.partial().default({}),
});
export type BypassModeLossConfig = z.input<typeof bypassModeLossConfig>;

/** Inputs of {@link bypassModeLoss}: the sampler's log-probs stand in for the old ones. */
export interface BypassModeInputs {
  /** Current policy log-probs `[B, T]` (differentiated). */
  logProbs: tf.Tensor;
  /** Sampler (rollout) log-probs `[B, T]` (constants). */
  rolloutLogProbs: tf.Tensor;
  /** `[B]` or `[B, T]` (constants). */
  advantages: tf.Tensor;
  /** 0/1 `[B, T]`. */
  mask: tf.Tensor;
}

/**
 * verl's bypass mode (`compute_policy_loss_bypass_mode`): skip the old-log-prob forward pass and use
 * the sampler's log-probs as the behaviour policy (two policies instead of three). IS weights and
 * rejection mask are computed from the *current* policy against the rollout (under stop-gradient),
 * the rejection mask replaces the loss mask, and then
 *
 *   ppo_clip:   L = ppoPolicyLoss(lp, old = rollout, A, M_rs)            (the ratio π/π_rollout is the IS
 *                                                                         correction; weights not applied)
 *   reinforce:  L = aggregate(−w_t·A_t·lp_t, M_rs),  w = sg(min(e^{lp − rollout}, C)) (1 without IS)
 *
 * `reinforce` is {@link gpgLoss} on advantages `w·A` (constants), so no formula is written twice.
 * Metrics: the PPO metrics (`clipFraction`, `clipFractionLower`, `approxKl` = verl `actor/ppo_kl`), or
 * for reinforce `approxKl` = masked mean of `rollout − lp` over `M_rs`; plus {@link rolloutCorrection}'s
 * `rollout_corr/*`. Defaults: verl's (`ppo_clip`, no IS, no rejection, PPO ε 0.2, dual clip 3,
 * token-mean). A fully rejected batch gives loss 0 (core's aggregation), not verl's NaN.
 *
 * @example
 * const lp = tf.tensor2d([[-1, -0.5]]), rollout = tf.tensor2d([[-1.2, -0.4]]), mask = tf.ones([1, 2]);
 * // w = [e^0.2, e^−0.1]; loss = mean(−A·lp·w) = (1.221403 + 0.5·0.904837)/2
 * bypassModeLoss({ logProbs: lp, rolloutLogProbs: rollout, advantages: tf.tensor1d([1]), mask }, { lossType: "reinforce", importanceWeights: { level: "token", cap: 2 } }).loss.dataSync(); // [0.836911]
 * @remarks verl core_algos.py compute_policy_loss_bypass_mode / compute_policy_loss_reinforce @ b178a3cd
 */
export function bypassModeLoss(inputs: BypassModeInputs, config: BypassModeLossConfig = {}): PolicyLossOutput<string> {
  const fn = "bypassModeLoss";
  const cfg = parseConfig(bypassModeLossConfig, config, fn);
  if (typeof inputs !== "object" || inputs === null) throw new RLError("INVALID_INPUT", `${fn}: inputs must be { logProbs, rolloutLogProbs, advantages, mask }`);
  const { logProbs, rolloutLogProbs, advantages, mask } = inputs;
  assertTensor(advantages, fn, "advantages");
  assertTensor(logProbs, fn, "logProbs");
  const [B0, T0] = logProbs.shape as [number, number];
  if (!((advantages.rank === 1 && advantages.shape[0] === B0) || (advantages.rank === 2 && advantages.shape[0] === B0 && advantages.shape[1] === T0)) || logProbs.rank !== 2) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: advantages has shape [${advantages.shape.join(",")}], expected [${B0}] or [${B0},${T0}] for logProbs [${logProbs.shape.join(",")}]`);
  }
  const current = stopGradient(logProbs);
  let corr: RolloutCorrectionOutput;
  try {
    corr = rolloutCorrection(current, rolloutLogProbs, mask, { importanceWeights: cfg.importanceWeights, rejection: cfg.rejection });
  } finally {
    current.dispose();
  }
  try {
    if (cfg.lossType === "ppo_clip") {
      const out = ppoPolicyLoss({ logProbs, oldLogProbs: rolloutLogProbs, advantages, mask: corr.mask }, cfg.ppo);
      return { ...out, metrics: { ...out.metrics, ...corr.metrics } };
    }
    const [B, T] = logProbs.shape as [number, number];
    const weighted = tf.tidy(() => {
      const a = advantages.rank === 1 ? tf.mul(tf.reshape(advantages, [B, 1]), tf.ones([B, T])) : advantages;
      return corr.weights === null ? tf.clone(a) : tf.mul(a, corr.weights);
    });
    try {
      const out = gpgLoss({ logProbs, advantages: weighted, mask: corr.mask }, { aggregation: cfg.ppo.aggregation ?? "token-mean", ...(cfg.ppo.normalizer !== undefined ? { normalizer: cfg.ppo.normalizer } : {}) });
      const kl = tf.tidy(() => {
        const m = corr.mask;
        return tf.div(tf.sum(tf.mul(tf.where(tf.greater(m, 0), tf.sub(rolloutLogProbs, stopGradient(logProbs)), tf.zerosLike(m)), m)), tf.maximum(tf.sum(m), 1));
      });
      const approxKl = kl.dataSync()[0] as number;
      kl.dispose();
      return { ...out, metrics: { approxKl, ...corr.metrics } };
    } finally {
      weighted.dispose();
    }
  } finally {
    corr.mask.dispose();
    corr.weights?.dispose();
  }
}

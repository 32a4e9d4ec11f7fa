import { RLError, clampTensor, parseConfig, stopGradient, tf, assertTensor, assertTensorMask } from "@rl/core";
import { z } from "zod";
import { countNonFinite } from "./policy-inputs.js";

/** TRL `GRPOConfig.vllm_importance_sampling_mode` values. */
export const vllmImportanceSamplingModes = ["token_truncate", "token_mask", "sequence_truncate", "sequence_mask"] as const;
/** How the sampler-mismatch ratio is formed (`token_*` / `sequence_*`) and bounded (`*_truncate` / `*_mask`). */
export type VllmImportanceSamplingMode = (typeof vllmImportanceSamplingModes)[number];

/** Config of {@link vllmImportanceSamplingRatio} (TRL `GRPOConfig` defaults). */
export const vllmImportanceSamplingConfig = z.object({
  /** Token or sequence ratio, truncated or masked. Default `"sequence_mask"` (TRL). */
  mode: z.enum(vllmImportanceSamplingModes).default("sequence_mask"),
  /** Upper bound `C` (TRL `vllm_importance_sampling_clip_max`, formerly `vllm_importance_sampling_cap`). Default 3. */
  cap: z.number().positive().default(3),
  /** Lower bound `C_min` (TRL `vllm_importance_sampling_clip_min`); `null` = none. Default `null` (TRL). */
  capMin: z.number().min(0).nullable().default(null),
});
export type VllmImportanceSamplingConfig = z.input<typeof vllmImportanceSamplingConfig>;

/** Metric names of {@link vllmImportanceSamplingRatio} (TRL's `sampling/*`, camelCased, plus `clippedFraction`). */
export type VllmImportanceSamplingMetric =
  | "sampling/samplingLogpDifference/mean"
  | "sampling/samplingLogpDifference/max"
  | "sampling/importanceSamplingRatio/min"
  | "sampling/importanceSamplingRatio/mean"
  | "sampling/importanceSamplingRatio/max"
  | "sampling/importanceSamplingRatio/clippedFraction";

/** What {@link vllmImportanceSamplingRatio} returns. */
export interface VllmImportanceSamplingOutput {
  /** The stop-gradient ratio: `[B, T]` for `token_*` modes, `[B, 1]` for `sequence_*` modes. The caller owns it. */
  ratio: tf.Tensor2D;
  /** Metrics as plain numbers. */
  metrics: Record<VllmImportanceSamplingMetric, number>;
}

/**
 * The vLLM importance-sampling correction of TRL's `GRPOTrainer` (`_generate_and_score_completions`,
 * `vllm_importance_sampling_correction=True`): a constant weight correcting for the mismatch between
 * the sampler that generated the completions (vLLM) and the trainer's own log-probs of the same
 * tokens at generation time. Pass the result to `grpoLoss` / `vespoLoss` as `importanceSamplingRatio`.
 *
 *   d_t = (old_t − sampling_t)·M_t                              (0 on padding)
 *   token_*:    ρ_t = exp(d_t)                     [B, T]  (padding: ρ = 1)
 *   sequence_*: ρ_b = exp(Σ_t d_t)                 [B, 1]  (a sum over the row, not a mean)
 *   *_truncate: ρ ← clip(ρ, C_min, C)              (no lower bound when C_min is null)
 *   *_mask:     ρ ← 0 where ρ > C or ρ < C_min     (ties with a bound are kept)
 *
 * Defaults (TRL `GRPOConfig`): mode `"sequence_mask"`, `C = 3`, `C_min = null`. `old` is the
 * trainer's log-prob under the behaviour weights (TRL `old_per_token_logps`), `sampling` the
 * sampler's (TRL `sampling_per_token_logps`); both are read under stop-gradient, so the ratio is a
 * constant. A sequence ratio overflowing float32 (`Σ d > 88`) is `Inf` before the bound and so ends
 * up `C` (truncate) or 0 (mask), as in TRL.
 *
 * Metrics (TRL's, read once): `samplingLogpDifference/{mean,max}` of `|old − sampling|` over valid
 * tokens; `importanceSamplingRatio/{min,mean,max}` of the bounded ratio over rows (`sequence_*`) or
 * valid tokens (`token_*`); ours: `clippedFraction`, the fraction of those entries the bound changed
 * (truncated or masked). All 0 when nothing is valid.
 *
 * Deviation: TRL's newest copies map a NaN sampling log-prob (a token vLLM could not score) to
 * ratio 1; here NaN / ±Inf at a valid position throws `RLError("NON_FINITE")` (no silent NaN) —
 * mask such tokens instead. Errors: `RLError("SHAPE_MISMATCH")` unless the three inputs are the
 * same `[B, T]`; `RLError("INVALID_INPUT")` for `B = 0`; `RLError("INVALID_CONFIG")` for `cap ≤ 0`,
 * NaN bounds, `capMin < 0` or `capMin > cap`.
 *
 * Reference: TRL `trl/trainer/grpo_trainer.py` (`_generate_and_score_completions`, `_compute_loss`),
 * `grpo_config.py` (`vllm_importance_sampling_mode`, `vllm_importance_sampling_clip_max` / `_min`,
 * the deprecated `vllm_importance_sampling_cap`); read in a 2026 copy of TRL's
 * `grpo_with_replay_buffer_trainer.py` that mirrors `GRPOTrainer`, and the TRL v1.12 config docs.
 *
 * @example
 * // old − sampling = [[0.5, −0.2, 0.1], [1.2, 0.3, pad]]
 * const old = tf.tensor2d([[0.5, -0.2, 0.1], [1.2, 0.3, 0]]), sampling = tf.zerosLike(old), mask = tf.tensor2d([[1, 1, 1], [1, 1, 0]]);
 * vllmImportanceSamplingRatio(old, sampling, mask, { mode: "token_truncate" }).ratio;
 * // [[1.648721, 0.818731, 1.105171], [3, 1.349859, 1]]
 * vllmImportanceSamplingRatio(old, sampling, mask).ratio; // sequence_mask: exp([0.4, 1.5]) → [[1.491825], [0]]
 * @remarks Truncated importance sampling (Yao et al. 2025, "Your efficient RL framework secretly brings you off-policy RL training"); TRL GRPOTrainer
 */
export function vllmImportanceSamplingRatio(
  oldLogProbs: tf.Tensor,
  samplingLogProbs: tf.Tensor,
  mask: tf.Tensor,
  config: VllmImportanceSamplingConfig = {},
): VllmImportanceSamplingOutput {
  const fn = "vllmImportanceSamplingRatio";
  const cfg = parseConfig(vllmImportanceSamplingConfig, config, fn);
  if (cfg.capMin !== null && cfg.capMin > cfg.cap) {
    throw new RLError("INVALID_CONFIG", `${fn}: capMin ${cfg.capMin} must not exceed cap ${cfg.cap}`);
  }
  for (const [name, t] of Object.entries({ oldLogProbs, samplingLogProbs, mask })) assertTensor(t, fn, name);
  checkSameShape(fn, { oldLogProbs, samplingLogProbs, mask });
  assertTensorMask(mask, fn);
  if (mask.shape[0] === 0) throw new RLError("INVALID_INPUT", `${fn}: empty batch (mask has 0 rows)`);
  const sequence = cfg.mode === "sequence_truncate" || cfg.mode === "sequence_mask";
  const truncate = cfg.mode === "sequence_truncate" || cfg.mode === "token_truncate";
  const out = tf.tidy(() => {
    const valid = tf.greater(mask, 0);
    const m = tf.cast(valid, "float32");
    const zeros = tf.zeros(mask.shape);
    const diff = tf.where(valid, tf.sub(stopGradient(oldLogProbs), stopGradient(samplingLogProbs)), zeros);
    const raw = tf.exp(sequence ? tf.sum(diff, 1, true) : diff);
    // GreaterEqual and nested `where`s, not Greater / LogicalOr: `raw` is reachable from the inputs on
    // a gradient tape and tfjs has no gradient for those ops (GreaterEqual's is zero).
    const belowCap = tf.greaterEqual(tf.scalar(cfg.cap), raw);
    const aboveMin = cfg.capMin !== null ? tf.greaterEqual(raw, tf.scalar(cfg.capMin)) : undefined;
    const zero = tf.zerosLike(raw);
    const inRange = aboveMin !== undefined ? tf.where(belowCap, tf.cast(aboveMin, "float32"), zero) : tf.cast(belowCap, "float32");
    const outside = tf.sub(1, inRange);
    const ratio = truncate
      ? clampTensor(raw, cfg.capMin ?? 0, cfg.cap)
      : tf.where(belowCap, aboveMin !== undefined ? tf.where(aboveMin, raw, zero) : raw, zero);
    // statistics over rows (sequence) or valid tokens (token); `weight` marks the counted entries
    const weight = sequence ? tf.onesLike(ratio) : m;
    const counted = tf.greater(weight, 0);
    const n = tf.sum(weight);
    const safeN = tf.maximum(n, 1);
    const nValid = tf.maximum(tf.sum(m), 1);
    const absDiff = tf.abs(diff);
    const stats = [
      countNonFinite([oldLogProbs, samplingLogProbs], mask),
      tf.div(tf.sum(absDiff), nValid),
      tf.max(absDiff),
      tf.min(tf.where(counted, ratio, tf.fill(ratio.shape, Number.POSITIVE_INFINITY))),
      tf.div(tf.sum(tf.mul(ratio, weight)), safeN),
      tf.max(tf.where(counted, ratio, tf.fill(ratio.shape, Number.NEGATIVE_INFINITY))),
      tf.div(tf.sum(tf.mul(outside, weight)), safeN),
      n,
    ].map((s) => tf.reshape(s, []));
    return { ratio: stopGradient(ratio) as tf.Tensor2D, stats: tf.stack(stats) };
  });
  const v = out.stats.dataSync();
  out.stats.dispose();
  if ((v[0] as number) > 0) {
    out.ratio.dispose();
    throw new RLError("NON_FINITE", `${fn}: oldLogProbs or samplingLogProbs has ${v[0]} NaN or Inf entries at unmasked positions`);
  }
  const none = (v[7] as number) === 0; // no valid token (token modes): min / max are ±Inf, report 0
  return {
    ratio: out.ratio,
    metrics: {
      "sampling/samplingLogpDifference/mean": v[1] as number,
      "sampling/samplingLogpDifference/max": v[2] as number,
      "sampling/importanceSamplingRatio/min": none ? 0 : (v[3] as number),
      "sampling/importanceSamplingRatio/mean": v[4] as number,
      "sampling/importanceSamplingRatio/max": none ? 0 : (v[5] as number),
      "sampling/importanceSamplingRatio/clippedFraction": v[6] as number,
    },
  };
}

function checkSameShape(fn: string, tensors: Record<string, tf.Tensor>): void {
  const entries = Object.entries(tensors);
  const [firstName, first] = entries[0] as [string, tf.Tensor];
  for (const [name, t] of entries) {
    if (t.rank !== 2 || t.shape[0] !== first.shape[0] || t.shape[1] !== first.shape[1]) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} has shape [${t.shape.join(",")}], ${firstName} [${first.shape.join(",")}]; all must be the same [B, T]`);
    }
  }
}

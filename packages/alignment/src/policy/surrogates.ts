/**
 * Building blocks of the token policy losses, optax style: each block is one formula on float32
 * `[B, T]` tensors, and `ppoPolicyLoss`, `grpoLoss`, `gspoLoss`, `cispoLoss`, `sapoLoss` and
 * `vespoLoss` are recipes over them (their composite paths call exactly these functions). Use them
 * to write a new loss without copying one:
 *
 *   const { logRatio, ratio } = policyBlocks.importanceRatio(lp, old, mask, { level: "token" });
 *   const { perToken } = policyBlocks.clippedSurrogate(ratio, adv, { clipLow: 0.2, clipHigh: 0.28 });
 *   const loss = aggregateLoss(tf.mul(perToken, mask), mask, { mode: "token-mean" }); // core
 *
 * The blocks are unchecked tfjs ops meant to run inside the caller's `tf.tidy` (the recipes validate
 * at their boundary); `old`, the advantages and the mask are constants there (stop-gradient), and
 * masked positions should hold finite values (the recipes zero them first).
 * The aggregation block is core's `aggregateLoss`; the VESPO weight is `vespoWeights`.
 * @module policyBlocks
 */
import { clampTensor, klEstimate, stopGradient, tf, type KlEstimateConfig } from "@rl/core";

/** Options of {@link importanceRatio}. */
export interface ImportanceRatioOptions {
  /**
   * `"token"`: `δ_t = lp_t − old_t`. `"sequence"`: one `δ_b = Σ_t (lp − old)·M / max(n_b, 1)` per row,
   * gradient through the mean (GSPO `sequence`, TRL `importance_sampling_level="sequence"`).
   * `"sequenceToken"`: value `δ_b`, gradient `∇lp_t` per token (`lp − sg(lp) + sg(δ_b)`, GSPO-token).
   * Default `"token"`.
   */
  level?: "token" | "sequence" | "sequenceToken";
  /** The log-ratio is clamped to `±logRatioClamp` before `exp` (verl: 20); `null`/absent = none. */
  logRatioClamp?: number | null;
  /** The log-ratio is also capped above at this (GSPO / verl: 10); `null`/absent = none. */
  maxLogRatio?: number | null;
}

/**
 * Importance ratio of the current to the behaviour policy:
 *
 *   token:     δ = lp − old
 *   sequence:  δ_b = Σ_t (lp − old)·M / max(Σ_t M, 1)   (broadcast over the row)
 *   sequenceToken: δ = lp − sg(lp) + sg(δ_b)
 *   δ ← clamp(δ, ±logRatioClamp),  δ ← min(δ, maxLogRatio),  r = e^δ   (`[B, T]`)
 *
 * `logRatio` is the (clamped) `δ` at token level, or the row's `δ_b` as `[B, 1]` at the sequence
 * levels (before the `maxLogRatio` cap). Defaults: token level, no clamp, no cap.
 *
 * @example
 * const lp = tf.tensor2d([[-1, -2]]), old = tf.tensor2d([[-1.5, -2]]), mask = tf.tensor2d([[1, 1]]);
 * policyBlocks.importanceRatio(lp, old, mask).ratio.dataSync(); // [1.6487, 1]
 * policyBlocks.importanceRatio(lp, old, mask, { level: "sequence" }).ratio.dataSync(); // [1.2840, 1.2840]
 * @remarks PPO arXiv:1707.06347; GSPO arXiv:2507.18071 (verl `core_algos.py` `compute_policy_loss_gspo`)
 */
export function importanceRatio(lp: tf.Tensor, old: tf.Tensor, mask: tf.Tensor, options: ImportanceRatioOptions = {}): { logRatio: tf.Tensor; ratio: tf.Tensor } {
  const level = options.level ?? "token";
  const clampOf = (x: tf.Tensor): tf.Tensor => (options.logRatioClamp == null ? x : clampTensor(x, -options.logRatioClamp, options.logRatioClamp));
  const capOf = (x: tf.Tensor): tf.Tensor => (options.maxLogRatio == null ? x : tf.minimum(x, options.maxLogRatio));
  const delta = tf.sub(lp, old);
  if (level === "token") {
    const logRatio = clampOf(delta);
    return { logRatio, ratio: tf.exp(capOf(logRatio)) };
  }
  const seq = clampOf(tf.div(tf.sum(tf.mul(delta, mask), 1, true), tf.maximum(tf.sum(mask, 1, true), 1)));
  if (level === "sequenceToken") return { logRatio: seq, ratio: tf.exp(capOf(tf.add(tf.sub(lp, stopGradient(lp)), stopGradient(seq)))) };
  // the exp before the broadcast where there is no cap (grpoLoss's order), after it where there is (GSPO's)
  const ratio = options.maxLogRatio == null ? tf.mul(tf.exp(seq), tf.onesLike(lp)) : tf.exp(capOf(tf.mul(seq, tf.onesLike(lp))));
  return { logRatio: seq, ratio };
}

/** Options of {@link clippedSurrogate}. */
export interface ClippedSurrogateOptions {
  /** Lower clip `ε_l` (band `1 − ε_l`). Default 0.2. */
  clipLow?: number;
  /** Upper clip `ε_h` (band `1 + ε_h`). Default `clipLow`. */
  clipHigh?: number;
  /** The unclipped ratio is capped at this (> 1) inside the max (INTELLECT-2's two-sided clip); `null` = none. */
  ratioCap?: number | null;
}

/**
 * PPO's clipped surrogate per token (unmasked):
 *
 *   l₁ = −A·min(r, ratioCap),  l₂ = −A·clip(r, 1 − ε_l, 1 + ε_h),  L = max(l₁, l₂)
 *
 * Returns `L` as `perToken` and the two branches (`l₂ > l₁` is verl's `pg_clipfrac`). The gradient
 * follows the unclipped branch on ties. Defaults `ε_l = ε_h = 0.2`, no cap.
 *
 * @example
 * const r = tf.tensor2d([[1.5, 0.5]]), A = tf.tensor2d([[1, -1]]);
 * policyBlocks.clippedSurrogate(r, A).perToken.dataSync(); // [-1.2, 0.8]
 * @remarks PPO arXiv:1707.06347; clip-higher arXiv:2503.14476; INTELLECT-2 arXiv:2505.07291
 */
export function clippedSurrogate(ratio: tf.Tensor, advantages: tf.Tensor, options: ClippedSurrogateOptions = {}): { perToken: tf.Tensor; l1: tf.Tensor; l2: tf.Tensor } {
  const lo = options.clipLow ?? 0.2;
  const hi = options.clipHigh ?? lo;
  const capped = options.ratioCap == null ? ratio : tf.minimum(ratio, options.ratioCap);
  const l1 = tf.neg(tf.mul(advantages, capped));
  const l2 = tf.neg(tf.mul(advantages, clampTensor(ratio, 1 - lo, 1 + hi)));
  return { perToken: tf.maximum(l1, l2), l1, l2 };
}

/**
 * Dual clip (Ye et al.; verl `clip_ratio_c`): for `A < 0` the per-token loss is capped at `−c·A`:
 * `L' = A < 0 ? min(L, −c·A) : L`. `lowerClipped` is `1[L > −c·A ∧ A < 0]` (verl `pg_clipfrac_lower`).
 *
 * @example
 * policyBlocks.dualClip(tf.tensor2d([[5, 1]]), tf.tensor2d([[-1, -1]]), 3).perToken.dataSync(); // [3, 1]
 * @remarks arXiv:1912.09729
 */
export function dualClip(perToken: tf.Tensor, advantages: tf.Tensor, c: number): { perToken: tf.Tensor; lowerClipped: tf.Tensor } {
  const negative = tf.less(advantages, 0);
  const cap = tf.mul(tf.neg(advantages), c);
  return { perToken: tf.where(negative, tf.minimum(perToken, cap), perToken), lowerClipped: tf.logicalAnd(tf.greater(perToken, cap), negative) };
}

/**
 * SAPO's soft gate instead of the clip: `L = −(4/τ)·σ(τ·(r − 1))·A`, `τ = τ₊` where `A > 0`, else `τ₋`.
 * Defaults `τ₊ = 1`, `τ₋ = 1.05` (the paper's and verl's).
 *
 * @example
 * policyBlocks.sapoSurrogate(tf.tensor2d([[1]]), tf.tensor2d([[1]])).dataSync(); // [-2]
 * @remarks SAPO arXiv:2511.20347 (verl `compute_policy_loss_sapo`)
 */
export function sapoSurrogate(ratio: tf.Tensor, advantages: tf.Tensor, temperaturePos = 1, temperatureNeg = 1.05): tf.Tensor {
  const tau = tf.where(tf.greater(advantages, 0), tf.fill(ratio.shape, temperaturePos), tf.fill(ratio.shape, temperatureNeg));
  const gate = tf.mul(tf.div(4, tau), tf.sigmoid(tf.mul(tau, tf.sub(ratio, 1))));
  return tf.neg(tf.mul(gate, advantages));
}

/**
 * CISPO's clipped importance weight: `w = sg(clip(r, 1 − low, 1 + high))` (`{ low, high }`, verl) or
 * `w = sg(min(r, max))` (`{ max }`, TRL / ScaleRL). `clipped` is the weight before the stop-gradient
 * (`r ≠ clipped` is the clip fraction). The loss is {@link weightedLogProbSurrogate}`(w, A, lp)`.
 *
 * @example
 * policyBlocks.cispoWeight(tf.tensor2d([[2, 0.5]]), { max: 1.5 }).weight.dataSync(); // [1.5, 0.5]
 * @remarks CISPO arXiv:2506.13585
 */
export function cispoWeight(ratio: tf.Tensor, clip: { low: number; high: number } | { max: number }): { weight: tf.Tensor; clipped: tf.Tensor } {
  const clipped = "max" in clip ? tf.minimum(ratio, clip.max) : clampTensor(ratio, 1 - clip.low, 1 + clip.high);
  return { weight: stopGradient(clipped), clipped };
}

/**
 * REINFORCE-style surrogate with a constant per-token weight: `L = −w·A·lp` (CISPO with
 * {@link cispoWeight}, VESPO with `vespoWeights`). The gradient is `−w·A·∇lp`.
 *
 * @example
 * policyBlocks.weightedLogProbSurrogate(tf.tensor2d([[0.5]]), tf.tensor2d([[2]]), tf.tensor2d([[-1]])).dataSync(); // [1]
 * @remarks CISPO arXiv:2506.13585; VESPO arXiv:2602.10693
 */
export function weightedLogProbSurrogate(weight: tf.Tensor, advantages: tf.Tensor, lp: tf.Tensor): tf.Tensor {
  return tf.neg(tf.mul(tf.mul(weight, advantages), lp));
}

/**
 * The in-loss KL term per token, `β·k(lp, ref)` with core's `klEstimate` (`kind`, `clamp`), times the
 * importance ratio when `ratio` is given (DeepSeek-V3.2's bias-corrected KL). Returns the scaled term
 * and the raw estimate `k` (whose masked mean is the `kl` metric).
 *
 * @example
 * policyBlocks.klTerm(tf.tensor2d([[-1]]), tf.tensor2d([[-1.5]]), 0.1, { kind: "k1" }).term.dataSync(); // [0.05]
 * @remarks Schulman's estimators (http://joschu.net/blog/kl-approx.html); DeepSeek-V3.2 arXiv:2512.02556
 */
export function klTerm(lp: tf.Tensor, ref: tf.Tensor, beta: number, config: KlEstimateConfig = {}, ratio?: tf.Tensor): { term: tf.Tensor; estimate: tf.Tensor } {
  let k = klEstimate(lp, ref, config);
  if (ratio !== undefined) k = tf.mul(k, ratio);
  return { term: tf.mul(beta, k), estimate: k };
}

/**
 * Rollout correction: the per-token loss times a constant importance weight `w ≥ 0`, `[B, T]` or
 * `[B, 1]` (e.g. `vllmImportanceSamplingRatio`'s truncated sampler-mismatch ratio; TRL's
 * `importance_sampling_ratio`, verl's `rollout_is_weights`): `L' = L·w`. Without `weight`, `L`
 * unchanged. Every token policy loss applies it when its inputs carry `importanceSamplingRatio`.
 *
 * @example
 * policyBlocks.importanceWeighted(tf.tensor2d([[2, -1]]), tf.tensor2d([[0.5]])).dataSync(); // [1, -0.5]
 * @remarks TRL `GRPOTrainer` (`vllm_importance_sampling_correction`); Yao et al., "Your efficient RL framework secretly brings you off-policy RL training" (2025)
 */
export function importanceWeighted(perToken: tf.Tensor, weight?: tf.Tensor): tf.Tensor {
  return weight === undefined ? perToken : tf.mul(perToken, weight);
}

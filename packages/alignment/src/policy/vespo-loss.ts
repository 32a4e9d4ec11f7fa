import { RLError, assertTensor, clampTensor, aggregateLoss, lossAggregationModes, parseConfig, stopGradient, tf } from "@rl/core";
import { z } from "zod";
import { weightedLogProbSurrogate } from "./surrogates.js";
import { checkPolicyInputs, finishPolicyLoss, maskedMeanOf, preparePolicyInputs, type PolicyLossOutput, type TokenPolicyInputs } from "./policy-inputs.js";

/** The gamma-shaped weight's parameters: shape `k` and rate `λ` for `A ≥ 0` and for `A < 0`. */
export interface VespoShape {
  kPos: number;
  lambdaPos: number;
  kNeg: number;
  lambdaNeg: number;
}

const LOG_W_MIN = Math.log(1e-8);
const LOG_W_MAX = 20;
const TOKEN_LOG_RATIO_CLAMP = 20;

/**
 * VESPO's sequence weight φ (TRL `GRPOTrainer.get_gamma_weights`), a constant (stop-gradient):
 *
 *   log w = clamp(Σ_t clamp(lp − old, ±20)·M [+ Σ log ρ], log 1e-8, 20)   (a sum over the row, not a mean)
 *   φ = exp(λ + k·log w − λ·w),   (k, λ) = (kPos, λPos) if A ≥ 0 else (kNeg, λNeg),   NaN / ±Inf → 0
 *
 * With an importance-sampling ratio `ρ` (the vLLM correction, see `vllmImportanceSamplingRatio`),
 * TRL adds its log to `log w`: `Σ log ρ = Σ_t clamp(log ρ_t, log 1e-8, 20)·M` for a `[B, T]` ratio,
 * `clamp(log ρ_b, log 1e-8, 20)` for a `[B, 1]` one (a masked-out ratio of 0 thus counts as 1e-8,
 * which drives φ to ≈ 0). TRL sums over every position; padding is skipped here (TRL's padding
 * ratio is 1, so the two agree unless a bound masks the padding).
 *
 * `φ(w) = e^λ·w^k·e^{−λw}` is a gamma density shape normalised so that `φ(1) = 1`: on-policy rows
 * get weight 1, rows whose sequence ratio drifts far from 1 are smoothly down-weighted. `λ` is
 * floored at 1e-4 (TRL). Inside a tidy: `lp`, `old`, `mask` are `[B, T]` with padding zeroed and
 * `advantages` `[B, 1]` (one per row → `[B, 1]` weights) or `[B, T]` (→ `[B, T]`); any other shape
 * (a `[B]` vector would broadcast to `[B, B]`) throws `RLError("SHAPE_MISMATCH")`.
 * @example
 * const lp = tf.tensor2d([[-1, -2], [-0.5, -1]]), old = tf.tensor2d([[-1, -2], [-0.5, -1]]), mask = tf.ones([2, 2]);
 * const w = policyBlocks.vespoWeights(lp, old, tf.ones([2, 1]), mask, { kPos: 2, lambdaPos: 3, kNeg: 3, lambdaNeg: 2 });
 * w.shape; // [2, 1]
 * @remarks TRL GRPOTrainer.get_gamma_weights
 */
export function vespoWeights(
  lp: tf.Tensor,
  old: tf.Tensor,
  advantages: tf.Tensor,
  mask: tf.Tensor,
  shape: VespoShape,
  importanceSamplingRatio?: tf.Tensor,
): tf.Tensor {
  const fn = "vespoWeights";
  assertTensor(lp, fn, "lp", { rank: 2 });
  assertTensor(old, fn, "old", { rank: 2 });
  assertTensor(mask, fn, "mask", { rank: 2 });
  assertTensor(advantages, fn, "advantages", { rank: 2 });
  const [B, T] = lp.shape as [number, number];
  for (const [name, t] of [["old", old], ["mask", mask]] as const) {
    if (t.shape[0] !== B || t.shape[1] !== T) throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} has shape [${t.shape.join(",")}], lp has [${B},${T}]`);
  }
  if (advantages.shape[0] !== B || (advantages.shape[1] !== 1 && advantages.shape[1] !== T)) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: advantages must be [B, 1] or [B, T] = [${B},1] or [${B},${T}], got [${advantages.shape.join(",")}]`);
  }
  if (importanceSamplingRatio !== undefined) {
    assertTensor(importanceSamplingRatio, fn, "importanceSamplingRatio", { rank: 2 });
    if (importanceSamplingRatio.shape[0] !== B || (importanceSamplingRatio.shape[1] !== 1 && importanceSamplingRatio.shape[1] !== T)) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: importanceSamplingRatio must be [B, 1] or [B, T], got [${importanceSamplingRatio.shape.join(",")}]`);
    }
  }
  for (const [name, v] of Object.entries({ kPos: shape?.kPos, lambdaPos: shape?.lambdaPos, kNeg: shape?.kNeg, lambdaNeg: shape?.lambdaNeg })) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new RLError("INVALID_INPUT", `${fn}: shape.${name} must be a finite number, got ${String(v)}`);
  }
  // one tidy around both: the inner result is freed once stopGradient has copied it (it leaked before)
  return tf.tidy(() => stopGradient(
    tf.tidy(() => {
      const logRatio = clampTensor(tf.sub(stopGradient(lp), stopGradient(old)), -TOKEN_LOG_RATIO_CLAMP, TOKEN_LOG_RATIO_CLAMP);
      let seqLogRatio = tf.sum(tf.mul(logRatio, mask), 1, true);
      if (importanceSamplingRatio !== undefined) {
        const logIs = clampTensor(tf.log(stopGradient(importanceSamplingRatio)), LOG_W_MIN, LOG_W_MAX);
        const perToken = importanceSamplingRatio.shape[1] === mask.shape[1]; // T = 1: masked entries drop out either way
        seqLogRatio = tf.add(seqLogRatio, perToken ? tf.sum(tf.mul(logIs, mask), 1, true) : logIs);
      }
      const logW = clampTensor(seqLogRatio, LOG_W_MIN, LOG_W_MAX);
      const w = tf.exp(logW);
      const nonNeg = tf.greaterEqual(stopGradient(advantages), 0);
      const k = tf.where(nonNeg, tf.fill(advantages.shape, shape.kPos), tf.fill(advantages.shape, shape.kNeg));
      const lambda = tf.where(nonNeg, tf.fill(advantages.shape, Math.max(shape.lambdaPos, 1e-4)), tf.fill(advantages.shape, Math.max(shape.lambdaNeg, 1e-4)));
      const phi = tf.exp(tf.sub(tf.add(lambda, tf.mul(k, logW)), tf.mul(lambda, w)));
      return tf.where(tf.isFinite(phi), phi, tf.zerosLike(phi));
    }),
  ));
}

/** Config of {@link vespoLoss} (TRL `GRPOConfig.vespo_*` defaults). */
export const vespoLossConfig = z.object({
  /** Gamma shape `k` for `A ≥ 0`. Default 2. */
  kPos: z.number().default(2),
  /** Gamma rate `λ` for `A ≥ 0`. Default 3. */
  lambdaPos: z.number().positive().default(3),
  /** Gamma shape `k` for `A < 0`. Default 3. */
  kNeg: z.number().default(3),
  /** Gamma rate `λ` for `A < 0`. Default 2. */
  lambdaNeg: z.number().positive().default(2),
  /** Aggregation. Default `"token-mean"` (TRL's global-token normaliser, with `normalizer`). */
  aggregation: z.enum(lossAggregationModes).default("token-mean"),
  /** Replaces the aggregation's denominator (TRL `num_items_in_batch`: the accumulated batch's token count). */
  normalizer: z.number().positive().optional(),
});
export type VespoLossConfig = z.input<typeof vespoLossConfig>;

/**
 * VESPO (TRL `loss_type="vespo"`): REINFORCE scaled by a detached, gamma-shaped function of the
 * sequence importance ratio (see {@link vespoWeights}).
 *
 *   L = −φ·A·lp,   loss = aggregate(L, M)   (TRL: Σ L·M / num_items_in_batch)
 *
 * The gradient is `−φ·A·M / N` per token: on-policy (`old = sg(lp)`, `w = 1`) it is the plain policy
 * gradient. Metric `phiSeqMean` = mean of φ over rows (`[B]` advantages) or masked token mean
 * (`[B, T]` advantages), TRL's `vespo/phi_seq_mean`. An `importanceSamplingRatio` input (the vLLM
 * correction) enters `log w` as TRL's `Σ log IS` and does not multiply the loss.
 *
 * @example
 * vespoLoss({ logProbs, oldLogProbs, advantages, mask }); // worked example E5, A = [1, −2]: 0.760575, φ = [1.089248, 0.148021]
 */
export function vespoLoss(inputs: TokenPolicyInputs, config: VespoLossConfig = {}): PolicyLossOutput<"phiSeqMean"> {
  const cfg = parseConfig(vespoLossConfig, config, "vespoLoss");
  checkPolicyInputs(inputs, "vespoLoss");
  return finishPolicyLoss("vespoLoss", inputs, () => {
    const { lp, old, adv, mask, isRatio } = preparePolicyInputs(inputs);
    const { phi, phiMean } = vespoPhiAndMean(inputs, lp, old, adv, mask, cfg, isRatio);
    const perToken = tf.mul(weightedLogProbSurrogate(phi, adv, lp), mask) as tf.Tensor2D;
    const loss = aggregateLoss(perToken, mask, { mode: cfg.aggregation, ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}) });
    return { loss, perToken, metrics: { phiSeqMean: phiMean } };
  });
}

/**
 * Inside a tidy: φ for prepared inputs (`[B, 1]` when the raw advantages are `[B]`, else `[B, T]`)
 * and its mean as TRL logs it (row mean, or masked token mean for per-token advantages). `isRatio`
 * is the prepared importance-sampling ratio, when given.
 */
export function vespoPhiAndMean(
  inputs: TokenPolicyInputs,
  lp: tf.Tensor,
  old: tf.Tensor,
  adv: tf.Tensor,
  mask: tf.Tensor,
  shape: VespoShape,
  isRatio?: tf.Tensor,
): { phi: tf.Tensor; phiMean: tf.Scalar } {
  const perRow = inputs.advantages.rank === 1;
  const a = perRow ? stopGradient(tf.expandDims(inputs.advantages, 1)) : adv;
  const phi = vespoWeights(lp, old, a, mask, shape, isRatio);
  return { phi, phiMean: perRow ? (tf.mean(phi) as tf.Scalar) : maskedMeanOf(phi, mask) };
}

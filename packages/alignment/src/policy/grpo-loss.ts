import { RLError, aggregateLoss, klEstimate, klKinds, parseConfig, stopGradient, tf } from "@rl/core";
import { z } from "zod";
import { checkPolicyInputs, finishPolicyLoss, maskedMeanOf, preparePolicyInputs, type PolicyLossOutput, type TokenPolicyInputs } from "./policy-inputs.js";

/** TRL `GRPOConfig.loss_type` values implemented by {@link grpoLoss}. */
export const grpoLossTypes = ["grpo", "bnpo", "dr_grpo", "dapo", "cispo", "sapo", "luspo"] as const;
/** A GRPO loss type. */
export type GrpoLossType = (typeof grpoLossTypes)[number];

/** Config of {@link grpoLoss} (TRL `GRPOConfig` defaults). */
export const grpoLossConfig = z.object({
  /** Loss type (aggregation and surrogate), TRL's names. Default `"dapo"` (TRL default). */
  lossType: z.enum(grpoLossTypes).default("dapo"),
  /** Lower clip `ε` (TRL `epsilon`). Default 0.2. */
  epsilonLow: z.number().min(0).lt(1).default(0.2),
  /** Upper clip (TRL `epsilon_high`; default = `epsilonLow`). For `cispo` an absolute cap on the ratio (ScaleRL: 5). */
  epsilonHigh: z.number().min(0).optional(),
  /** Two-sided clipping (INTELLECT-2): the unclipped ratio is capped at `delta` (> 1). Default none. */
  delta: z.number().gt(1).nullable().default(null),
  /** `"token"` ratios or one `"sequence"` ratio per row (GSPO, gradient through the mean). Default `"token"`. */
  importanceSampling: z.enum(["token", "sequence"]).default("token"),
  /** KL coefficient β of the in-loss KL to the reference. Default 0 (TRL). */
  beta: z.number().min(0).default(0),
  /** KL estimator (core's `klEstimate`; `"k3+"` is straight-through). Default `"k3"`. */
  klKind: z.enum(klKinds).default("k3"),
  /** KL clamp convention (core's `klEstimate`). Default `"none"` (TRL's k3 is unclamped). */
  klClamp: z.enum(["verl", "openrlhf", "none"]).default("none"),
  /** Multiply the per-token KL by the importance ratio (DeepSeek-V3.2). Default false. */
  biasCorrectedKl: z.boolean().default(false),
  /** `dr_grpo`'s constant normaliser `B · maxCompletionLength`; required for `dr_grpo`. */
  maxCompletionLength: z.number().int().positive().optional(),
  /** `dapo` / `cispo` normaliser: the token count of the whole accumulated batch. Default: the local mask sum. */
  numItemsInBatch: z.number().positive().optional(),
  /** SAPO gate temperature for `A > 0`. Default 1. */
  sapoTemperaturePos: z.number().positive().default(1),
  /** SAPO gate temperature for `A ≤ 0`. Default 1.05. */
  sapoTemperatureNeg: z.number().positive().default(1.05),
  /** `lp − old` (or the sequence mean) is clamped to ±this before `exp`; `null` = none (TRL). Default 20. */
  logRatioClamp: z.number().positive().nullable().default(20),
});
export type GrpoLossConfig = z.input<typeof grpoLossConfig>;

/** Metric names of {@link grpoLoss} (TRL `clip_ratio/*`, `kl`). */
export type GrpoMetric = "clipRatio/lowMean" | "clipRatio/highMean" | "clipRatio/regionMean" | "kl";

/**
 * The GRPO-family policy loss as TRL's `GRPOTrainer._compute_loss` computes it (one process; GRPO
 * arXiv:2402.03300, Dr.GRPO arXiv:2503.20783, DAPO arXiv:2503.14476, CISPO arXiv:2506.13585,
 * SAPO, LUSPO, GSPO arXiv:2507.18071 via `importanceSampling: "sequence"`).
 *
 *   w = lp − old (token) or Σ_t (lp − old)·M / max(n, 1) (sequence);  c₁ = e^w;  c₂ = clip(c₁, 1 − ε, 1 + ε_h)
 *   grpo, bnpo, dr_grpo, dapo, luspo: c₁ ← min(c₁, δ) if delta;  L = −min(c₁A, c₂A)
 *   cispo: L = −sg(min(c₁, ε_h))·A·lp          sapo: L = −(4/τ)·σ(τ(c₁ − 1))·A, τ = τ₊ if A > 0 else τ₋
 *   β > 0: L += β·KL(lp, ref)  (k3 unclamped; × c₁ if biasCorrectedKl)
 *
 * Aggregation: `grpo`, `sapo`: mean over rows of `Σ_t L·M / max(n, 1)` (an empty row counts as 0);
 * `bnpo`: `Σ L·M / max(Σ M, 1)`; `dr_grpo`: `Σ L·M / (B · maxCompletionLength)`; `dapo`, `cispo`:
 * `Σ L·M / max(numItemsInBatch, 1)`; `luspo`: mean over all `[B, T]` entries of `L·n_b` — padding
 * included, with the padded inputs as given (TRL's quirk; padding must then be finite).
 * Every other type zeroes masked positions first, so NaN / −∞ padding is harmless.
 *
 * Deviations: the log-ratio is clamped to ±20 before `exp` (`logRatioClamp: null` for TRL's exact
 * behaviour); TRL's division by the gradient-accumulation step count is left to the training step.
 * Metrics are masked token means: `clipRatio/lowMean` = `1[c₁ < 1 − ε ∧ A < 0]`, `highMean` =
 * `1[c₁ > 1 + ε_h ∧ A > 0]`, `regionMean` = either; `kl` = masked mean of the KL term (0 if β = 0).
 *
 * @example
 * grpoLoss({ logProbs, oldLogProbs, advantages, mask, refLogProbs }, { lossType: "grpo", epsilonHigh: 0.28, beta: 0.04 });
 * // spec E6: loss 2.203266
 * @remarks arXiv:2402.03300, arXiv:2503.20783, arXiv:2503.14476, arXiv:2507.18071
 */
export function grpoLoss(inputs: TokenPolicyInputs, config: GrpoLossConfig = {}): PolicyLossOutput<GrpoMetric> {
  const cfg = parseConfig(grpoLossConfig, config, "grpoLoss");
  checkPolicyInputs(inputs, "grpoLoss", cfg.beta !== 0);
  if (cfg.lossType === "dr_grpo" && cfg.maxCompletionLength === undefined) {
    throw new RLError("INVALID_CONFIG", "grpoLoss: lossType dr_grpo needs maxCompletionLength");
  }
  const epsHigh = cfg.epsilonHigh ?? cfg.epsilonLow;
  return finishPolicyLoss("grpoLoss", inputs, () => {
    const { lp, old, adv, mask, ref } = preparePolicyInputs(inputs, cfg.lossType === "luspo");
    const [B] = lp.shape as [number, number];
    const lengths = tf.sum(mask, 1, true);
    let logW: tf.Tensor = tf.sub(lp, old);
    if (cfg.importanceSampling === "sequence") {
      logW = tf.div(tf.sum(tf.mul(logW, mask), 1, true), tf.maximum(lengths, 1));
    }
    if (cfg.logRatioClamp !== null) logW = tf.clipByValue(logW, -cfg.logRatioClamp, cfg.logRatioClamp);
    const c1 = tf.mul(tf.exp(logW), tf.onesLike(lp));
    let per: tf.Tensor;
    if (cfg.lossType === "cispo") {
      per = tf.neg(tf.mul(tf.mul(stopGradient(tf.minimum(c1, epsHigh)), adv), lp));
    } else if (cfg.lossType === "sapo") {
      const tau = tf.where(tf.greater(adv, 0), tf.fill(lp.shape, cfg.sapoTemperaturePos), tf.fill(lp.shape, cfg.sapoTemperatureNeg));
      const gate = tf.mul(tf.div(4, tau), tf.sigmoid(tf.mul(tau, tf.sub(c1, 1))));
      per = tf.neg(tf.mul(gate, adv));
    } else {
      const c2 = tf.clipByValue(c1, 1 - cfg.epsilonLow, 1 + epsHigh);
      const c1d = cfg.delta !== null ? tf.minimum(c1, cfg.delta) : c1;
      per = tf.neg(tf.minimum(tf.mul(c1d, adv), tf.mul(c2, adv)));
    }
    let kl: tf.Scalar = tf.scalar(0);
    if (cfg.beta !== 0) {
      let k = klEstimate(lp, ref as tf.Tensor2D, { kind: cfg.klKind, clamp: cfg.klClamp });
      if (cfg.biasCorrectedKl) k = tf.mul(k, c1);
      per = tf.add(per, tf.mul(cfg.beta, k));
      kl = maskedMeanOf(k, mask);
    }
    const perToken = tf.mul(per, mask) as tf.Tensor2D;
    let loss: tf.Scalar;
    switch (cfg.lossType) {
      case "grpo":
      case "sapo":
        loss = aggregateLoss(perToken, mask, { mode: "seq-mean-token-mean", normalizer: B });
        break;
      case "bnpo":
        loss = aggregateLoss(perToken, mask, { mode: "token-mean" });
        break;
      case "dr_grpo":
        loss = tf.div(tf.sum(perToken), B * (cfg.maxCompletionLength as number));
        break;
      case "luspo":
        loss = tf.mean(tf.mul(per, lengths));
        break;
      default: {
        const n = cfg.numItemsInBatch !== undefined ? tf.scalar(Math.max(cfg.numItemsInBatch, 1)) : tf.maximum(tf.sum(mask), 1);
        loss = tf.div(tf.sum(perToken), n);
      }
    }
    const low = tf.logicalAnd(tf.less(c1, 1 - cfg.epsilonLow), tf.less(adv, 0));
    const high = tf.logicalAnd(tf.greater(c1, 1 + epsHigh), tf.greater(adv, 0));
    return {
      loss,
      perToken,
      metrics: {
        "clipRatio/lowMean": maskedMeanOf(tf.cast(low, "float32"), mask),
        "clipRatio/highMean": maskedMeanOf(tf.cast(high, "float32"), mask),
        "clipRatio/regionMean": maskedMeanOf(tf.cast(tf.logicalOr(low, high), "float32"), mask),
        kl,
      },
    };
  });
}

import { assertTensorMask, RLError, aggregateLoss, klKinds, parseConfig, tf, type FusedPolicyLossConfig } from "@rl/core";
import { z } from "zod";
import { fusedPolicyPath } from "./fused-path.js";
import { cispoWeight, clippedSurrogate, importanceRatio, importanceWeighted, klTerm, sapoSurrogate, weightedLogProbSurrogate } from "./surrogates.js";
import { renameDeprecatedKeys } from "./config-aliases.js";
import { checkPolicyInputs, finishPolicyLoss, maskedMeanOf, preparePolicyInputs, type PolicyLossOutput, type TokenPolicyInputs } from "./policy-inputs.js";
import { highEntropyTokenMask, offPolicySequenceMask } from "./token-masks.js";
import { vespoPhiAndMean } from "./vespo-loss.js";

/** TRL `GRPOConfig.loss_type` values implemented by {@link grpoLoss}. */
export const grpoLossTypes = ["grpo", "bnpo", "dr_grpo", "dapo", "cispo", "sapo", "luspo", "vespo"] as const;
/** A GRPO loss type. */
export type GrpoLossType = (typeof grpoLossTypes)[number];

/** Config of {@link grpoLoss} (TRL `GRPOConfig` defaults). */
export const grpoLossConfig = z.object({
  /** Loss type (aggregation and surrogate), TRL's names. Default `"dapo"` (TRL default). */
  lossType: z.enum(grpoLossTypes).default("dapo"),
  /** Lower clip `ε_l` (TRL `epsilon`; formerly `epsilonLow`). Default 0.2. */
  clipLow: z.number().min(0).lt(1).default(0.2),
  /** Upper clip `ε_h` (TRL `epsilon_high`; formerly `epsilonHigh`; default = `clipLow`). For `cispo` an absolute cap on the ratio (ScaleRL: 5). */
  clipHigh: z.number().min(0).optional(),
  /** Two-sided clipping (INTELLECT-2): the unclipped ratio is capped at `delta` (> 1). Default none. */
  delta: z.number().gt(1).nullable().default(null),
  /** `"token"` ratios or one `"sequence"` ratio per row (GSPO, gradient through the mean). Default `"token"`. */
  importanceSampling: z.enum(["token", "sequence"]).default("token"),
  /** KL coefficient β of the in-loss KL to the reference (TRL `beta`; formerly `beta`). Default 0 (TRL). */
  klCoef: z.number().min(0).default(0),
  /** KL estimator (core's `klEstimate`; `"k3+"` is straight-through). Default `"k3"`. */
  klKind: z.enum(klKinds).default("k3"),
  /** KL clamp convention (core's `klEstimate`). Default `"none"` (TRL's k3 is unclamped). */
  klClamp: z.enum(["verl", "openrlhf", "none"]).default("none"),
  /** Multiply the per-token KL by the importance ratio (DeepSeek-V3.2). Default false. */
  biasCorrectedKl: z.boolean().default(false),
  /** `dr_grpo`'s constant normaliser `B · maxCompletionLength`; required for `dr_grpo`. */
  maxCompletionLength: z.number().int().positive().optional(),
  /** `dapo` / `cispo` / `vespo` normaliser: the token count of the whole accumulated batch. Default: the local mask sum. */
  numItemsInBatch: z.number().positive().optional(),
  /** SAPO gate temperature for `A > 0`. Default 1. */
  sapoTemperaturePos: z.number().positive().default(1),
  /** SAPO gate temperature for `A ≤ 0`. Default 1.05. */
  sapoTemperatureNeg: z.number().positive().default(1.05),
  /** VESPO gamma shape `k` for `A ≥ 0` (TRL `vespo_k_pos`). Default 2. */
  vespoKPos: z.number().default(2),
  /** VESPO gamma rate `λ` for `A ≥ 0` (TRL `vespo_lambda_pos`). Default 3. */
  vespoLambdaPos: z.number().positive().default(3),
  /** VESPO gamma shape `k` for `A < 0` (TRL `vespo_k_neg`). Default 3. */
  vespoKNeg: z.number().default(3),
  /** VESPO gamma rate `λ` for `A < 0` (TRL `vespo_lambda_neg`). Default 2. */
  vespoLambdaNeg: z.number().positive().default(2),
  /**
   * Off-policy sequence mask (DeepSeek-V3.2, TRL `off_policy_mask_threshold`): drop rows with `A < 0`
   * whose masked mean of `sampling − sg(lp)` exceeds this. Reads `samplingLogProbs`, else
   * `oldLogProbs` (TRL's fallback). Default `null` (off).
   */
  offPolicyMaskThreshold: z.number().nullable().default(null),
  /**
   * Keep only the top-`ρ` fraction of valid tokens by entropy in the policy term (TRL
   * `top_entropy_quantile`, arXiv:2506.01939); needs `entropies` when < 1. In `[0, 1]`; default 1 (all).
   */
  topEntropyQuantile: z.number().min(0).max(1).default(1),
  /** `lp − old` (or the sequence mean) is clamped to ±this before `exp`; `null` = none (TRL). Default 20. */
  logRatioClamp: z.number().positive().nullable().default(20),
});
export type GrpoLossConfig = z.input<typeof grpoLossConfig> & {
  /** @deprecated use `clipLow` (accepted for one release) */
  epsilonLow?: number;
  /** @deprecated use `clipHigh` (accepted for one release) */
  epsilonHigh?: number;
  /** @deprecated use `klCoef` (accepted for one release) */
  beta?: number;
};

/** The renamed keys of {@link grpoLossConfig} (old → glossary name), accepted for one release. */
const grpoRenames = { epsilonLow: "clipLow", epsilonHigh: "clipHigh", beta: "klCoef" } as const;

/** Metric names of {@link grpoLoss} (TRL `clip_ratio/*`, `kl`). */
export type GrpoMetric = "clipRatio/lowMean" | "clipRatio/highMean" | "clipRatio/regionMean" | "kl";

/** What {@link grpoLoss} returns: `vespo/phiSeqMean` (TRL `vespo/phi_seq_mean`) only for `lossType: "vespo"`. */
export type GrpoLossOutput = PolicyLossOutput<GrpoMetric> & { metrics: { "vespo/phiSeqMean"?: number } };

/**
 * The GRPO-family policy loss as TRL's `GRPOTrainer._compute_loss` computes it (one process; GRPO
 * arXiv:2402.03300, Dr.GRPO arXiv:2503.20783, DAPO arXiv:2503.14476, CISPO arXiv:2506.13585,
 * SAPO, LUSPO, GSPO arXiv:2507.18071 via `importanceSampling: "sequence"`).
 *
 *   w = lp − old (token) or Σ_t (lp − old)·M / max(n, 1) (sequence);  c₁ = e^w;  c₂ = clip(c₁, 1 − ε, 1 + ε_h)
 *   grpo, bnpo, dr_grpo, dapo, luspo: c₁ ← min(c₁, δ) if delta;  L = −min(c₁A, c₂A)
 *   cispo: L = −sg(min(c₁, ε_h))·A·lp          sapo: L = −(4/τ)·σ(τ(c₁ − 1))·A, τ = τ₊ if A > 0 else τ₋
 *   vespo: L = −φ·A·lp, φ = sg(exp(λ + k·log w − λw)), log w = clamp(Σ_t clamp(lp − old, ±20)·M [+ Σ log ρ], log 1e-8, 20),
 *          (k, λ) = (2, 3) if A ≥ 0 else (3, 2)  (TRL `get_gamma_weights`; see `vespoWeights`)
 *   modifiers, in TRL's order: L ×= off-policy sequence mask (offPolicyMaskThreshold);
 *          L ×= high-entropy token mask (topEntropyQuantile < 1);
 *          L ×= ρ, the vLLM importance-sampling ratio (input `importanceSamplingRatio`; not for vespo, whose φ takes it)
 *   β > 0: L += β·KL(lp, ref)  (k3 unclamped; × c₁ if biasCorrectedKl; never masked or IS-weighted)
 *
 * Aggregation: `grpo`, `sapo`: mean over rows of `Σ_t L·M / max(n, 1)` (an empty row counts as 0);
 * `bnpo`: `Σ L·M / max(Σ M, 1)`; `dr_grpo`: `Σ L·M / (B · maxCompletionLength)`; `dapo`, `cispo`,
 * `vespo`: `Σ L·M / max(numItemsInBatch, 1)`; `luspo`: mean over all `[B, T]` entries of `L·n_b` — padding
 * included, with the padded inputs as given (TRL's quirk; padding must then be finite).
 * Every other type zeroes masked positions first, so NaN / −∞ padding is harmless. The two masks
 * (and a ratio masked to 0) only zero loss terms: every denominator still counts the tokens they
 * drop (as TRL does).
 *
 * vLLM importance sampling: `importanceSamplingRatio` (`[B, T]` or `[B, 1]`, constant, ≥ 0) is
 * TRL's `importance_sampling_ratio`, e.g. `vllmImportanceSamplingRatio(old, sampling, mask)`
 * (TRL default: `sequence_mask`, cap 3). Absent, nothing is multiplied (the loss is unchanged).
 *
 * Off-policy mask (`offPolicySequenceMask`): keep a row if `A ≥ 0` or
 * `Σ_t (sampling − sg(lp))·M / max(n, 1) ≤ threshold`. High-entropy mask (`highEntropyTokenMask`):
 * keep valid tokens with `H ≥ quantile_{1−ρ}` of the valid entropies (linear interpolation, ties kept).
 *
 * Deviations: the log-ratio is clamped to ±20 before `exp` (`logRatioClamp: null` for TRL's exact
 * behaviour); TRL's division by the gradient-accumulation step count is left to the training step.
 * Metrics are masked token means: `clipRatio/lowMean` = `1[c₁ < 1 − ε ∧ A < 0]`, `highMean` =
 * `1[c₁ > 1 + ε_h ∧ A > 0]`, `regionMean` = either; `kl` = masked mean of the KL term (0 if β = 0);
 * `vespo/phiSeqMean` (vespo only) = mean of φ over rows. `vespo` ignores `importanceSampling` in TRL
 * (φ always uses the token log-ratios), so `"sequence"` with `vespo` is rejected here.
 *
 * Errors (`RLError`): `dr_grpo` without `maxCompletionLength`; `vespo` with sequence importance
 * sampling; `topEntropyQuantile < 1` without `entropies`; `offPolicyMaskThreshold` set without
 * `samplingLogProbs` or `oldLogProbs` (the drift would be 0 by construction); an
 * `importanceSamplingRatio` of another shape, or with NaN / Inf / negative valid entries.
 *
 * @example
 * grpoLoss({ logProbs, oldLogProbs, advantages, mask, refLogProbs }, { lossType: "grpo", clipHigh: 0.28, klCoef: 0.04 });
 * // worked example E6: loss 2.203266
 * grpoLoss({ logProbs, oldLogProbs, advantages, mask, entropies }, { topEntropyQuantile: 0.2 }); // the 80/20 rule
 * const { ratio } = vllmImportanceSamplingRatio(oldLogProbs, samplingLogProbs, mask); // TRL's default correction
 * grpoLoss({ logProbs, oldLogProbs, advantages, mask, importanceSamplingRatio: ratio });
 * @remarks arXiv:2402.03300, arXiv:2503.20783, arXiv:2503.14476, arXiv:2507.18071, arXiv:2506.01939
 */
export function grpoLoss(inputs: TokenPolicyInputs, config: GrpoLossConfig = {}): GrpoLossOutput {
  const cfg = parseConfig(grpoLossConfig, renameDeprecatedKeys(config, grpoRenames, "grpoLoss"), "grpoLoss");
  checkPolicyInputs(inputs, "grpoLoss", cfg.klCoef !== 0, false); // the mask values: below
  if (cfg.lossType === "dr_grpo" && cfg.maxCompletionLength === undefined) {
    throw new RLError("INVALID_CONFIG", "grpoLoss: lossType dr_grpo needs maxCompletionLength");
  }
  if (cfg.lossType === "vespo" && cfg.importanceSampling === "sequence") {
    throw new RLError("INVALID_CONFIG", 'grpoLoss: lossType vespo weights sequences itself; use importanceSampling "token"');
  }
  if (cfg.topEntropyQuantile < 1 && inputs.entropies === undefined) {
    throw new RLError("INVALID_INPUT", `grpoLoss: topEntropyQuantile ${cfg.topEntropyQuantile} < 1 needs per-token entropies`);
  }
  const samplingLogProbs = inputs.samplingLogProbs ?? inputs.oldLogProbs;
  if (cfg.offPolicyMaskThreshold !== null && samplingLogProbs === undefined) {
    throw new RLError("INVALID_INPUT", "grpoLoss: offPolicyMaskThreshold needs samplingLogProbs (or oldLogProbs)");
  }
  const epsHigh = cfg.clipHigh ?? cfg.clipLow;
  const fused = grpoFusedConfig(cfg, epsHigh, inputs.logProbs.shape[0] as number);
  if (fused !== undefined) {
    const out = fusedPolicyPath(inputs, fused, "grpoLoss", (m) => ({
      "clipRatio/lowMean": m.ratioLowFraction,
      "clipRatio/highMean": m.ratioHighFraction,
      "clipRatio/regionMean": m.ratioRegionFraction,
      kl: 0,
    }));
    if (out !== undefined) return out;
  } else {
    assertTensorMask(inputs.mask, "grpoLoss");
  }
  return finishPolicyLoss<GrpoMetric | "vespo/phiSeqMean">("grpoLoss", inputs, () => {
    const { lp, old, adv, mask, ref, isRatio } = preparePolicyInputs(inputs, cfg.lossType === "luspo");
    const [B] = lp.shape as [number, number];
    const lengths = tf.sum(mask, 1, true);
    const { ratio: c1 } = importanceRatio(lp, old, mask, { level: cfg.importanceSampling, logRatioClamp: cfg.logRatioClamp });
    let per: tf.Tensor;
    let phiMean: tf.Scalar | undefined;
    if (cfg.lossType === "vespo") {
      const shape = { kPos: cfg.vespoKPos, lambdaPos: cfg.vespoLambdaPos, kNeg: cfg.vespoKNeg, lambdaNeg: cfg.vespoLambdaNeg };
      const vespo = vespoPhiAndMean(inputs, lp, old, adv, mask, shape, isRatio);
      phiMean = vespo.phiMean;
      per = weightedLogProbSurrogate(vespo.phi, adv, lp);
    } else if (cfg.lossType === "cispo") {
      per = weightedLogProbSurrogate(cispoWeight(c1, { max: epsHigh }).weight, adv, lp);
    } else if (cfg.lossType === "sapo") {
      per = sapoSurrogate(c1, adv, cfg.sapoTemperaturePos, cfg.sapoTemperatureNeg);
    } else {
      per = clippedSurrogate(c1, adv, { clipLow: cfg.clipLow, clipHigh: epsHigh, ratioCap: cfg.delta }).perToken;
    }
    if (cfg.offPolicyMaskThreshold !== null) {
      per = tf.mul(per, offPolicySequenceMask(inputs.logProbs, samplingLogProbs as tf.Tensor, inputs.advantages, inputs.mask, cfg.offPolicyMaskThreshold));
    }
    if (cfg.topEntropyQuantile < 1) {
      per = tf.mul(per, highEntropyTokenMask(inputs.entropies as tf.Tensor, inputs.mask, cfg.topEntropyQuantile));
    }
    // vLLM importance-sampling correction; VESPO takes it inside φ instead (TRL)
    if (cfg.lossType !== "vespo") per = importanceWeighted(per, isRatio);
    let kl: tf.Scalar = tf.scalar(0);
    if (cfg.klCoef !== 0) {
      const { term, estimate } = klTerm(lp, ref as tf.Tensor2D, cfg.klCoef, { kind: cfg.klKind, clamp: cfg.klClamp }, cfg.biasCorrectedKl ? c1 : undefined);
      per = tf.add(per, term);
      kl = maskedMeanOf(estimate, mask);
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
    const low = tf.logicalAnd(tf.less(c1, 1 - cfg.clipLow), tf.less(adv, 0));
    const high = tf.logicalAnd(tf.greater(c1, 1 + epsHigh), tf.greater(adv, 0));
    return {
      loss,
      perToken,
      metrics: {
        "clipRatio/lowMean": maskedMeanOf(tf.cast(low, "float32"), mask),
        "clipRatio/highMean": maskedMeanOf(tf.cast(high, "float32"), mask),
        "clipRatio/regionMean": maskedMeanOf(tf.cast(tf.logicalOr(low, high), "float32"), mask),
        kl,
        ...(phiMean !== undefined ? { "vespo/phiSeqMean": phiMean } : {}),
      } as Record<GrpoMetric | "vespo/phiSeqMean", tf.Scalar>,
    };
  }) as GrpoLossOutput;
}

// The fused kernel's config for the loss types it covers (no KL term, no masks, no vLLM weight;
// not luspo, whose mean runs over padding, nor vespo, whose φ is a sequence weight); else undefined.
function grpoFusedConfig(cfg: z.output<typeof grpoLossConfig>, epsHigh: number, B: number): FusedPolicyLossConfig | undefined {
  if (cfg.klCoef !== 0 || cfg.offPolicyMaskThreshold !== null || cfg.topEntropyQuantile < 1) return undefined;
  if (cfg.lossType === "luspo" || cfg.lossType === "vespo") return undefined;
  const base = {
    ratioLevel: cfg.importanceSampling,
    clipLow: cfg.clipLow,
    clipHigh: epsHigh,
    logRatioClamp: cfg.logRatioClamp,
  } as const;
  const surrogate: FusedPolicyLossConfig =
    cfg.lossType === "cispo"
      ? { ...base, surrogate: "cispo", clipMax: epsHigh }
      : cfg.lossType === "sapo"
        ? { ...base, surrogate: "sapo", temperaturePos: cfg.sapoTemperaturePos, temperatureNeg: cfg.sapoTemperatureNeg }
        : { ...base, surrogate: "clip", ratioCap: cfg.delta };
  switch (cfg.lossType) {
    case "grpo":
    case "sapo":
      return { ...surrogate, aggregation: "seq-mean-token-mean", normalizer: B };
    case "bnpo":
      return { ...surrogate, aggregation: "token-mean" };
    case "dr_grpo":
      return { ...surrogate, aggregation: "seq-mean-token-sum-norm", normalizer: B * (cfg.maxCompletionLength as number) };
    default:
      return { ...surrogate, aggregation: "token-mean", ...(cfg.numItemsInBatch !== undefined ? { normalizer: Math.max(cfg.numItemsInBatch, 1) } : {}) };
  }
}

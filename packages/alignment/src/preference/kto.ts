import { RLError, parseConfig, stopGradient, tf } from "@rl/core";
import { z } from "zod";
import { binaryLabels, meansByLabel, type UnpairedLossOutput } from "./unpaired.js";
import { assertBatchVectors, assertInputsObject, assertPresent } from "./validate.js";

/**
 * Inputs of {@link ktoLoss}: unpaired completions with binary labels, summed log-probs `[B]`.
 * The KL completions are mismatched (prompt i with completion i−1, TRL's
 * `[completion[-1]] + completion[:-1]`) and are needed by `lossType: "kto"`.
 */
export interface KtoInputs {
  policy: tf.Tensor;
  reference: tf.Tensor;
  /** 1 = desirable, 0 = undesirable, `[B]` (numbers or a tensor). */
  labels: tf.Tensor | ArrayLike<number | boolean>;
  policyKl?: tf.Tensor;
  referenceKl?: tf.Tensor;
}

/** Config of {@link ktoLoss} (TRL `KTOConfig` defaults). */
export const ktoConfig = z.object({
  beta: z.number().positive().finite().default(0.1),
  /** λ_D. Default 1. */
  desirableWeight: z.number().nonnegative().finite().default(1),
  /** λ_U. Default 1. */
  undesirableWeight: z.number().nonnegative().finite().default(1),
  /** `"kto"` (with the KL reference point) or `"apo_zero_unpaired"` (z₀ = 0, no KL completions). */
  lossType: z.enum(["kto", "apo_zero_unpaired"]).default("kto"),
});
/** The input form of `ktoConfig` (every field optional; defaults filled by parsing). */
export type KtoConfig = z.input<typeof ktoConfig>;

/** KTO metric names (TRL's). `rewards/margins` is present only when both halves are. */
export type KtoMetricName = "kl" | "rewards/chosen" | "rewards/rejected" | "rewards/margins" | "logps/chosen" | "logps/rejected";

/** What {@link ktoLoss} returns. */
export type KtoOutput = UnpairedLossOutput<KtoMetricName>;

/**
 * KTO, Kahneman–Tversky Optimisation (Ethayarajh et al. 2024, arXiv:2402.01306; docs/alignment/preference.md):
 * unpaired binary feedback with a prospect-theory value and a KL reference point.
 *
 *   ℓ = π − ρ,   z₀ = max(0, mean_batch(π_KL − ρ_KL))   (stop-gradient)
 *   desirable:   L = λ_D·(1 − σ(β(ℓ − z₀)))
 *   undesirable: L = λ_U·(1 − σ(β(z₀ − ℓ)))
 *   loss = mean over all examples
 *
 * `apo_zero_unpaired`: z₀ = 0, desirable `1 − σ(βℓ)`, undesirable `σ(βℓ)`.
 * Metrics (TRL): `kl` (= z₀), `rewards/chosen|rejected` (mean over each half), `rewards/margins`
 * (only when both halves are present), `logps/chosen|rejected`.
 * Edge cases: a half with no examples contributes nothing and has no metric; `kto` needs B ≥ 2
 * (with one example the mismatched KL pair is the example itself) and the KL completions.
 * Defaults: β 0.1, λ_D = λ_U = 1 (TRL advises `λ_D n_D / (λ_U n_U) ∈ [1, 4/3]`).
 *
 * @example
 * ktoLoss({ policy: tf.tensor1d([0.5, -0.2, -0.4]), reference: tf.zeros([3]), labels: [1, 1, 0],
 *   policyKl: tf.tensor1d([0.3, -0.1, 0.4]), referenceKl: tf.zeros([3]) }).loss.dataSync(); // [0.495835]
 * @remarks arXiv:2402.01306
 */
export function ktoLoss(inputs: KtoInputs, config: KtoConfig = {}): KtoOutput {
  const cfg = parseConfig(ktoConfig, config, "ktoLoss");
  assertInputsObject(inputs, "ktoLoss", "{ policy, reference, labels, policyKl?, referenceKl? }");
  const { policy, reference, policyKl, referenceKl } = inputs;
  assertPresent({ policy, reference }, "ktoLoss");
  const useKl = cfg.lossType === "kto";
  if (useKl && (policyKl === undefined || referenceKl === undefined)) {
    throw new RLError("INVALID_INPUT", 'ktoLoss: lossType "kto" needs policyKl and referenceKl');
  }
  const B = assertBatchVectors(
    { policy, reference, policyKl: useKl ? policyKl : undefined, referenceKl: useKl ? referenceKl : undefined },
    "ktoLoss",
  );
  if (useKl && B < 2) throw new RLError("INVALID_INPUT", 'ktoLoss: lossType "kto" needs at least 2 examples (got 1)');
  const labelValues = binaryLabels(inputs.labels, B, "ktoLoss");
  const out = tf.tidy(() => {
    const desirable = tf.tensor1d(labelValues, "float32");
    const ell = tf.sub(policy, stopGradient(reference));
    const z0 =
      useKl && policyKl !== undefined && referenceKl !== undefined
        ? stopGradient(tf.maximum(tf.mean(tf.sub(policyKl, referenceKl)), 0))
        : tf.scalar(0);
    const x = tf.mul(tf.sub(ell, z0), cfg.beta);
    const lossD = tf.mul(tf.sub(1, tf.sigmoid(x)), cfg.desirableWeight);
    const lossU = tf.mul(useKl ? tf.sub(1, tf.sigmoid(tf.neg(x))) : tf.sigmoid(x), cfg.undesirableWeight);
    const losses = tf.add(tf.mul(desirable, lossD), tf.mul(tf.sub(1, desirable), lossU)) as tf.Tensor1D;
    return {
      loss: tf.mean(losses) as tf.Scalar,
      losses,
      rewards: stopGradient(tf.mul(ell, cfg.beta)) as tf.Tensor1D,
      kl: stopGradient(z0),
    };
  });
  const kl = out.kl.dataSync()[0] as number;
  out.kl.dispose();
  const { desirable, undesirable } = meansByLabel(labelValues, out.rewards.dataSync(), policy.dataSync());
  const metrics: Partial<Record<KtoMetricName, number>> = { kl };
  if (desirable) {
    metrics["rewards/chosen"] = desirable[0] as number;
    metrics["logps/chosen"] = desirable[1] as number;
  }
  if (undesirable) {
    metrics["rewards/rejected"] = undesirable[0] as number;
    metrics["logps/rejected"] = undesirable[1] as number;
  }
  if (desirable && undesirable) metrics["rewards/margins"] = (desirable[0] as number) - (undesirable[0] as number);
  return { loss: out.loss, losses: out.losses, rewards: out.rewards, metrics };
}

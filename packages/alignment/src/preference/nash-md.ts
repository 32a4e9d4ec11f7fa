import { RLError, assertTensor, parseConfig, stopGradient, tf } from "@rl/core";
import { z } from "zod";
import { mean } from "./online-pairs.js";
import { assertShape, hostVector } from "./validate.js";

/** Inputs of {@link nashMdLoss}: token log-probs of `y ~ π` and the preference of `y` over `y' ~` the mixture. */
export interface NashMdInputs {
  /** Policy token log-probs of the policy's completions `[B, T]`. */
  logProbs: tf.Tensor;
  /** Reference token log-probs of the same completions `[B, T]` (stop-gradient). */
  refLogProbs: tf.Tensor;
  /** 1 on completion tokens, 0 on padding `[B, T]`; default all ones. */
  mask?: tf.Tensor;
  /** `P(y ≻ y')` per prompt `[B]`, from a judge or preference model. Or give the two score vectors. */
  probabilities?: tf.Tensor | ArrayLike<number>;
  /** Reward-model scores of the policy's completions `[B]` (then `P = σ(s(y) − s(y'))`, as TRL). */
  policyScores?: tf.Tensor | ArrayLike<number>;
  /** Reward-model scores of the mixture's completions `[B]`. */
  mixtureScores?: tf.Tensor | ArrayLike<number>;
}

/** Config of {@link nashMdLoss} (TRL `NashMDConfig` defaults). */
export const nashMdConfig = z.object({
  /** β, the weight of the KL term (TRL default 0.1). */
  beta: z.number().nonnegative().finite().default(0.1),
});
/** The input form of `nashMdConfig` (every field optional; defaults filled by parsing). */
export type NashMdConfig = z.input<typeof nashMdConfig>;

/** Nash-MD metric names (TRL's `NashMDTrainer` stats); `rewards/chosen|rejected` only with scores. */
export type NashMdMetricName =
  | "loss/score"
  | "loss/kl"
  | "logps/chosen"
  | "logps/rejected"
  | "rewards/chosen"
  | "rewards/rejected"
  | "rewards/probabilities"
  | "rewards/margins"
  | "rewards/accuracies"
  | "objective/entropy";

/** What {@link nashMdLoss} returns. */
export interface NashMdOutput {
  loss: tf.Scalar;
  /** Per-completion losses `[B]`. */
  losses: tf.Tensor1D;
  metrics: Partial<Record<NashMdMetricName, number>>;
}

/**
 * Nash-MD's policy loss (Munos et al. 2023, "Nash Learning from Human Feedback",
 * arXiv:2312.00886; TRL `NashMDTrainer._compute_losses`,
 * `trl/experimental/nash_md/nash_md_trainer.py` at f2cd57710ae345ea6428ae95363267fcf38a3dc8):
 * sample `y ~ π` and `y' ~` the geometric mixture of π and π_ref ({@link geometricMixtureLogits}),
 * let a preference model give `P = P(y ≻ y')`, and take a REINFORCE step on the preference with ½
 * as the control variate, plus a REINFORCE estimate of KL(π‖π_ref):
 *
 *   score = (P − ½)·Σ_t m_t·lp_t
 *   kl    = Σ_t m_t·sg(lp_t − ref_t)·lp_t        (its gradient is ∇KL's REINFORCE estimate)
 *   L = β·kl − score,   loss = mean L
 *
 * With scores, `P = σ(s(y) − s(y'))` (TRL). Needs token log-probs (not sums): the KL term weights
 * each token by its own log-ratio. Metrics (TRL names): `loss/score` (mean score), `loss/kl` (mean
 * `Σ(lp − ref)`), `logps/chosen` (mean `Σ lp`), `logps/rejected` (mean `Σ ref` of the same
 * completions), `rewards/probabilities` (mean P), `rewards/margins` (mean `Σ(lp − ref)`),
 * `rewards/accuracies` (share with `Σ(lp − ref) > 0`), `objective/entropy` (−mean `Σ lp`), and with
 * scores `rewards/chosen|rejected` (mean policy / mixture scores).
 * Defaults (TRL `NashMDConfig`): β 0.1; the mixture coefficient (0.5) is
 * {@link geometricMixtureLogits}'s. Errors: shapes differ → `SHAPE_MISMATCH`; P outside [0, 1],
 * both or neither of `probabilities` and scores → `INVALID_INPUT`; NaN/Inf → `NON_FINITE`.
 *
 * @example
 * const out = nashMdLoss({
 *   logProbs: tf.tensor2d([[-1, -2], [-0.5, -1.5]]), refLogProbs: tf.tensor2d([[-1.5, -1.5], [-1, -1]]),
 *   probabilities: [0.8, 0.3],
 * }, { beta: 0.1 });
 * out.loss.dataSync(); // [0.3]
 * @remarks arXiv:2312.00886; TRL `NashMDTrainer` @ f2cd5771
 */
export function nashMdLoss(inputs: NashMdInputs, config: NashMdConfig = {}): NashMdOutput {
  const fn = "nashMdLoss";
  const { beta } = parseConfig(nashMdConfig, config, fn);
  if (typeof inputs !== "object" || inputs === null) throw new RLError("INVALID_INPUT", `${fn}: inputs must be { logProbs, refLogProbs, mask?, probabilities | policyScores + mixtureScores }`);
  assertTensor(inputs.logProbs, fn, "logProbs", { rank: 2 });
  const shape = inputs.logProbs.shape;
  const batch = shape[0] as number;
  if (batch === 0) throw new RLError("INVALID_INPUT", `${fn}: empty batch (logProbs has 0 rows)`);
  assertShape(inputs.refLogProbs, shape, "refLogProbs", fn);
  if (inputs.mask !== undefined) assertShape(inputs.mask, shape, "mask", fn);
  for (const [name, t] of [["logProbs", inputs.logProbs], ["refLogProbs", inputs.refLogProbs]] as const) {
    const d = t.dataSync();
    for (let k = 0; k < d.length; k++) if (!Number.isFinite(d[k] as number)) throw new RLError("NON_FINITE", `${fn}: ${name} entry ${k} is ${d[k]}`);
  }
  const hasScores = inputs.policyScores !== undefined || inputs.mixtureScores !== undefined;
  if (hasScores === (inputs.probabilities !== undefined)) {
    throw new RLError("INVALID_INPUT", `${fn}: give either probabilities (a judge) or policyScores and mixtureScores (a reward model), not ${hasScores ? "both" : "neither"}`);
  }
  let probs: number[];
  let scores: { policy: number[]; mixture: number[] } | undefined;
  if (hasScores) {
    if (inputs.policyScores === undefined || inputs.mixtureScores === undefined) throw new RLError("INVALID_INPUT", `${fn}: policyScores and mixtureScores go together`);
    scores = { policy: hostVector(inputs.policyScores, "policyScores", batch, "logProbs", fn), mixture: hostVector(inputs.mixtureScores, "mixtureScores", batch, "logProbs", fn) };
    const { policy, mixture } = scores;
    probs = policy.map((s, k) => 1 / (1 + Math.exp(-(s - (mixture[k] as number)))));
  } else {
    probs = hostVector(inputs.probabilities as tf.Tensor | ArrayLike<number>, "probabilities", batch, "logProbs", fn);
    probs.forEach((p, k) => {
      if (p < 0 || p > 1) throw new RLError("INVALID_INPUT", `${fn}: probabilities[${k}] is ${p}; expected a probability in [0, 1]`);
    });
  }
  const out = tf.tidy(() => {
    const m = inputs.mask === undefined ? tf.onesLike(inputs.logProbs) : stopGradient(inputs.mask);
    const lp = tf.mul(inputs.logProbs, m);
    const ref = tf.mul(stopGradient(inputs.refLogProbs), m);
    const lpSum = tf.sum(lp, 1);
    const score = tf.mul(tf.sub(tf.tensor1d(probs), 0.5), lpSum);
    const logRatio = tf.sub(stopGradient(lp), ref);
    const kl = tf.sum(tf.mul(logRatio, lp), 1);
    const losses = tf.sub(tf.mul(kl, beta), score) as tf.Tensor1D;
    return {
      loss: tf.mean(losses) as tf.Scalar,
      losses,
      stats: stopGradient(tf.stack([score, tf.sum(logRatio, 1), lpSum, tf.sum(ref, 1)])),
    };
  });
  const s = out.stats.arraySync() as number[][];
  out.stats.dispose();
  const lossValue = out.loss.dataSync()[0] as number;
  if (!Number.isFinite(lossValue)) {
    tf.dispose([out.loss, out.losses]);
    throw new RLError("NON_FINITE", `${fn}: the loss is not finite in float32 (beta ${beta}); lower beta`);
  }
  const [scoreRow, klRow, lpRow, refRow] = s as [number[], number[], number[], number[]];
  const metrics: Partial<Record<NashMdMetricName, number>> = {
    "loss/score": mean(scoreRow),
    "loss/kl": mean(klRow),
    "logps/chosen": mean(lpRow),
    "logps/rejected": mean(refRow),
    "rewards/probabilities": mean(probs),
    "rewards/margins": mean(klRow),
    "rewards/accuracies": mean(klRow.map((d) => (d > 0 ? 1 : 0))),
    "objective/entropy": -mean(lpRow),
  };
  if (scores) {
    metrics["rewards/chosen"] = mean(scores.policy);
    metrics["rewards/rejected"] = mean(scores.mixture);
  }
  return { loss: out.loss, losses: out.losses, metrics };
}

/** Config of {@link geometricMixtureLogits}. */
export const geometricMixtureConfig = z.object({
  /** The mixture coefficient: the reference's share of the logits (TRL `mixture_coef`, default 0.5). */
  mixtureCoef: z.number().min(0).max(1).default(0.5),
});
/** The input form of `geometricMixtureConfig`. */
export type GeometricMixtureConfig = z.input<typeof geometricMixtureConfig>;

/**
 * The next-token log-probs of Nash-MD's opponent, the geometric mixture
 * `π_mix ∝ π^{1−c}·π_ref^{c}` (arXiv:2312.00886 §6; TRL `GeometricMixtureWrapper.forward`,
 * `trl/experimental/nash_md/nash_md_trainer.py` at f2cd57710ae345ea6428ae95363267fcf38a3dc8):
 *
 *   log π_mix = log_softmax(c·z_ref + (1 − c)·z)     over the last axis
 *
 * Sample `y'` from it token by token (`tf.multinomial` on these). c = `mixtureCoef` (0.5);
 * c = 0 is the policy, c = 1 the reference. Shapes must match (`[…, V]`).
 *
 * @example
 * preferenceBlocks.geometricMixtureLogits(tf.tensor1d([2, 0]), tf.tensor1d([0, 2])).dataSync(); // [-0.693147, -0.693147]
 * @remarks arXiv:2312.00886; TRL `GeometricMixtureWrapper` @ f2cd5771
 */
export function geometricMixtureLogits(policyLogits: tf.Tensor, refLogits: tf.Tensor, config: GeometricMixtureConfig = {}): tf.Tensor {
  const fn = "geometricMixtureLogits";
  const { mixtureCoef } = parseConfig(geometricMixtureConfig, config, fn);
  assertTensor(policyLogits, fn, "policyLogits");
  if (policyLogits.rank === 0) throw new RLError("SHAPE_MISMATCH", `${fn}: policyLogits must have a vocabulary axis, got a scalar`);
  assertShape(refLogits, policyLogits.shape, "refLogits", fn);
  return tf.tidy(() => tf.logSoftmax(tf.add(tf.mul(refLogits, mixtureCoef), tf.mul(policyLogits, 1 - mixtureCoef))));
}

import { clampTensor, RLError, parseConfig, stopGradient, tf, assertTensor } from "@rl/core";
import { z } from "zod";
import { renameDeprecatedKeys } from "./config-aliases.js";
import { clippedSurrogate, importanceWeighted } from "./surrogates.js";
import { countNonFinite } from "./policy-inputs.js";

/** Inputs of {@link rlooSequenceLoss}. */
export interface RlooSequenceInputs {
  /** Per-token log-probs `[B, T]` under the current policy (differentiated). */
  logProbs: tf.Tensor;
  /** 0/1 mask `[B, T]`. */
  mask: tf.Tensor;
  /** Summed behaviour-policy log-probs `[B]` (constant). */
  oldSequenceLogProbs: tf.Tensor;
  /** One advantage per sequence `[B]` (constant; RLOO's leave-one-out baseline, from @rl/credit). */
  advantages: tf.Tensor;
  /**
   * Rollout correction: one sampler-mismatch weight per sequence, `[B]` or `[B, 1]` (constant, ≥ 0;
   * e.g. `vllmImportanceSamplingRatio` at sequence level); multiplies `L_i`. Optional.
   */
  importanceSamplingRatio?: tf.Tensor;
}

/** Config of {@link rlooSequenceLoss} (TRL `RLOOConfig`). */
export const rlooSequenceLossConfig = z.object({
  /** Lower clip `ε_l` (TRL `epsilon`; formerly `epsilon`). Default 0.2. */
  clipLow: z.number().min(0).lt(1).default(0.2),
  /** Upper clip `ε_h` (TRL `epsilon_high`; formerly `epsilonHigh`; default = `clipLow`). */
  clipHigh: z.number().min(0).optional(),
  /** The summed log-ratio is clamped to ±this before `exp` (TRL has none). Default 20. */
  logRatioClamp: z.number().positive().nullable().default(20),
});
export type RlooSequenceLossConfig = z.input<typeof rlooSequenceLossConfig> & {
  /** @deprecated use `clipLow` (accepted for one release) */
  epsilon?: number;
  /** @deprecated use `clipHigh` (accepted for one release) */
  epsilonHigh?: number;
};

/** What {@link rlooSequenceLoss} returns. */
export interface RlooSequenceLossOutput {
  loss: tf.Scalar;
  /** Per-sequence losses `[B]`. */
  perSequence: tf.Tensor1D;
  /** Sequence clip events: `clipRatio/lowMean` (`c₁ < 1−ε ∧ A < 0`), `clipRatio/highMean`, `clipRatio/regionMean`. */
  metrics: { "clipRatio/lowMean": number; "clipRatio/highMean": number; "clipRatio/regionMean": number };
}

/**
 * RLOO's clipped sequence-level surrogate (Ahmadian et al., arXiv:2402.14740; TRL
 * `RLOOTrainer._compute_loss`): a PPO clip on the ratio of **full-sequence** probabilities.
 *
 *   c₁ = exp(clamp(Σ_t lp·M − old, ±20)),   c₂ = clip(c₁, 1 − ε, 1 + ε_h),   L_i = −min(c₁A, c₂A)·w_i,   loss = mean_i L_i
 *
 * (`w_i` = `importanceSamplingRatio`, 1 when absent; `policyBlocks.clippedSurrogate` and `importanceWeighted`.)
 *
 * The ±20 clamp is ours (a summed log-ratio overflows float32 past 88 nats; TRL does not clamp —
 * `logRatioClamp: null`). Defaults ε = 0.2, ε_h = ε (TRL).
 *
 * @example
 * const logProbs = tf.tensor2d([[-4, -6], [-5, -7]]), mask = tf.ones([2, 2]);
 * rlooSequenceLoss({ logProbs, mask, oldSequenceLogProbs: tf.tensor1d([-10.3, -11]), advantages: tf.tensor1d([0.5, -0.5]) });
 * // worked example (Σ lp = [−10, −12]): loss −0.1
 * @remarks arXiv:2402.14740
 */
export function rlooSequenceLoss(inputs: RlooSequenceInputs, config: RlooSequenceLossConfig = {}): RlooSequenceLossOutput {
  const cfg = parseConfig(rlooSequenceLossConfig, renameDeprecatedKeys(config, { epsilon: "clipLow", epsilonHigh: "clipHigh" }, "rlooSequenceLoss"), "rlooSequenceLoss");
  if (typeof inputs !== "object" || inputs === null) throw new RLError("INVALID_INPUT", "rlooSequenceLoss: inputs must be { logProbs, mask, oldSequenceLogProbs, advantages }");
  for (const name of ["logProbs", "mask", "oldSequenceLogProbs", "advantages"] as const) assertTensor(inputs[name], "rlooSequenceLoss", name);
  const { logProbs, mask, oldSequenceLogProbs, advantages } = inputs;
  if (logProbs.rank !== 2) throw new RLError("SHAPE_MISMATCH", `rlooSequenceLoss: logProbs must be [B, T], got [${logProbs.shape.join(",")}]`);
  const B = logProbs.shape[0] as number;
  if (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== logProbs.shape[1]) {
    throw new RLError("SHAPE_MISMATCH", `rlooSequenceLoss: mask has shape [${mask.shape.join(",")}], logProbs [${logProbs.shape.join(",")}]`);
  }
  for (const [name, t] of [["oldSequenceLogProbs", oldSequenceLogProbs], ["advantages", advantages]] as const) {
    if (t.rank !== 1 || t.shape[0] !== B) throw new RLError("SHAPE_MISMATCH", `rlooSequenceLoss: ${name} has shape [${t.shape.join(",")}], expected [${B}]`);
  }
  const is = inputs.importanceSamplingRatio;
  if (is !== undefined) {
    assertTensor(is, "rlooSequenceLoss", "importanceSamplingRatio");
    if (!((is.rank === 1 && is.shape[0] === B) || (is.rank === 2 && is.shape[0] === B && is.shape[1] === 1))) {
      throw new RLError("SHAPE_MISMATCH", `rlooSequenceLoss: importanceSamplingRatio has shape [${is.shape.join(",")}], expected [${B}] or [${B},1]`);
    }
  }
  const epsHigh = cfg.clipHigh ?? cfg.clipLow;
  const out = tf.tidy(() => {
    const valid = tf.greater(mask, 0);
    const m = stopGradient(tf.cast(valid, "float32"));
    const a = stopGradient(tf.mul(advantages, tf.ones([B])));
    const lp = tf.where(valid, logProbs, tf.zeros(logProbs.shape)); // padding may hold NaN / −∞
    let logRatio = tf.sub(tf.sum(lp, 1), stopGradient(oldSequenceLogProbs));
    if (cfg.logRatioClamp !== null) logRatio = clampTensor(logRatio, -cfg.logRatioClamp, cfg.logRatioClamp);
    const c1 = tf.exp(logRatio);
    const w = is === undefined ? undefined : stopGradient(tf.reshape(is, [B]));
    const perSequence = importanceWeighted(clippedSurrogate(c1, a, { clipLow: cfg.clipLow, clipHigh: epsHigh }).perToken, w) as tf.Tensor1D;
    // a weight must be finite and ≥ 0 (checked with the loss, in the same read-back)
    const badWeight = w === undefined ? tf.scalar(0) : tf.sum(tf.cast(tf.logicalOr(tf.logicalNot(tf.isFinite(w)), tf.less(w, 0)), "float32"));
    const low = tf.logicalAnd(tf.less(c1, 1 - cfg.clipLow), tf.less(a, 0));
    const high = tf.logicalAnd(tf.greater(c1, 1 + epsHigh), tf.greater(a, 0));
    const stats = stopGradient(tf.stack([tf.mean(perSequence), countNonFinite([logProbs, oldSequenceLogProbs, advantages], m), tf.mean(tf.cast(low, "float32")), tf.mean(tf.cast(high, "float32")), tf.mean(tf.cast(tf.logicalOr(low, high), "float32")), badWeight]));
    return { loss: tf.mean(perSequence) as tf.Scalar, perSequence, stats };
  });
  const [lossValue, bad, lowMean, highMean, regionMean, badWeight] = Array.from(out.stats.dataSync()) as [number, number, number, number, number, number];
  out.stats.dispose();
  if (badWeight > 0) {
    out.loss.dispose();
    out.perSequence.dispose();
    throw new RLError("NON_FINITE", "rlooSequenceLoss: importanceSamplingRatio has NaN or Inf or negative entries");
  }
  if (bad > 0 || !Number.isFinite(lossValue)) {
    out.loss.dispose();
    out.perSequence.dispose();
    throw new RLError("NON_FINITE", `rlooSequenceLoss: the loss is ${lossValue}; check logProbs, oldSequenceLogProbs and advantages for NaN / Inf`);
  }
  return {
    loss: out.loss,
    perSequence: out.perSequence,
    metrics: { "clipRatio/lowMean": lowMean, "clipRatio/highMean": highMean, "clipRatio/regionMean": regionMean },
  };
}

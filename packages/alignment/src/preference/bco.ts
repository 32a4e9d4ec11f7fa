import { RLError, logSigmoid, parseConfig, stopGradient, tf, type Stateful } from "@rl/core";
import { z } from "zod";
import { binaryLabels, meansByLabel, type UnpairedLossOutput } from "./unpaired.js";
import { assertBatchVectors, assertFinite, assertInputsObject, assertPresent } from "./validate.js";

/**
 * State of {@link bcoRunningMoments}: TRL's `RunningMoments` (mean, population variance and the
 * number of rewards seen; TRL starts at mean 0, var 1, count 1e-24).
 */
export interface BcoRunningMomentsState {
  readonly mean: number;
  readonly var: number;
  readonly count: number;
}

/**
 * The running reward shift δ of unpaired BCO, as TRL's `BCOTrainer` keeps it (`RunningMoments`,
 * `trl/experimental/bco/bco_trainer.py` at f2cd57710ae345ea6428ae95363267fcf38a3dc8): the mean of
 * every implicit reward seen so far, combined batch by batch (Chan et al.'s parallel update):
 *
 *   n' = n + m    δ' = δ + (x̄ − δ)·m/n'    var' = (var·n + (x̄ − δ)²·n·m/n' + v_x·m) / n'
 *
 * with x̄, v_x the batch mean and population variance of its m rewards. `update` returns δ'
 * (TRL updates before computing the loss, so the current batch counts). An explicit
 * `{ init, update }` object: no hidden state. Unlike {@link bcoRewardShift} (a mean of batch
 * means, older TRL `bco_pair`), every reward has the same weight.
 *
 * @example
 * const moments = preferenceBlocks.bcoRunningMoments();
 * const step = moments.update([0.5, -0.75, -0.25, 0.125], moments.init());
 * step.output; // -0.09375
 * @remarks arXiv:2404.04656
 */
export function bcoRunningMoments(): Stateful<BcoRunningMomentsState, ArrayLike<number>, number> {
  return {
    init: () => ({ mean: 0, var: 1, count: 1e-24 }),
    update: (xs, state) => {
      const m = xs.length;
      if (m === 0) throw new RLError("INVALID_INPUT", "bcoRunningMoments: empty batch (no rewards)");
      let s = 0;
      for (let k = 0; k < m; k++) {
        const x = xs[k] as number;
        if (!Number.isFinite(x)) throw new RLError("NON_FINITE", `bcoRunningMoments: rewards[${k}] is ${x}`);
        s += x;
      }
      const xm = s / m;
      let ss = 0;
      for (let k = 0; k < m; k++) ss += ((xs[k] as number) - xm) ** 2;
      const xv = ss / m;
      const delta = xm - state.mean;
      const n = state.count + m;
      const mean = state.mean + (delta * m) / n;
      const variance = (state.var * state.count + (delta * delta * state.count * m) / n + xv * m) / n;
      return { output: mean, state: { mean, var: variance, count: n } };
    },
  };
}

/** Inputs of {@link bcoLoss}: unpaired completions with binary labels, summed log-probs `[B]`. */
export interface BcoInputs {
  policy: tf.Tensor;
  reference: tf.Tensor;
  /** 1 = desirable, 0 = undesirable, `[B]`. */
  labels: tf.Tensor | ArrayLike<number | boolean>;
  /**
   * Optional `[B]`: the UDM prompt classifier's probability that each row's prompt comes from the
   * desirable distribution (TRL `_get_chosen_prob` on the prompt embeddings). When given, each
   * undesirable row's loss is weighted by `clamp(p / (1 − p + 1e-8), minDensityRatio, maxDensityRatio)`
   * (TRL `match_underlying_distribution`); desirable rows keep weight 1.
   */
  desirableProbs?: tf.Tensor | ArrayLike<number>;
}

/** Config of {@link bcoLoss} (TRL `BCOConfig` defaults). */
export const bcoConfig = z.object({
  /** β, the implicit reward scale. */
  beta: z.number().positive().finite().default(0.1),
  /** The reward shift δ (the running mean of implicit rewards, from {@link bcoRunningMoments}); 0 = none. */
  bcoRewardShift: z.number().finite().default(0),
  /** Lower clamp of the UDM density ratio. */
  minDensityRatio: z.number().nonnegative().finite().default(0.5),
  /** Upper clamp of the UDM density ratio. */
  maxDensityRatio: z.number().positive().finite().default(10),
});
/** The input form of `bcoConfig` (every field optional; defaults filled by parsing). */
export type BcoConfig = z.input<typeof bcoConfig>;

/** BCO metric names (TRL's, as means). */
export type BcoMetricName = "delta" | "rewards/chosen" | "rewards/rejected" | "rewards/margins";

/** What {@link bcoLoss} returns (`rewards`: feed them to {@link bcoRunningMoments}). */
export type BcoOutput = UnpairedLossOutput<BcoMetricName>;

/**
 * Unpaired BCO, Binary Classifier Optimization (Jung et al. 2024, arXiv:2404.04656; TRL
 * `BCOTrainer.bco_loss`, `trl/experimental/bco/bco_trainer.py` at
 * f2cd57710ae345ea6428ae95363267fcf38a3dc8): the implicit reward is the logit of a binary
 * classifier of desirable vs undesirable completions, shifted by the running mean δ of rewards:
 *
 *   r = β(π − ρ)                      (ρ stop-gradient)
 *   desirable:   L = −log σ(r − δ)
 *   undesirable: L = −w · log σ(−(r − δ))      w = clamp(p/(1 − p + 1e-8), min, max) with UDM, else 1
 *   loss = mean over all examples
 *
 * δ comes from the caller (`bcoRewardShift`): TRL updates its running moments with this batch's
 * rewards and then uses their mean — `bcoRunningMoments().update(rewards, state).output`, with
 * the rewards of the same step (`β·(π − ρ)`, no gradient). Defaults: β 0.1, δ 0, density ratio
 * clamp [0.5, 10] (TRL). Edge cases: a batch of one label is fine (the other half has no metric);
 * labels other than 0/1, probabilities outside [0, 1] and non-finite inputs throw `RLError`.
 *
 * @example
 * bcoLoss({ policy: tf.tensor1d([0.5, -0.2, -0.4]), reference: tf.zeros([3]), labels: [1, 1, 0] },
 *   { beta: 1, bcoRewardShift: 0.1 }).loss.dataSync(); // [0.613816]
 * @remarks arXiv:2404.04656
 */
export function bcoLoss(inputs: BcoInputs, config: BcoConfig = {}): BcoOutput {
  const fn = "bcoLoss";
  const cfg = parseConfig(bcoConfig, config, fn);
  if (cfg.minDensityRatio > cfg.maxDensityRatio) {
    throw new RLError("INVALID_CONFIG", `${fn}: minDensityRatio ${cfg.minDensityRatio} is above maxDensityRatio ${cfg.maxDensityRatio}`);
  }
  assertInputsObject(inputs, fn, "{ policy, reference, labels, desirableProbs? }");
  const { policy, reference } = inputs;
  assertPresent({ policy, reference }, fn);
  const B = assertBatchVectors({ policy, reference }, fn);
  assertFinite(policy, "policy", fn);
  assertFinite(reference, "reference", fn);
  const labelValues = binaryLabels(inputs.labels, B, fn);
  let weights: number[] | undefined;
  if (inputs.desirableProbs !== undefined) {
    const p = Array.from(inputs.desirableProbs instanceof tf.Tensor ? inputs.desirableProbs.dataSync() : inputs.desirableProbs, Number);
    if (p.length !== B) throw new RLError("SHAPE_MISMATCH", `${fn}: desirableProbs has ${p.length} entries, policy has ${B}`);
    weights = p.map((v, k) => {
      if (!(v >= 0 && v <= 1)) throw new RLError("INVALID_INPUT", `${fn}: desirableProbs[${k}] is ${v}; expected a probability in [0, 1]`);
      if (labelValues[k] === 1) return 1;
      return Math.min(Math.max(v / (1 - v + 1e-8), cfg.minDensityRatio), cfg.maxDensityRatio);
    });
  }
  const out = tf.tidy(() => {
    const desirable = tf.tensor1d(labelValues, "float32");
    const rewards = tf.mul(tf.sub(policy, stopGradient(reference)), cfg.beta);
    const x = tf.sub(rewards, cfg.bcoRewardShift);
    const lossD = tf.neg(logSigmoid(x));
    const lossU = tf.neg(logSigmoid(tf.neg(x)));
    let losses = tf.add(tf.mul(desirable, lossD), tf.mul(tf.sub(1, desirable), lossU));
    if (weights !== undefined) losses = tf.mul(losses, tf.tensor1d(weights, "float32"));
    return { loss: tf.mean(losses) as tf.Scalar, losses: losses as tf.Tensor1D, rewards: stopGradient(rewards) as tf.Tensor1D };
  });
  const rewardValues = out.rewards.dataSync();
  const lossValue = out.loss.dataSync()[0] as number;
  if (!Number.isFinite(lossValue) || rewardValues.some((v) => !Number.isFinite(v))) {
    tf.dispose([out.loss, out.losses, out.rewards]);
    throw new RLError(
      "NON_FINITE",
      `${fn}: the loss would be ${lossValue} from finite log-probs (beta ${cfg.beta} and bcoRewardShift ${cfg.bcoRewardShift} overflow float32, max 3.4e38); use smaller values`,
    );
  }
  const { desirable, undesirable } = meansByLabel(labelValues, rewardValues);
  const metrics: Partial<Record<BcoMetricName, number>> = { delta: cfg.bcoRewardShift };
  if (desirable) metrics["rewards/chosen"] = desirable[0] as number;
  if (undesirable) metrics["rewards/rejected"] = undesirable[0] as number;
  if (desirable && undesirable) metrics["rewards/margins"] = (desirable[0] as number) - (undesirable[0] as number);
  return { loss: out.loss, losses: out.losses, rewards: out.rewards, metrics };
}

import { RLError, stopGradient, tf } from "@rl/core";
import { z } from "zod";
import { ipoPairLoss } from "./dpo/ipo.js";
import { sigmoidPairLoss } from "./dpo/sigmoid.js";
import { pairTerms } from "./dpo/terms.js";
import { pairwiseMetrics, type PreferenceLossOutput, type PreferenceMetricName } from "./preference-metrics.js";
import { assertBatchVectors, assertPresent, hostVector } from "./validate.js";

/**
 * Two sampled completions per prompt, their summed log-probs under the policy and the reference
 * `[B]` each, and who won. The preference is either scores (a reward model's or reward
 * functions', `first ≥ second` ⇒ the first is chosen, ties to the first as TRL) or a judge's
 * verdict (`firstPreferred`); give exactly one of the two.
 */
export interface TwoCompletionLogProbs {
  /** Policy log-probs (token sums) of the first completion `[B]`. */
  policyFirst: tf.Tensor;
  /** Policy log-probs of the second completion `[B]`. */
  policySecond: tf.Tensor;
  /** Reference log-probs of the first completion `[B]` (stop-gradient). */
  refFirst: tf.Tensor;
  /** Reference log-probs of the second completion `[B]` (stop-gradient). */
  refSecond: tf.Tensor;
  /** Scores of the first completions `[B]` (reward model / reward functions). */
  scoresFirst?: tf.Tensor | ArrayLike<number>;
  /** Scores of the second completions `[B]`. */
  scoresSecond?: tf.Tensor | ArrayLike<number>;
  /** A judge's verdict `[B]`: 1 / true = the first completion is preferred. */
  firstPreferred?: tf.Tensor | ArrayLike<number | boolean>;
  /** Whether each first completion holds an EOS token `[B]` (for `missingEosPenalty`). */
  firstHasEos?: ArrayLike<number | boolean>;
  /** Whether each second completion holds an EOS token `[B]`. */
  secondHasEos?: ArrayLike<number | boolean>;
}

/** The config keys TRL's online trainers share (`OnlineDPOConfig`, `XPOConfig`). @internal */
export const onlinePairFields = {
  /** β (TRL default 0.1; τ of IPO). */
  beta: z.number().positive().finite().default(0.1),
  /** `"sigmoid"` (DPO) or `"ipo"` (on token sums, as TRL's online trainers). Default `"sigmoid"`. */
  lossType: z.enum(["sigmoid", "ipo"]).default("sigmoid"),
  /** Subtracted from the score of a completion without EOS (TRL `missing_eos_penalty`); `null` = none. */
  missingEosPenalty: z.number().positive().finite().nullable().default(null),
};

/** What the host side of the pairing decided (plain numbers, no gradient). @internal */
export interface OnlinePairing {
  batch: number;
  /** 1 where the first completion is the chosen one. */
  firstChosen: number[];
  /** Scores after the EOS penalty, when scores were given. */
  scores?: { first: number[]; second: number[] };
}

/**
 * Validates two-completion inputs and decides, per prompt, which completion is chosen (TRL:
 * `mask = first_scores >= second_scores`, after subtracting `missingEosPenalty` from scores of
 * completions without EOS; or the judge's verdict).
 * @internal
 */
export function pairByPreference(inputs: TwoCompletionLogProbs, missingEosPenalty: number | null, fn: string): OnlinePairing {
  if (typeof inputs !== "object" || inputs === null) throw new RLError("INVALID_INPUT", `${fn}: inputs must be { policyFirst, policySecond, refFirst, refSecond, scoresFirst/scoresSecond or firstPreferred }`);
  const { policyFirst, policySecond, refFirst, refSecond } = inputs;
  assertPresent({ policyFirst, policySecond, refFirst, refSecond }, fn);
  const batch = assertBatchVectors({ policyFirst, policySecond, refFirst, refSecond }, fn);
  const hasScores = inputs.scoresFirst !== undefined || inputs.scoresSecond !== undefined;
  if (hasScores === (inputs.firstPreferred !== undefined)) {
    throw new RLError("INVALID_INPUT", `${fn}: give either scoresFirst and scoresSecond (a reward model) or firstPreferred (a judge), not ${hasScores ? "both" : "neither"}`);
  }
  if (!hasScores) {
    const verdict = hostVector(inputs.firstPreferred as tf.Tensor | ArrayLike<number | boolean>, "firstPreferred", batch, "policyFirst", fn);
    verdict.forEach((v, k) => {
      if (v !== 0 && v !== 1) throw new RLError("INVALID_INPUT", `${fn}: firstPreferred[${k}] is ${v}; a verdict is 0 or 1`);
    });
    return { batch, firstChosen: verdict };
  }
  if (inputs.scoresFirst === undefined || inputs.scoresSecond === undefined) {
    throw new RLError("INVALID_INPUT", `${fn}: scoresFirst and scoresSecond go together`);
  }
  const first = hostVector(inputs.scoresFirst, "scoresFirst", batch, "policyFirst", fn);
  const second = hostVector(inputs.scoresSecond, "scoresSecond", batch, "policyFirst", fn);
  if (missingEosPenalty !== null) {
    if (inputs.firstHasEos === undefined || inputs.secondHasEos === undefined) {
      throw new RLError("INVALID_INPUT", `${fn}: missingEosPenalty needs firstHasEos and secondHasEos`);
    }
    const eosFirst = hostVector(inputs.firstHasEos, "firstHasEos", batch, "policyFirst", fn);
    const eosSecond = hostVector(inputs.secondHasEos, "secondHasEos", batch, "policyFirst", fn);
    for (let k = 0; k < batch; k++) {
      if (!eosFirst[k]) first[k] = (first[k] as number) - missingEosPenalty;
      if (!eosSecond[k]) second[k] = (second[k] as number) - missingEosPenalty;
    }
  }
  return { batch, firstChosen: first.map((s, k) => (s >= (second[k] as number) ? 1 : 0)), scores: { first, second } };
}

/** `where(firstChosen, a, b)` and its complement: the chosen and rejected rows (differentiable). */
function splitChosen(firstChosen: number[], first: tf.Tensor, second: tf.Tensor): { chosen: tf.Tensor; rejected: tf.Tensor } {
  const mask = tf.tensor1d(firstChosen, "bool");
  return { chosen: tf.where(mask, first, second), rejected: tf.where(mask, second, first) };
}

/** What {@link onlinePairLoss} returns: the pairwise output plus the pairing and the DPO term's mean. @internal */
export interface OnlinePairLossOutput extends PreferenceLossOutput<PreferenceMetricName | "objective/kl" | "objective/entropy"> {
  pairing: OnlinePairing;
  /** Mean of the DPO term, and of `extra` when given (plain numbers). */
  dpoMean: number;
  extraMean: number;
}

/**
 * The online trainers' shared step (TRL `OnlineDPOTrainer.training_step`, `XPOTrainer._compute_losses`):
 * pair the two completions by the preference, then the DPO term on token sums,
 * `sigmoid` `−logσ(βΔ)` or `ipo` `(Δ − 1/(2β))²` with `Δ = (π_c − ρ_c) − (π_r − ρ_r)`, plus an
 * optional per-prompt `extra` term (XPO's exploration bonus). Metrics as `dpoLoss`, plus TRL's
 * `objective/kl` (mean over the 2B completions of `π − ρ`) and `objective/entropy` (−mean π).
 * @internal
 */
export function onlinePairLoss(
  inputs: TwoCompletionLogProbs,
  cfg: { beta: number; lossType: "sigmoid" | "ipo"; missingEosPenalty: number | null },
  fn: string,
  extra?: () => tf.Tensor,
): OnlinePairLossOutput {
  const pairing = pairByPreference(inputs, cfg.missingEosPenalty, fn);
  const out = tf.tidy(() => {
    const p = splitChosen(pairing.firstChosen, inputs.policyFirst, inputs.policySecond);
    const r = splitChosen(pairing.firstChosen, inputs.refFirst, inputs.refSecond);
    const t = pairTerms(p.chosen, p.rejected, r.chosen, r.rejected, cfg.beta);
    const dpo = cfg.lossType === "sigmoid" ? sigmoidPairLoss(t.z) : ipoPairLoss(tf.sub(t.lc, t.lr), cfg.beta);
    const more = extra?.();
    const losses = (more === undefined ? dpo : tf.add(dpo, more)) as tf.Tensor1D;
    return {
      loss: tf.mean(losses) as tf.Scalar,
      losses,
      chosenRewards: stopGradient(tf.mul(t.lc, cfg.beta)) as tf.Tensor1D,
      rejectedRewards: stopGradient(tf.mul(t.lr, cfg.beta)) as tf.Tensor1D,
      side: stopGradient(tf.stack([p.chosen, p.rejected])),
      means: stopGradient(tf.stack([tf.mean(dpo), more === undefined ? tf.scalar(0) : tf.mean(more)])),
    };
  });
  const { side, means, ...kept } = out;
  const [pc, pr] = tf.unstack(side);
  let metrics: ReturnType<typeof pairwiseMetrics>;
  try {
    metrics = pairwiseMetrics(out.chosenRewards, out.rejectedRewards, pc as tf.Tensor, pr as tf.Tensor);
  } catch (e) {
    tf.dispose([side, means, pc as tf.Tensor, pr as tf.Tensor, out.loss, out.losses, out.chosenRewards, out.rejectedRewards]);
    if (RLError.isInstance(e) && e.code === "NON_FINITE") {
      throw new RLError("NON_FINITE", `${fn}: the implicit rewards β·log-ratio are not finite in float32 (beta ${cfg.beta}); lower beta`, { cause: e });
    }
    throw e;
  }
  const [dpoMean, extraMean] = Array.from(means.dataSync()) as [number, number];
  tf.dispose([side, means, pc as tf.Tensor, pr as tf.Tensor]);
  if (!Number.isFinite(dpoMean) || !Number.isFinite(extraMean)) {
    tf.dispose([out.loss, out.losses, out.chosenRewards, out.rejectedRewards]);
    throw new RLError("NON_FINITE", `${fn}: the loss is not finite in float32 (beta ${cfg.beta}); lower beta or alpha`);
  }
  const [pf, ps, rf, rs] = [inputs.policyFirst.dataSync(), inputs.policySecond.dataSync(), inputs.refFirst.dataSync(), inputs.refSecond.dataSync()];
  const kl = mean([...Array.from(pf, (v, k) => v - (rf[k] as number)), ...Array.from(ps, (v, k) => v - (rs[k] as number))]);
  const entropy = -mean([...Array.from(pf), ...Array.from(ps)]);
  return { ...kept, metrics: { ...metrics, "objective/kl": kl, "objective/entropy": entropy }, pairing, dpoMean, extraMean };
}

/** Float64 mean of a list. @internal */
export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < xs.length; k++) s += xs[k] as number;
  return xs.length > 0 ? s / xs.length : 0;
}

import { RLError, log1mexp, logSigmoid, parseConfig, stopGradient, tf } from "@rl/core";
import { z } from "zod";
import { pairwiseMetrics, type PreferenceMetricName } from "./preference-metrics.js";
import { asScalar, assertBatchVectors, assertScalarInput } from "./validate.js";

/** Inputs of {@link orpoLoss}: token-**mean** log-probs `[B]` and the chosen NLL. */
export interface OrpoInputs {
  chosenAvgLogProbs: tf.Tensor;
  rejectedAvgLogProbs: tf.Tensor;
  /** Token-mean cross-entropy over the chosen completion tokens (scalar; differentiable). */
  chosenNll: tf.Tensor | number;
}

/** Config of {@link orpoLoss} (TRL `ORPOConfig`). */
export const orpoConfig = z.object({
  /** β, the weight of the odds-ratio term (the paper's λ). Default 0.1. */
  beta: z.number().positive().finite().default(0.1),
});
/** The input form of `orpoConfig` (every field optional; defaults filled by parsing). */
export type OrpoConfig = z.input<typeof orpoConfig>;

/** ORPO's metric names (TRL's, including its swapped `log_odds_*` names). */
export type OrpoMetricName = PreferenceMetricName | "nll_loss" | "log_odds_ratio" | "log_odds_chosen";

/** What {@link orpoLoss} returns. */
export interface OrpoOutput {
  loss: tf.Scalar;
  /** `β·logσ(λ_i)` per pair `[B]` (TRL's `losses`; the loss subtracts their mean). */
  oddsRatioTerms: tf.Tensor1D;
  /** The log odds ratio `λ_i` per pair `[B]`. */
  logOdds: tf.Tensor1D;
  chosenRewards: tf.Tensor1D;
  rejectedRewards: tf.Tensor1D;
  metrics: Record<OrpoMetricName, number>;
}

/**
 * ORPO, Odds-Ratio Preference Optimisation (Hong et al. 2024, arXiv:2403.07691; docs/alignment/preference.md):
 * SFT plus a log-odds-ratio penalty, no reference model.
 *
 *   log odds(a) = a − log(1 − e^{a})            (a = average log-prob < 0; log1mexp from @rl/core)
 *   λ_i = (a_c − a_r) − (log1mexp(a_c) − log1mexp(a_r))
 *   loss = chosenNll − mean_i β·logσ(λ_i)
 *
 * Rewards (stop-gradient) `β·a`. Metrics: pairwise ones plus `nll_loss`, `log_odds_ratio`
 * (= mean of `logσ(λ)`) and `log_odds_chosen` (= mean of `λ`) — TRL's names, whose contents are
 * swapped relative to the names; kept for log compatibility.
 * Edge cases: `a = 0` (certain response) is clamped to `−1e-7` by `log1mexp`; `a > 0` is not a
 * log-probability and throws `INVALID_INPUT`.
 *
 * @example
 * orpoLoss({ chosenAvgLogProbs: tf.tensor1d([-0.5, -0.9]), rejectedAvgLogProbs: tf.tensor1d([-1.2, -0.4]),
 *   chosenNll: 0.5 }).loss.dataSync(); // [0.581237]
 * @remarks arXiv:2403.07691
 */
export function orpoLoss(inputs: OrpoInputs, config: OrpoConfig = {}): OrpoOutput {
  const { beta } = parseConfig(orpoConfig, config, "orpoLoss");
  if (typeof inputs !== "object" || inputs === null) throw new RLError("INVALID_INPUT", "orpoLoss: inputs must be { chosenAvgLogProbs, rejectedAvgLogProbs, chosenNll }");
  const { chosenAvgLogProbs, rejectedAvgLogProbs, chosenNll } = inputs;
  if (chosenAvgLogProbs === undefined || rejectedAvgLogProbs === undefined) throw new RLError("INVALID_INPUT", "orpoLoss: chosenAvgLogProbs and rejectedAvgLogProbs are required");
  assertBatchVectors({ chosenAvgLogProbs, rejectedAvgLogProbs }, "orpoLoss");
  assertScalarInput(chosenNll, "chosenNll", "orpoLoss");
  for (const [name, t] of [["chosenAvgLogProbs", chosenAvgLogProbs], ["rejectedAvgLogProbs", rejectedAvgLogProbs]] as const) {
    const d = t.dataSync();
    for (let k = 0; k < d.length; k++) {
      if ((d[k] as number) > 0) throw new RLError("INVALID_INPUT", `orpoLoss: ${name}[${k}] is ${d[k]}; an average log-prob is ≤ 0`);
    }
  }
  const out = tf.tidy(() => {
    const ac = chosenAvgLogProbs;
    const ar = rejectedAvgLogProbs;
    const logOdds = tf.sub(tf.sub(ac, ar), tf.sub(log1mexp(ac), log1mexp(ar)));
    const ls = logSigmoid(logOdds);
    const terms = tf.mul(ls, beta);
    const nll = asScalar(chosenNll);
    return {
      loss: tf.sub(nll, tf.mean(terms)) as tf.Scalar,
      oddsRatioTerms: terms as tf.Tensor1D,
      logOdds: logOdds as tf.Tensor1D,
      chosenRewards: tf.mul(stopGradient(ac), beta) as tf.Tensor1D,
      rejectedRewards: tf.mul(stopGradient(ar), beta) as tf.Tensor1D,
      stats: stopGradient(tf.stack([tf.reshape(nll, []), tf.mean(ls), tf.mean(logOdds)])),
    };
  });
  const [nllValue, meanLs, meanLogOdds] = Array.from(out.stats.dataSync()) as [number, number, number];
  out.stats.dispose();
  const metrics: Record<OrpoMetricName, number> = {
    ...pairwiseMetrics(out.chosenRewards, out.rejectedRewards, chosenAvgLogProbs, rejectedAvgLogProbs),
    nll_loss: nllValue,
    log_odds_ratio: meanLs,
    log_odds_chosen: meanLogOdds,
  };
  return {
    loss: out.loss,
    oddsRatioTerms: out.oddsRatioTerms,
    logOdds: out.logOdds,
    chosenRewards: out.chosenRewards,
    rejectedRewards: out.rejectedRewards,
    metrics,
  };
}

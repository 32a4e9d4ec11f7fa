import { RLError, parseConfig, stopGradient, tf } from "@rl/core";
import { z } from "zod";
import { hingePairLoss } from "./dpo/hinge.js";
import { sigmoidPairLoss } from "./dpo/sigmoid.js";
import { pairwiseMetrics, type PreferenceLossOutput } from "./preference-metrics.js";
import { asScalar, assertBatchVectors, assertScalarInput } from "./validate.js";

/** Inputs of {@link simpoLoss}: token-**mean** log-probs `[B]` (`sequenceLogProbs(…, { reduction: "mean" })`). */
export interface SimpoInputs {
  chosenAvgLogProbs: tf.Tensor;
  rejectedAvgLogProbs: tf.Tensor;
  /** Token-mean cross-entropy of the chosen responses (scalar), for the optional SFT term. */
  chosenNll?: tf.Tensor | number;
}

/** Config of {@link simpoLoss}, with the SimPO repo's defaults. */
export const simpoConfig = z
  .object({
    /** β (SimPO repo default 2.0; SimPO needs a much larger β than DPO). */
    beta: z.number().positive().finite().default(2.0),
    /** Absolute target margin γ (the paper's form). Give this or `gammaBetaRatio`, not both. */
    gamma: z.number().finite().optional(),
    /** γ/β (the repo's form); used when `gamma` is not given. Default 0.25. */
    gammaBetaRatio: z.number().finite().optional(),
    /** ε of the smoothed sigmoid, in [0, 0.5). Default 0. */
    labelSmoothing: z.number().min(0).lt(0.5).default(0),
    /** `"sigmoid"` or `"hinge"`. Default `"sigmoid"`. */
    lossType: z.enum(["sigmoid", "hinge"]).default("sigmoid"),
    /** Weight of the SFT (chosen NLL) term. Default 0. */
    sftWeight: z.number().nonnegative().finite().default(0),
  })
  .refine((c) => c.gamma === undefined || c.gammaBetaRatio === undefined, {
    message: "give gamma or gammaBetaRatio, not both",
    path: ["gamma"],
  });
/** The input form of `simpoConfig` (every field optional; defaults filled by parsing). */
export type SimpoConfig = z.input<typeof simpoConfig>;

/**
 * SimPO, Simple Preference Optimisation (Meng et al. 2024, arXiv:2405.14734; docs/alignment/preference.md): a
 * reference-free loss on length-normalised log-likelihoods with a target margin γ.
 *
 *   z = (a_c − a_r) − γ/β
 *   sigmoid: L = −(1−ε)·logσ(βz) − ε·logσ(−βz)        hinge: L = max(0, 1 − βz)
 *   loss = mean L + sftWeight · chosenNll
 *
 * Rewards (stop-gradient) `R = β·a`; metrics as DPO (`logps/*` are the average log-probs).
 * Defaults (SimPO repo): β 2.0, γ/β 0.25, ε 0, sigmoid, no SFT term.
 * Errors: `sftWeight > 0` without `chosenNll` → `INVALID_INPUT`; see `dpoLoss` for the rest.
 *
 * @example
 * simpoLoss({ chosenAvgLogProbs: tf.tensor1d([-1, -0.6]), rejectedAvgLogProbs: tf.tensor1d([-1.5, -0.5]) },
 *   { beta: 2, gamma: 1 }).loss.dataSync(); // [1.078215]
 * @remarks arXiv:2405.14734
 */
export function simpoLoss(inputs: SimpoInputs, config: SimpoConfig = {}): PreferenceLossOutput {
  const cfg = parseConfig(simpoConfig, config, "simpoLoss");
  if (typeof inputs !== "object" || inputs === null) throw new RLError("INVALID_INPUT", "simpoLoss: inputs must be { chosenAvgLogProbs, rejectedAvgLogProbs, chosenNll? }");
  const { chosenAvgLogProbs, rejectedAvgLogProbs, chosenNll } = inputs;
  if (chosenAvgLogProbs === undefined || rejectedAvgLogProbs === undefined) throw new RLError("INVALID_INPUT", "simpoLoss: chosenAvgLogProbs and rejectedAvgLogProbs are required");
  assertBatchVectors({ chosenAvgLogProbs, rejectedAvgLogProbs }, "simpoLoss");
  if (cfg.sftWeight > 0 && chosenNll === undefined) {
    throw new RLError("INVALID_INPUT", "simpoLoss: sftWeight > 0 needs chosenNll");
  }
  const gamma = cfg.gamma ?? (cfg.gammaBetaRatio ?? 0.25) * cfg.beta;
  if (!(Math.abs(gamma / cfg.beta) <= 3.4028234663852886e38 && cfg.beta <= 3.4028234663852886e38)) throw new RLError("INVALID_CONFIG", `simpoLoss: beta ${cfg.beta} / gamma ${gamma} overflow float32 (max 3.4e38) and would give ±Infinity`);
  const nll = cfg.sftWeight > 0 ? chosenNll : undefined;
  if (nll !== undefined) assertScalarInput(nll, "chosenNll", "simpoLoss");
  const out = tf.tidy(() => {
    const z = tf.sub(tf.sub(chosenAvgLogProbs, rejectedAvgLogProbs), gamma / cfg.beta);
    const bz = tf.mul(z, cfg.beta);
    let losses: tf.Tensor;
    if (cfg.lossType === "hinge") losses = hingePairLoss(bz);
    else losses = sigmoidPairLoss(bz, cfg.labelSmoothing);
    const mean = tf.mean(losses);
    return {
      loss: (nll === undefined ? mean : tf.add(mean, tf.mul(asScalar(nll), cfg.sftWeight))) as tf.Scalar,
      losses: losses as tf.Tensor1D,
      chosenRewards: tf.mul(stopGradient(chosenAvgLogProbs), cfg.beta) as tf.Tensor1D,
      rejectedRewards: tf.mul(stopGradient(rejectedAvgLogProbs), cfg.beta) as tf.Tensor1D,
    };
  });
  const metrics = pairwiseMetrics(out.chosenRewards, out.rejectedRewards, chosenAvgLogProbs, rejectedAvgLogProbs);
  return { ...out, metrics };
}

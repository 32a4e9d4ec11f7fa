import { RLError, parseConfig, stopGradient, tf, assertTensor } from "@rl/core";
import { z } from "zod";
import { hingePairLoss } from "./dpo/hinge.js";
import { ipoPairLoss } from "./dpo/ipo.js";
import { sigmoidPairLoss } from "./dpo/sigmoid.js";
import { pairwiseMetrics, type PreferenceLossOutput, type PreferenceMetricName } from "./preference-metrics.js";
import { asScalar, assertBatchVectors, assertScalarInput } from "./validate.js";

/**
 * Inputs of {@link cpoLoss}: policy log-probs `[B]` — token **sums** for `sigmoid` / `hinge`,
 * token **means** for `ipo` / `simpo` (as TRL's `concatenated_forward` computes them) — and the
 * chosen NLL (token-mean cross-entropy, scalar).
 */
export interface CpoInputs {
  policyChosen: tf.Tensor;
  policyRejected: tf.Tensor;
  /** Needed when `cpoAlpha > 0`. */
  chosenNll?: tf.Tensor | number;
}

/** Config of {@link cpoLoss} (TRL `CPOConfig` defaults). */
export const cpoConfig = z.object({
  beta: z.number().positive().finite().default(0.1),
  lossType: z.enum(["sigmoid", "hinge", "ipo", "simpo"]).default("sigmoid"),
  /** ε of the smoothed sigmoid / simpo, in [0, 0.5). Ignored by hinge and ipo. Default 0. */
  labelSmoothing: z.number().min(0).lt(0.5).default(0),
  /** Weight of the NLL (behaviour-cloning) term. Default 1.0; 0 for pure SimPO. */
  cpoAlpha: z.number().nonnegative().finite().default(1.0),
  /** Absolute margin γ of the `simpo` type. Default 0.5. */
  simpoGamma: z.number().finite().default(0.5),
  /**
   * AlphaPO's α (TRL `alpha`): 0 = plain log-probs. A non-zero α must satisfy |α| ≥ 1e-6: below
   * that `απ` underflows in float32 and `r(π)` would be 0/0 (and `r(π) ≈ π` anyway: use 0).
   */
  alphaPo: z
    .number()
    .finite()
    .refine((a) => a === 0 || Math.abs(a) >= 1e-6, { message: "alphaPo must be 0 or have |alphaPo| ≥ 1e-6 (smaller values underflow float32)" })
    .default(0),
});
/** The input form of `cpoConfig` (every field optional; defaults filled by parsing). */
export type CpoConfig = z.input<typeof cpoConfig>;

/** CPO metrics: the pairwise ones plus `nll_loss`. */
export type CpoMetricName = PreferenceMetricName | "nll_loss";

/** Largest exponent argument of AlphaPO's `e^{−απ}` (float32 overflows at ≈ 88.7). */
const EXP_CAP = 80;

/**
 * CPO, Contrastive Preference Optimisation (Xu et al. 2024, arXiv:2401.08417; docs/alignment/preference.md), with the
 * AlphaPO reward (Gupta et al. 2025, arXiv:2501.03884). Reference-free; `r(π) = π`, or with
 * `alphaPo = α ≠ 0`: `r(π) = (1 − e^{−απ})/α` (exponent clamped at 80 so it stays finite).
 *
 *   Δ = r(π_c) − r(π_r)
 *   sigmoid: −(1−ε)logσ(βΔ) − ε logσ(−βΔ)     hinge: max(0, 1 − βΔ)
 *   ipo: (Δ − 1/(2β))²                          simpo: smoothed sigmoid of β(Δ − γ/β)
 *   loss = mean L + cpoAlpha · chosenNll
 *
 * Rewards (stop-gradient) `β·r(π)`. Metrics: pairwise ones and `nll_loss`.
 * Defaults (TRL): β 0.1, sigmoid, ε 0, cpoAlpha 1, γ 0.5, α 0.
 *
 * @example
 * cpoLoss({ policyChosen: tf.tensor1d([-10, -20]), policyRejected: tf.tensor1d([-12, -18]), chosenNll: 0.5 })
 *   .loss.dataSync(); // [1.198139] (= 0.698139 + 0.5)
 * @remarks arXiv:2401.08417 (CPO), arXiv:2501.03884 (AlphaPO)
 */
export function cpoLoss(inputs: CpoInputs, config: CpoConfig = {}): PreferenceLossOutput<CpoMetricName> {
  const cfg = parseConfig(cpoConfig, config, "cpoLoss");
  if (typeof inputs !== "object" || inputs === null) throw new RLError("INVALID_INPUT", "cpoLoss: inputs must be { policyChosen, policyRejected, chosenNll? }");
  for (const name of ["policyChosen", "policyRejected"] as const) assertTensor(inputs[name], "cpoLoss", name);
  const { policyChosen, policyRejected, chosenNll } = inputs;
  assertBatchVectors({ policyChosen, policyRejected }, "cpoLoss");
  if (cfg.cpoAlpha > 0 && chosenNll === undefined) throw new RLError("INVALID_INPUT", "cpoLoss: cpoAlpha > 0 needs chosenNll");
  if (chosenNll !== undefined) assertScalarInput(chosenNll, "chosenNll", "cpoLoss");
  const { beta, labelSmoothing: eps, alphaPo } = cfg;
  const out = tf.tidy(() => {
    // (1 − e^{−απ})/α = −expm1(−απ)/α, with expm1(x) = tanh(x/2)·(e^x + 1): no cancellation for small απ.
    const reward = (p: tf.Tensor): tf.Tensor => {
      if (alphaPo === 0) return p;
      const x = tf.minimum(tf.mul(p, -alphaPo), EXP_CAP);
      return tf.div(tf.mul(tf.tanh(tf.div(x, 2)), tf.add(tf.exp(x), 1)), -alphaPo);
    };
    const rc = reward(policyChosen);
    const rr = reward(policyRejected);
    const delta = tf.sub(rc, rr);
    let losses: tf.Tensor;
    switch (cfg.lossType) {
      case "sigmoid":
        losses = sigmoidPairLoss(tf.mul(delta, beta), eps);
        break;
      case "hinge":
        losses = hingePairLoss(tf.mul(delta, beta));
        break;
      case "ipo":
        losses = ipoPairLoss(delta, beta);
        break;
      case "simpo":
        losses = sigmoidPairLoss(tf.mul(tf.sub(delta, cfg.simpoGamma / beta), beta), eps);
        break;
    }
    const nll = chosenNll === undefined ? tf.scalar(0) : asScalar(chosenNll);
    const mean = tf.mean(losses);
    return {
      loss: (cfg.cpoAlpha > 0 ? tf.add(mean, tf.mul(nll, cfg.cpoAlpha)) : mean) as tf.Scalar,
      losses: losses as tf.Tensor1D,
      chosenRewards: stopGradient(tf.mul(rc, beta)) as tf.Tensor1D,
      rejectedRewards: stopGradient(tf.mul(rr, beta)) as tf.Tensor1D,
      nllValue: stopGradient(nll),
    };
  });
  const nllLoss = out.nllValue.dataSync()[0] as number;
  out.nllValue.dispose();
  const metrics = {
    ...pairwiseMetrics(out.chosenRewards, out.rejectedRewards, policyChosen, policyRejected),
    nll_loss: nllLoss,
  };
  return { loss: out.loss, losses: out.losses, chosenRewards: out.chosenRewards, rejectedRewards: out.rejectedRewards, metrics };
}

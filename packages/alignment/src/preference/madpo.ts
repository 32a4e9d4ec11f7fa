import { Matrix, RLError, parseConfig, tf, toVector, type MatrixLike } from "@rl/core";
import { z } from "zod";
import { dpoLoss, type PairwiseLogProbs } from "./dpo.js";
import type { PreferenceLossOutput, PreferenceMetricName } from "./preference-metrics.js";

/**
 * Config of {@link madpoWeights}. ⚠ Our placeholder parametrisation (spec §13): the paper's exact
 * weight function and its hyper-parameters could not be read; these defaults are ours.
 */
export const madpoWeightConfig = z.object({
  /** Margin threshold c: below it a pair is "hard" (amplified), above it "easy" (damped). Default 1. */
  threshold: z.number().finite().default(1),
  /** λ_amp, amplification rate for hard pairs. Default 0.5. */
  ampRate: z.number().nonnegative().finite().default(0.5),
  /** λ_damp, damping rate for easy pairs. Default 0.5. */
  dampRate: z.number().nonnegative().finite().default(0.5),
  /** w_max, the cap (reached by negative, likely mislabelled margins). Default 2. Must be ≥ 1. */
  maxWeight: z.number().min(1).finite().default(2),
});
/** The input form of `madpoWeightConfig` (every field optional; defaults filled by parsing). */
export type MadpoWeightConfig = z.input<typeof madpoWeightConfig>;

/**
 * MADPO's per-pair weights from an external reward-model margin `h = r_φ(x,y_w) − r_φ(x,y_l)`
 * (Rho 2025, arXiv:2510.05342; spec §13). ⚠ Unverified form — the paper describes a continuous,
 * piecewise weight, > 1 below a threshold, < 1 above, capped for negative margins; we implement
 * the spec's placeholder family:
 *
 *   h < c:  w = min(w_max, exp(λ_amp·(c − h)))        h ≥ c:  w = exp(−λ_damp·(h − c))
 *
 * Continuous at `h = c` (w = 1), non-increasing in `h`, in `(0, w_max]`. Not differentiated: a Matrix.
 *
 * @example
 * madpoWeights([2, 1, -3]).toFlatArray(); // [0.606531, 1, 2]
 * @remarks arXiv:2510.05342 (formula unverified)
 */
export function madpoWeights(rmMargins: MatrixLike, config: MadpoWeightConfig = {}): Matrix {
  const { threshold, ampRate, dampRate, maxWeight } = parseConfig(madpoWeightConfig, config, "madpoWeights");
  const h = toVector(rmMargins, "rmMargins", "madpoWeights");
  return h.map((x) => (x < threshold ? Math.min(maxWeight, Math.exp(ampRate * (threshold - x))) : Math.exp(-dampRate * (x - threshold))));
}

/** Config of {@link madpoLoss}: β plus the weight function's knobs. */
export const madpoConfig = madpoWeightConfig.extend({
  beta: z.number().positive().finite().default(0.1),
});
/** The input form of `madpoConfig` (every field optional; defaults filled by parsing). */
export type MadpoConfig = z.input<typeof madpoConfig>;

/** MADPO metric names. */
export type MadpoMetricName = PreferenceMetricName | "weights/mean" | "weights/max" | "weights/amplified" | "weights/damped";

/**
 * MADPO, Margin-Adaptive DPO (arXiv:2510.05342; spec §13): a per-pair re-weighted DPO loss
 *
 *   L_i = −w_i · logσ(β Δ_i),   loss = mean L_i
 *
 * with `w = madpoWeights(rmMargins)` (⚠ placeholder form, see there) or given `weights` (≥ 0,
 * constants). Give exactly one. Metrics add `weights/mean|max` and the fractions amplified (w > 1)
 * and damped (w < 1).
 *
 * @example
 * madpoLoss({ ...pairs, weights: [0.6, 2.0] }, { beta: 0.5 }); // E1: losses [0.232123, 2.446889]
 * @remarks arXiv:2510.05342 (weight function unverified)
 */
export function madpoLoss(
  inputs: PairwiseLogProbs & { rmMargins?: MatrixLike; weights?: MatrixLike },
  config: MadpoConfig = {},
): PreferenceLossOutput<MadpoMetricName> {
  const { beta, ...weightConfig } = parseConfig(madpoConfig, config, "madpoLoss");
  const { rmMargins, weights, ...pairs } = inputs;
  if ((rmMargins === undefined) === (weights === undefined)) {
    throw new RLError("INVALID_INPUT", "madpoLoss: give exactly one of rmMargins and weights");
  }
  const w = weights !== undefined ? toVector(weights, "weights", "madpoLoss") : madpoWeights(rmMargins as MatrixLike, weightConfig);
  const wd = w.toFlatArray();
  wd.forEach((x, k) => {
    if (x < 0) throw new RLError("INVALID_INPUT", `madpoLoss: weights[${k}] is ${x}; weights are ≥ 0`);
  });
  const sampleWeights = tf.tensor1d(wd, "float32");
  try {
    const out = dpoLoss({ ...pairs, sampleWeights }, { beta, lossType: "sigmoid" });
    const n = wd.length;
    return {
      ...out,
      metrics: {
        ...out.metrics,
        "weights/mean": wd.reduce((s, x) => s + x, 0) / n,
        "weights/max": Math.max(...wd),
        "weights/amplified": wd.filter((x) => x > 1).length / n,
        "weights/damped": wd.filter((x) => x < 1).length / n,
      },
    };
  } finally {
    sampleWeights.dispose();
  }
}

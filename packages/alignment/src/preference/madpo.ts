import { Matrix, RLError, parseConfig, tf, toVector, type MatrixLike } from "@rl/core";
import { z } from "zod";
import { dpoLoss, type PairwiseLogProbs } from "./dpo.js";
import type { PreferenceLossOutput, PreferenceMetricName } from "./preference-metrics.js";
import { assertInputsObject } from "./validate.js";

/**
 * Config of {@link madpoWeights}: the official weight function's parameters (`MADPOLoss(beta, c_max,
 * c_min, lmbda, tau)`), with the values of the paper's experiment notebook (`notebooks/MADPO.ipynb`:
 * `c_max = 2`, `c_min = 1/c_max`, `lmbda = 1`, `tau = log(0.999/0.001)`).
 *
 * The four fields of the old placeholder family (`threshold`, `ampRate`, `dampRate`, `maxWeight`)
 * are still accepted, deprecated: giving any of them selects that family (see {@link madpoWeights}).
 */
export const madpoWeightConfig = z.object({
  /** `c_max`, the largest scale of the margin (reached as `|h| → 0`). Default 2. Must be > 1. */
  scaleMax: z.number().gt(1).finite().default(2),
  /** `c_min`, the smallest scale (reached as `|h| → ∞`); `null` = `1/scaleMax` (the notebook). Default `null`. In [0, 1). */
  scaleMin: z.number().min(0).lt(1).nullable().default(null),
  /** `λ`, the slope of the logistic scale in `|h|`. Default 1. 0 makes every weight 1 (plain DPO). */
  scaleSlope: z.number().nonnegative().finite().default(1),
  /** `τ`, where the scale crosses 1; margins `h ≤ −τ` get weight 1. Default `ln(999) ≈ 6.906755` (notebook). */
  marginThreshold: z.number().positive().finite().default(Math.log(0.999 / 0.001)),
  /** @deprecated the old placeholder family (selects it when given): margin threshold c. */
  threshold: z.number().finite().optional(),
  /** @deprecated the old placeholder family: λ_amp. */
  ampRate: z.number().nonnegative().finite().optional(),
  /** @deprecated the old placeholder family: λ_damp. */
  dampRate: z.number().nonnegative().finite().optional(),
  /** @deprecated the old placeholder family: w_max (≥ 1). */
  maxWeight: z.number().min(1).finite().optional(),
});
/** The input form of `madpoWeightConfig` (every field optional; defaults filled by parsing). */
export type MadpoWeightConfig = z.input<typeof madpoWeightConfig>;

/** `log σ(x) = −softplus(−x)`, stable for any x. */
function logSigmoidScalar(x: number): number {
  return -(Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x))));
}

/**
 * MADPO's per-pair weights from an external reward-model margin `h = r_φ(x,y_w) − r_φ(x,y_l)`
 * (Rho 2025, "Margin Adaptive DPO", arXiv:2510.05342), as the official code computes them
 * (`MADPOLoss.coef` / `forward`, `utils/loss_functions.py` of
 * sirano1004/Margin-Apative-Direct-Preference-Optimization @ 306779b3):
 *
 *   c(|h|) = c_min + (c_max − c_min) / (1 + (c_max − 1)/(1 − c_min) · exp(λ(|h| − τ)))
 *   w(h)   = σ(c(|h|)·h) / σ(h)    if h > −τ,      w(h) = 1    if h ≤ −τ
 *
 * `c` falls from ≈ `c_max` at `h = 0` through 1 at `|h| = τ` to `c_min`, so `σ(c·h)` is the
 * preference probability the RM margin implies, sharpened for small margins and softened for
 * large ones: pairs with a small positive margin (hard) are amplified (`w > 1`), pairs with a large
 * margin (easy) damped (`w < 1`), negative margins (likely mislabelled) damped, and margins beyond
 * `−τ` left at 1. `w` is continuous (1 at `h = 0`, `h = τ` and `h = −τ`), in
 * `(σ(c_min·h)/σ(h), c_max)`. Computed as `exp(logσ(c h) − logσ(h))` (no 0/0 for a large τ).
 * Defaults: the paper notebook's `c_max 2`, `c_min 1/2`, `λ 1`, `τ ln 999` (the class defaults
 * are `τ = 2`). Not differentiated: a Matrix. Tested number for number against the official
 * `MADPOLoss` rerun in PyTorch.
 *
 * Deprecated form: when any of `threshold` (c, default 1), `ampRate` (0.5), `dampRate` (0.5),
 * `maxWeight` (2) is given, the round-1 placeholder `min(w_max, e^{λ_amp(c − h)})` below c,
 * `e^{−λ_damp(h − c)}` above, is used instead (kept for old call sites; not the paper's).
 *
 * @example
 * preferenceBlocks.madpoWeights([-3, 0.5, 2, 10]).toFlatArray(); // [0.062014, 1.173688, 1.114019, 0.995237]
 * @remarks arXiv:2510.05342; reference sirano1004/Margin-Apative-Direct-Preference-Optimization @ 306779b3
 */
export function madpoWeights(rmMargins: MatrixLike, config: MadpoWeightConfig = {}): Matrix {
  const cfg = parseConfig(madpoWeightConfig, config, "madpoWeights");
  const h = toVector(rmMargins, "rmMargins", "madpoWeights");
  if (cfg.threshold !== undefined || cfg.ampRate !== undefined || cfg.dampRate !== undefined || cfg.maxWeight !== undefined) {
    const c = cfg.threshold ?? 1;
    const amp = cfg.ampRate ?? 0.5;
    const damp = cfg.dampRate ?? 0.5;
    const wMax = cfg.maxWeight ?? 2;
    return h.map((x) => (x < c ? Math.min(wMax, Math.exp(amp * (c - x))) : Math.exp(-damp * (x - c))));
  }
  const cMax = cfg.scaleMax;
  const cMin = cfg.scaleMin ?? 1 / cMax;
  const tau = cfg.marginThreshold;
  const k = (cMax - 1) / (1 - cMin);
  return h.map((x) => {
    if (Number.isNaN(x)) throw new RLError("NON_FINITE", "madpoWeights: rmMargins has a NaN entry");
    if (x <= -tau) return 1;
    const scale = cMin + (cMax - cMin) / (1 + k * Math.exp(cfg.scaleSlope * (Math.abs(x) - tau)));
    return Math.exp(logSigmoidScalar(scale * x) - logSigmoidScalar(x));
  });
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
 * MADPO, Margin-Adaptive DPO (arXiv:2510.05342): a per-pair re-weighted DPO loss
 *
 *   L_i = −w_i · logσ(β Δ_i),   loss = mean L_i
 *
 * with `w = madpoWeights(rmMargins)` (the official weight function, see there) or given `weights`
 * (≥ 0, constants). Give exactly one. The official `MADPOLoss.forward` computes the same thing as a
 * two-way cross-entropy over `(β ℓ_1, β ℓ_2)` with the chosen index, weighted by the chosen side's
 * `w` and averaged (`(loss * sample_weights).mean()`); tested number for number against it.
 * Default β 0.1 (notebook). Metrics add `weights/mean|max` and the fractions amplified (w > 1)
 * and damped (w < 1).
 *
 * @example
 * madpoLoss({ ...pairs, weights: [0.6, 2.0] }, { beta: 0.5 }); // E1: losses [0.232123, 2.446889]
 * @remarks arXiv:2510.05342; reference sirano1004/Margin-Apative-Direct-Preference-Optimization @ 306779b3
 */
export function madpoLoss(
  inputs: PairwiseLogProbs & { rmMargins?: MatrixLike; weights?: MatrixLike },
  config: MadpoConfig = {},
): PreferenceLossOutput<MadpoMetricName> {
  const { beta, ...weightConfig } = parseConfig(madpoConfig, config, "madpoLoss");
  assertInputsObject(inputs, "madpoLoss", "{ policyChosen, policyRejected, refChosen, refRejected, rmMargins | weights }");
  const { rmMargins, weights, ...pairs } = inputs;
  if ((rmMargins === undefined) === (weights === undefined)) {
    throw new RLError("INVALID_INPUT", "madpoLoss: give exactly one of rmMargins and weights");
  }
  const w = weights !== undefined ? toVector(weights, "weights", "madpoLoss") : madpoWeights(rmMargins as MatrixLike, weightConfig);
  const wd = w.toFlatArray();
  wd.forEach((x, k) => {
    if (!(x >= 0) || !Number.isFinite(x)) throw new RLError("INVALID_INPUT", `madpoLoss: weights[${k}] is ${x}; weights are finite and ≥ 0`);
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

import { logSigmoid, parseConfig, tf, assertTensor } from "@rl/core";
import { z } from "zod";

/** The f-divergences of f-DPO (TRL `f_divergence_type`). */
export const fDivergenceTypes = ["reverse_kl", "forward_kl", "js_divergence", "alpha_divergence"] as const;
/** One of the f-divergence names (`fDivergenceTypes`, internal; `fDivergenceConfig` validates it). */
export type FDivergenceType = (typeof fDivergenceTypes)[number];

/** Config of {@link fDivergenceScore}. */
export const fDivergenceConfig = z.object({
  /** Which divergence. Default `"reverse_kl"` (plain DPO). */
  fDivergence: z.enum(fDivergenceTypes).default("reverse_kl"),
  /** α of the alpha divergence (TRL `f_alpha_divergence_coef`). Default 0.5. */
  fAlpha: z.number().finite().default(0.5),
});
/** The input form of `fDivergenceConfig` (every field optional; defaults filled by parsing). */
export type FDivergenceConfig = z.input<typeof fDivergenceConfig>;

/** Largest exponent argument before `exp` (float32 overflows at ≈ 88.7; TRL caps at 80 for fp32). */
const EXP_CAP = 80;

/**
 * The f-DPO score `s(ℓ)` of a log-ratio `ℓ = log π/π_ref` (Wang et al. 2023, arXiv:2309.16240),
 * used in place of `ℓ` before the margin `Δ = s(ℓ_c) − s(ℓ_r)`:
 *
 * - `reverse_kl`:       `s = ℓ`  (plain DPO)
 * - `forward_kl`:       `s = −e^{−ℓ}`
 * - `js_divergence`:    `s = log σ(ℓ)`
 * - `alpha_divergence`: `s = e^{(α−1)ℓ} / (α−1)`; `|α − 1| < 1e-6` falls back to reverse KL.
 *
 * Exponent arguments are clamped at 80 (as TRL does for float32) so a very negative `ℓ` gives a
 * large finite score, never Infinity. Differentiable.
 *
 * @example
 * fDivergenceScore(tf.tensor1d([1, -0.5]), { fDivergence: "js_divergence" }); // [-0.313262, -0.974077]
 * @remarks arXiv:2309.16240 (Beyond Reverse KL: f-DPO)
 */
export function fDivergenceScore(logRatio: tf.Tensor, config: FDivergenceConfig = {}): tf.Tensor {
  const { fDivergence, fAlpha } = parseConfig(fDivergenceConfig, config, "fDivergenceScore");
  assertTensor(logRatio, "fDivergenceScore", "logRatio");
  return tf.tidy(() => {
    switch (fDivergence) {
      case "reverse_kl":
        return tf.clone(logRatio);
      case "forward_kl":
        return tf.neg(tf.exp(tf.minimum(tf.neg(logRatio), EXP_CAP)));
      case "js_divergence":
        return logSigmoid(logRatio);
      case "alpha_divergence": {
        if (Math.abs(fAlpha - 1) < 1e-6) return tf.clone(logRatio);
        return tf.div(tf.exp(tf.minimum(tf.mul(logRatio, fAlpha - 1), EXP_CAP)), fAlpha - 1);
      }
    }
  });
}

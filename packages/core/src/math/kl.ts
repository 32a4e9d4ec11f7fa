import { z } from "zod";
import { parseConfig } from "../config.js";
import { Matrix, assertSameShape, type MatrixLike } from "../matrix/matrix.js";
import type * as tf from "@tensorflow/tfjs-core";
import { isTensor, loadedTf } from "../tf-slot.js";
import { assertTensor } from "../validate.js";
import { clampTensor } from "./clip.js";
import { stopGradient } from "./stop-gradient.js";

/** KL estimator kinds. `+` marks verl's straight-through variants (tensor form only). */
export const klKinds = ["k1", "abs", "k2", "k3", "k1+", "abs+", "k2+", "k3+"] as const;
/** A KL estimator kind. */
export type KlKind = (typeof klKinds)[number];

const klAliases: Record<string, KlKind> = { kl: "k1", mse: "k2", low_var_kl: "k3" };

/** Config of {@link klEstimate}. */
export const klEstimateConfig = z.object({
  /** Estimator. Aliases as verl names them: `kl` = k1, `mse` = k2, `low_var_kl` = k3. Default `"k3"`. */
  kind: z
    .string()
    .transform((k) => klAliases[k] ?? k)
    .pipe(z.enum(klKinds))
    .default("k3"),
  /**
   * Clamping convention: `"verl"` (k3: `ref − lp` to [−20, 20], output to [−10, 10]; others none),
   * `"openrlhf"` (k1, k2, k3 output to [−10, 10]), or `"none"` (TRL's GRPO k3; the exponent
   * `ref − lp` is still capped at 80 so k3 stays finite, ≈ 5.5e34 at most, instead of +Infinity
   * when the log-probs are far apart). Default `"verl"`.
   */
  clamp: z.enum(["verl", "openrlhf", "none"]).default("verl"),
});
export type KlEstimateConfig = z.input<typeof klEstimateConfig>;

/**
 * Per-token KL estimators of KL(π‖π_ref) from sampled-token log-probs (Schulman, "Approximating
 * KL divergence", 2020; verl `kl_penalty`). With `δ = lp − ref`:
 *
 *   k1 = δ       abs = |δ|       k2 = ½δ²       k3 = e^{−δ} + δ − 1   (≥ 0, unbiased, low variance)
 *
 * verl clamps k3: `u = clamp(ref − lp, −20, 20)`, `k3 = clamp(e^u − u − 1, −10, 10)` (the default
 * `clamp: "verl"`). The `+` kinds (`k3+`, …) are straight-through (verl): the forward value of the
 * base estimator with the gradient of k2, `k2 − sg(k2) + sg(k)`; in Matrix form they equal the base.
 *
 * Tensor form is differentiable w.r.t. `logProbs`; Matrix form returns a float64 Matrix.
 * Default kind `k3` (verl's actor KL loss default `low_var_kl`).
 *
 * @example
 * klEstimate([[-1, -2, -0.1]], [[-1.5, -1, -25]], { kind: "k3" }).toArray(); // [[0.10653, 0.71828, 10]]
 * @remarks J. Schulman, "Approximating KL divergence" (http://joschu.net/blog/kl-approx.html).
 */
export function klEstimate(logProbs: MatrixLike, refLogProbs: MatrixLike, config?: KlEstimateConfig): Matrix;
export function klEstimate<T extends tf.Tensor>(logProbs: T, refLogProbs: T, config?: KlEstimateConfig): T;
export function klEstimate(
  logProbs: MatrixLike | tf.Tensor,
  refLogProbs: MatrixLike | tf.Tensor,
  config: KlEstimateConfig = {},
): Matrix | tf.Tensor {
  const { kind, clamp } = parseConfig(klEstimateConfig, config, "klEstimate");
  if (isTensor(logProbs)) {
    const tf = loadedTf("klEstimate");
    assertTensor(logProbs, "klEstimate", "logProbs");
    assertTensor(refLogProbs, "klEstimate", "refLogProbs");
    const ref = refLogProbs;
    assertSameShape({ logProbs, refLogProbs: ref }, "klEstimate");
    return tf.tidy(() => {
      const base = kind.endsWith("+") ? (kind.slice(0, -1) as KlKind) : kind;
      const value = klTensor(logProbs, ref, base, clamp);
      if (!kind.endsWith("+")) return value;
      const k2 = klTensor(logProbs, ref, "k2", clamp);
      return tf.add(tf.sub(k2, stopGradient(k2)), stopGradient(value));
    });
  }
  const lp = Matrix.from(logProbs, { name: "logProbs", fn: "klEstimate" });
  const ref = Matrix.from(refLogProbs as MatrixLike, { name: "refLogProbs", fn: "klEstimate" });
  assertSameShape({ logProbs: lp, refLogProbs: ref }, "klEstimate");
  const base = kind.endsWith("+") ? kind.slice(0, -1) : kind;
  const out = new Float64Array(lp.data.length);
  for (let k = 0; k < out.length; k++) out[k] = klScalar(lp.data[k] as number, ref.data[k] as number, base, clamp);
  return new Matrix(out, lp.shape);
}

/**
 * Largest exponent k3 evaluates with `clamp: "none"`: `e^80 ≈ 5.5e34` is finite in float32, where
 * `e^u` overflows above ≈ 88.7 (log-probs near −1e4 made k3 +Infinity).
 */
const K3_EXP_CAP = 80;

function clip(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function klScalar(lp: number, ref: number, kind: string, clamp: string): number {
  const d = lp - ref;
  const outClamp = clamp === "openrlhf";
  switch (kind) {
    case "k1":
      return outClamp ? clip(d, -10, 10) : d;
    case "abs":
      return Math.abs(d);
    case "k2":
      return outClamp ? clip(0.5 * d * d, -10, 10) : 0.5 * d * d;
    default: {
      const u = clamp === "verl" ? clip(-d, -20, 20) : clamp === "none" ? Math.min(-d, K3_EXP_CAP) : -d;
      const k = Math.expm1(u) - u; // e^u − 1 − u without cancellation near 0
      return clamp === "none" ? k : clip(k, -10, 10);
    }
  }
}

function klTensor(lp: tf.Tensor, ref: tf.Tensor, kind: string, clamp: string): tf.Tensor {
  const tf = loadedTf("klEstimate");
  const d = tf.sub(lp, ref);
  const outClamp = clamp === "openrlhf";
  switch (kind) {
    case "k1":
      return outClamp ? clampTensor(d, -10, 10) : d;
    case "abs":
      return tf.abs(d);
    case "k2": {
      const k2 = tf.mul(0.5, tf.square(d));
      return outClamp ? clampTensor(k2, -10, 10) : k2;
    }
    default: {
      const u = clamp === "verl" ? clampTensor(tf.neg(d), -20, 20) : clamp === "none" ? tf.minimum(tf.neg(d), K3_EXP_CAP) : tf.neg(d);
      const k = tf.sub(tf.expm1(u), u);
      return clamp === "none" ? k : clampTensor(k, -10, 10);
    }
  }
}

import { Matrix, RLError, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import { type TensorLike1D, type TensorLike2D, asTensor, assertNonEmpty, readValues, shapeOf, assertInputObject } from "./tensor-input.js";

/** Config of the HL-Gauss functions (support `[vMin, vMax]` split into `numBins` bins). */
export const hlGaussConfig = z
  .object({
    vMin: z.number(),
    vMax: z.number(),
    numBins: z.number().int().min(2).default(32),
    /** `σ / ζ` (Gaussian width over bin width); the paper recommends 0.75. */
    sigmaRatio: z.number().positive().default(0.75),
  })
  .refine((c) => c.vMax > c.vMin, { message: "vMax must be greater than vMin", path: ["vMax"] })
  // σ = sigmaRatio·(vMax − vMin)/numBins must be a finite, normal float64 (a subnormal or zero σ gives 0/0 = NaN targets)
  .refine((c) => Number.isFinite(c.vMax - c.vMin) && (c.sigmaRatio * (c.vMax - c.vMin)) / c.numBins >= 1e-300 && Number.isFinite(c.sigmaRatio * (c.vMax - c.vMin)), {
    message: "the support is too narrow or too wide: σ = sigmaRatio·(vMax − vMin)/numBins must be a finite number ≥ 1e-300",
    path: ["vMax"],
  });
export type HlGaussConfig = z.input<typeof hlGaussConfig>;

/** Complementary error function (Chebyshev fit, fractional error < 1.2e-7; Numerical Recipes §6.2). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

const normalCdf = (x: number): number => 0.5 * erfc(-x / Math.SQRT2);

/**
 * HL-Gauss target distribution ("Stop Regressing", Farebrother et al. arXiv:2403.03950): the mass of
 * `N(y, σ²)` in each bin, renormalised to the support, computed in float64.
 *
 *   e_k = vMin + k·ζ,  ζ = (vMax − vMin)/K,  σ = sigmaRatio·ζ
 *   p_k = [Φ((e_{k+1} − y)/σ) − Φ((e_k − y)/σ)] / [Φ((e_K − y)/σ) − Φ((e_0 − y)/σ)]
 *
 * Targets outside the support are clamped to it first (the normaliser would vanish). Defaults:
 * `numBins = 32`, `sigmaRatio = 0.75`. Rows sum to 1.
 *
 * @example
 * hlGaussTargets([1.5], { vMin: 0, vMax: 4, numBins: 4 }).toArray(); // [[0.235194, 0.506761, 0.235194, 0.022851]]
 */
export function hlGaussTargets(targets: TensorLike1D, config: HlGaussConfig): Matrix {
  const fn = "hlGaussTargets";
  const { vMin, vMax, numBins, sigmaRatio } = parseConfig(hlGaussConfig, config, fn);
  const y = readValues(targets, fn, "targets");
  const zeta = (vMax - vMin) / numBins;
  const sigma = sigmaRatio * zeta;
  const out = new Float64Array(y.length * numBins);
  y.forEach((raw, b) => {
    if (!Number.isFinite(raw)) throw new RLError("NON_FINITE", `${fn}: targets[${b}] is ${raw}`);
    const v = Math.min(vMax, Math.max(vMin, raw));
    const cdf = Array.from({ length: numBins + 1 }, (_, k) => normalCdf((vMin + k * zeta - v) / sigma));
    const norm = (cdf[numBins] as number) - (cdf[0] as number);
    if (!(norm > 0)) throw new RLError("NON_FINITE", `${fn}: the support holds no mass for targets[${b}] = ${raw} (σ too small for the bins)`);
    for (let k = 0; k < numBins; k++) out[b * numBins + k] = ((cdf[k + 1] as number) - (cdf[k] as number)) / norm;
  });
  return new Matrix(out, [y.length, numBins]);
}

/** The largest |vMin|, |vMax| the float32 bin centres of {@link hlGaussDecode} hold without overflow. */
const MAX_SUPPORT = 1e38;

function checkFloat32Support(vMin: number, vMax: number, fn: string): void {
  if (Math.abs(vMin) > MAX_SUPPORT || Math.abs(vMax) > MAX_SUPPORT) {
    throw new RLError("NON_FINITE", `${fn}: vMin (${vMin}) and vMax (${vMax}) must lie within ±${MAX_SUPPORT}; the float32 predictions would overflow`);
  }
}

/** Inputs of {@link hlGaussLoss}: logits `[B,K]` over the bins and scalar targets `[B]`. */
export interface HlGaussInput {
  logits: TensorLike2D;
  targets: TensorLike1D;
}

/**
 * HL-Gauss histogram loss: cross-entropy between the HL-Gauss target distribution and the
 * softmax of the bin logits (arXiv:2403.03950).
 *
 *   L = mean_b [ −Σ_k p_bk · log softmax(z_b)_k ]
 *
 * Metrics: `mae = mean |ŷ − y|` with `ŷ` from {@link hlGaussDecode}. Uniform logits give `log K`.
 * Edge cases: empty batch → `INVALID_INPUT`; `logits.shape[1] ≠ numBins` → `SHAPE_MISMATCH`.
 *
 * @example
 * hlGaussLoss({ logits: [[0, 0, 0, 0]], targets: [1.5] }, { vMin: 0, vMax: 4, numBins: 4 }).loss; // log 4 = 1.3862944
 */
export function hlGaussLoss(input: HlGaussInput, config: HlGaussConfig): { loss: tf.Tensor; metrics: { mae: number } } {
  const fn = "hlGaussLoss";
  const cfg = parseConfig(hlGaussConfig, config, fn);
  assertInputObject(input, fn, ["logits", "targets"]);
  checkFloat32Support(cfg.vMin, cfg.vMax, fn);
  const shape = shapeOf(input.logits);
  if (shape.length !== 2 || shape[1] !== cfg.numBins) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: logits must have shape [B, ${cfg.numBins}], got [${shape.join(",")}]`);
  }
  const y = readValues(input.targets, fn, "targets");
  if (y.length !== shape[0]) throw new RLError("SHAPE_MISMATCH", `${fn}: targets has ${y.length} entries, logits has ${shape[0]} rows`);
  assertNonEmpty(y.length, fn, "targets");
  const p = hlGaussTargets(y, cfg);
  const loss = tf.tidy(() => {
    const z = asTensor(input.logits, 2, fn, "logits");
    const target = tf.tensor2d(Float32Array.from(p.data), [y.length, cfg.numBins]);
    return tf.mean(tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(z)), 1)));
  });
  const decoded = hlGaussDecode(input.logits, cfg);
  const pred = decoded.dataSync();
  decoded.dispose();
  let mae = 0;
  y.forEach((v, b) => (mae += Math.abs((pred[b] as number) - v)));
  return { loss, metrics: { mae: mae / y.length } };
}

/**
 * Decodes bin logits to a scalar prediction: `ŷ = Σ_k softmax(z)_k · (e_k + e_{k+1})/2`
 * (bin centres, not the sign-flipped centres of one PyPI copy). Differentiable; returns `[B]`.
 * @example
 * hlGaussDecode([[0, 0, 0, 0]], { vMin: 0, vMax: 4, numBins: 4 }); // [2]
 */
export function hlGaussDecode(logits: TensorLike2D, config: HlGaussConfig): tf.Tensor {
  const fn = "hlGaussDecode";
  const { vMin, vMax, numBins } = parseConfig(hlGaussConfig, config, fn);
  checkFloat32Support(vMin, vMax, fn);
  const zeta = (vMax - vMin) / numBins;
  const centres = Float32Array.from({ length: numBins }, (_, k) => vMin + (k + 0.5) * zeta);
  return tf.tidy(() => {
    const z = asTensor(logits, 2, fn, "logits");
    if (z.shape[1] !== numBins) throw new RLError("SHAPE_MISMATCH", `${fn}: logits must have ${numBins} columns, got ${z.shape[1]}`);
    return tf.sum(tf.mul(tf.softmax(z), tf.tensor1d(centres)), 1);
  });
}

import { RLError } from "../errors.js";
import { Matrix, assertMask, assertSameShape, type MatrixLike } from "../matrix/matrix.js";
import { assertFiniteResult, assertTensor, assertTensorMask } from "../validate.js";
import type * as tf from "@tensorflow/tfjs-core";
import { isTensor, loadedTf } from "../tf-slot.js";

/**
 * Masked sum: `Σ x·m` over `axis` (all entries when omitted).
 *
 * Tensor form (differentiable) returns a tensor; Matrix form (`number[][]`, Matrix) returns a number.
 *
 * @example
 * maskedSum([[1, 2, 3], [4, 5, 6]], [[1, 1, 0], [1, 0, 0]]); // 7
 * @remarks Mirrors verl `masked_sum` (verl/utils/torch_functional.py).
 */
export function maskedSum(x: MatrixLike, mask: MatrixLike): number;
export function maskedSum(x: tf.Tensor, mask: tf.Tensor, axis?: number): tf.Tensor;
export function maskedSum(x: MatrixLike | tf.Tensor, mask: MatrixLike | tf.Tensor, axis?: number): number | tf.Tensor {
  if (isTensor(x)) {
    const tf = loadedTf("maskedSum");
    const m = checkTensorPair(x, mask, "maskedSum");
    return tf.tidy(() => tf.sum(tf.mul(x, m), axis));
  }
  const [xm, mm] = pair(x, mask as MatrixLike, "maskedSum");
  let s = 0;
  for (let k = 0; k < xm.data.length; k++) s += (xm.data[k] as number) * (mm.data[k] as number);
  return s;
}

/**
 * Masked mean: `Σ x·m / Σ m` over `axis` (all entries when omitted).
 * An all-zero mask gives 0 (not NaN): the denominator is clamped to at least 1 (TRL's rule;
 * verl divides by zero here).
 *
 * @example
 * maskedMean([[1, 2, 3], [4, 5, 6]], [[1, 1, 0], [1, 0, 0]]); // 7/3
 * @remarks Mirrors verl `masked_mean` (verl/utils/torch_functional.py), with TRL's count clamped to 1.
 */
export function maskedMean(x: MatrixLike, mask: MatrixLike): number;
export function maskedMean(x: tf.Tensor, mask: tf.Tensor, axis?: number): tf.Tensor;
export function maskedMean(x: MatrixLike | tf.Tensor, mask: MatrixLike | tf.Tensor, axis?: number): number | tf.Tensor {
  if (isTensor(x)) {
    const tf = loadedTf("maskedMean");
    const m = checkTensorPair(x, mask, "maskedMean");
    return tf.tidy(() => tf.div(tf.sum(tf.mul(x, m), axis), tf.maximum(tf.sum(m, axis), 1)));
  }
  const [xm, mm] = pair(x, mask as MatrixLike, "maskedMean");
  let s = 0;
  let n = 0;
  for (let k = 0; k < xm.data.length; k++) {
    const w = mm.data[k] as number;
    s += (xm.data[k] as number) * w;
    n += w;
  }
  return n > 0 ? s / n : 0;
}

/** Options of {@link maskedVariance} and {@link maskedWhiten}. */
export interface MaskedVarianceOptions {
  /** Bessel's correction `n/(n−1)` (verl's `masked_var(unbiased=True)`). Default `true`. */
  unbiased?: boolean;
}

/**
 * Masked variance over every masked entry: `Σ m(x − μ)² / Σ m`, times `n/(n−1)` when unbiased.
 * Edge cases (documented, never NaN): no masked entry → 0; one masked entry → 0 (verl raises).
 *
 * @example
 * maskedVariance([[1, 2, 3, 4]], [[1, 1, 1, 1]]); // 1.6667 (unbiased)
 * @remarks Mirrors verl `masked_var` (verl/utils/torch_functional.py).
 */
export function maskedVariance(x: MatrixLike, mask: MatrixLike, options?: MaskedVarianceOptions): number;
export function maskedVariance(x: tf.Tensor, mask: tf.Tensor, options?: MaskedVarianceOptions): tf.Tensor;
export function maskedVariance(
  x: MatrixLike | tf.Tensor,
  mask: MatrixLike | tf.Tensor,
  options: MaskedVarianceOptions = {},
): number | tf.Tensor {
  if (typeof options !== "object" || options === null) throw new RLError("INVALID_INPUT", `maskedVariance: options must be an object, got ${options === null ? "null" : typeof options}`);
  const unbiased = options.unbiased ?? true;
  if (isTensor(x)) {
    const tf = loadedTf("maskedVariance");
    const m = checkTensorPair(x, mask, "maskedVariance");
    return tf.tidy(() => tensorMeanVariance(x, m, unbiased).variance);
  }
  const [xm, mm] = pair(x, mask as MatrixLike, "maskedVariance");
  const { variance } = matrixVariance(xm.data, mm.data, unbiased);
  assertFiniteResult(variance, "maskedVariance", "the variance", "the values are too large: their squares overflow");
  return variance;
}

/** Options of {@link maskedWhiten}. */
export interface MaskedWhitenOptions extends MaskedVarianceOptions {
  /** Subtract the mean (verl `shift_mean=True`). When false the mean is added back. Default `true`. */
  shiftMean?: boolean;
  /** Added to the variance under the square root. Default `1e-8` (verl). */
  epsilon?: number;
}

/**
 * Masked whitening over the whole batch (verl `masked_whiten`):
 *
 *   w = (x − μ) / sqrt(σ² + ε)        μ, σ² over the masked entries (σ² unbiased by default)
 *
 * then `+ μ` again when `shiftMean` is false. Masked-out entries of the result are 0.
 * Edge cases: no masked entry or one → μ as computed, σ² = 0, so every valid entry maps to 0.
 *
 * @example
 * maskedWhiten([[1, 2, 3, 4]], [[1, 1, 1, 1]]).toArray(); // [[-1.1619, -0.3873, 0.3873, 1.1619]]
 * @remarks Mirrors verl `masked_whiten` (verl/utils/torch_functional.py); used by PPO/GAE, REINFORCE++ (arXiv:2501.03262) and PRIME.
 */
export function maskedWhiten(x: MatrixLike, mask: MatrixLike, options?: MaskedWhitenOptions): Matrix;
export function maskedWhiten(x: tf.Tensor, mask: tf.Tensor, options?: MaskedWhitenOptions): tf.Tensor;
export function maskedWhiten(
  x: MatrixLike | tf.Tensor,
  mask: MatrixLike | tf.Tensor,
  options: MaskedWhitenOptions = {},
): Matrix | tf.Tensor {
  if (typeof options !== "object" || options === null) throw new RLError("INVALID_INPUT", `maskedWhiten: options must be an object, got ${options === null ? "null" : typeof options}`);
  const unbiased = options.unbiased ?? true;
  const shiftMean = options.shiftMean ?? true;
  const eps = options.epsilon ?? 1e-8;
  if (isTensor(x)) {
    const tf = loadedTf("maskedWhiten");
    const m = checkTensorPair(x, mask, "maskedWhiten");
    return tf.tidy(() => {
      const { mean, variance } = tensorMeanVariance(x, m, unbiased);
      let w = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
      if (!shiftMean) w = tf.add(w, mean);
      return tf.mul(w, m);
    });
  }
  const [xm, mm] = pair(x, mask as MatrixLike, "maskedWhiten");
  const { mean, variance } = matrixVariance(xm.data, mm.data, unbiased);
  assertFiniteResult([mean, variance], "maskedWhiten", "the mean or variance", "the values are too large: their squares overflow");
  const scale = 1 / Math.sqrt(variance + eps);
  const out = new Float64Array(xm.data.length);
  for (let k = 0; k < out.length; k++) {
    if ((mm.data[k] as number) === 0) continue;
    let w = ((xm.data[k] as number) - mean) * scale;
    if (!shiftMean) w += mean;
    out[k] = w * (mm.data[k] as number);
  }
  return new Matrix(out, xm.shape);
}

/** Masked mean and variance over every entry (tensor form); n ≤ 1 gives variance 0. */
function tensorMeanVariance(x: tf.Tensor, m: tf.Tensor, unbiased: boolean): { mean: tf.Tensor; variance: tf.Tensor } {
  const tf = loadedTf("maskedVariance");
  const n = tf.sum(m);
  const mean = tf.div(tf.sum(tf.mul(x, m)), tf.maximum(n, 1));
  const ss = tf.sum(tf.mul(tf.square(tf.sub(x, mean)), m));
  // the sum of squares is 0 when n ≤ 1, so clamping the denominator to 1 gives 0 there
  const variance = tf.div(ss, unbiased ? tf.maximum(tf.sub(n, 1), 1) : tf.maximum(n, 1));
  return { mean, variance };
}

function matrixVariance(x: ArrayLike<number>, m: ArrayLike<number>, unbiased: boolean) {
  let s = 0;
  let n = 0;
  for (let k = 0; k < x.length; k++) {
    const w = m[k] as number;
    s += (x[k] as number) * w;
    n += w;
  }
  const mean = n > 0 ? s / n : 0;
  let ss = 0;
  for (let k = 0; k < x.length; k++) {
    const w = m[k] as number;
    if (w !== 0) ss += w * ((x[k] as number) - mean) ** 2;
  }
  const denom = unbiased ? n - 1 : n;
  return { mean, variance: denom > 0 ? ss / denom : 0 };
}

function pair(x: MatrixLike, mask: MatrixLike, fn: string): [Matrix, Matrix] {
  const xm = Matrix.from(x, { name: "x", fn });
  const mm = Matrix.from(mask, { name: "mask", fn });
  assertSameShape({ x: xm, mask: mm }, fn);
  if (xm.data.length === 0) throw new RLError("INVALID_INPUT", `${fn}: x is empty`);
  assertMask(mm, "mask", fn);
  return [xm, mm];
}

/** Tensor form's boundary: both float32 tensors of one shape, the mask in {0, 1}. */
function checkTensorPair(x: tf.Tensor, mask: unknown, fn: string): tf.Tensor {
  assertTensor(x, fn, "x");
  assertTensor(mask, fn, "mask");
  assertSameShape({ x, mask }, fn);
  assertTensorMask(mask, fn);
  return mask;
}

import type * as tf from "@tensorflow/tfjs-core";
import { RLError } from "../errors.js";
import { isTensor, loadedTf } from "../tf-slot.js";
import { assertTensor, describeValue } from "../validate.js";

/**
 * Numerically stable log-sigmoid: `log σ(x) = −softplus(−x) = min(x, 0) − log1p(e^{−|x|})`.
 * Never `log(sigmoid(x))`, which gives −Infinity below about −88 in float32.
 * Accepts a tensor (differentiable, returns a tensor) or a number.
 *
 * @example
 * logSigmoid(0); // −0.693147…  (= log ½)
 * logSigmoid(-100); // −100
 */
export function logSigmoid(x: number): number;
export function logSigmoid<T extends tf.Tensor>(x: T): T;
export function logSigmoid(x: number | tf.Tensor): number | tf.Tensor {
  if (isTensor(x)) {
    const tf = loadedTf("logSigmoid");
    assertTensor(x, "logSigmoid", "x");
    return tf.tidy(() => tf.neg(tf.softplus(tf.neg(x))));
  }
  if (typeof x !== "number" || Number.isNaN(x)) {
    throw new RLError("INVALID_INPUT", `logSigmoid: x must be a number or a tf.Tensor, got ${describeValue(x)}`);
  }
  return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
}

/**
 * Stable `log(1 − e^x)` for `x < 0` (Mächler 2012): `log(−expm1(x))` when `x > −ln 2`,
 * else `log1p(−e^x)`. Used by ORPO's odds ratio. `x ≥ 0` has no real value; the tensor form
 * clamps `x` to at most `−1e-7` (so `log(1 − p)` of a certain token is finite and very negative),
 * and the number form does the same.
 *
 * @example
 * log1mexp(Math.log(0.25)); // log(0.75) = −0.28768…
 * @remarks M. Mächler, "Accurately computing log(1 − exp(−|a|))", Rmpfr vignette, 2012.
 */
export function log1mexp(x: number): number;
export function log1mexp<T extends tf.Tensor>(x: T): T;
export function log1mexp(x: number | tf.Tensor): number | tf.Tensor {
  if (isTensor(x)) {
    const tf = loadedTf("log1mexp");
    assertTensor(x, "log1mexp", "x");
    return tf.tidy(() => {
      const xc = tf.minimum(x, -1e-7);
      // The branch condition must not sit on the gradient tape (tfjs has no gradient for Greater).
      const useExpm1 = branchMask(xc);
      return tf.where(useExpm1, tf.log(tf.neg(tf.expm1(xc))), tf.log1p(tf.neg(tf.exp(xc))));
    });
  }
  if (typeof x !== "number" || Number.isNaN(x)) {
    throw new RLError("INVALID_INPUT", `log1mexp: x must be a number or a tf.Tensor, got ${describeValue(x)}`);
  }
  const xc = Math.min(x, -1e-7);
  return xc > -Math.LN2 ? Math.log(-Math.expm1(xc)) : Math.log1p(-Math.exp(xc));
}

let branchMaskOp: ((x: tf.Tensor) => tf.Tensor) | undefined;

/** `x > −ln 2` as a mask with a zero gradient (built on first use, once tfjs is loaded). */
function branchMask(x: tf.Tensor): tf.Tensor {
  if (branchMaskOp === undefined) {
    const tf = loadedTf("log1mexp");
    branchMaskOp = tf.customGrad(((v: tf.Tensor) => ({
      value: tf.greater(v, -Math.LN2),
      gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
    })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
  }
  return branchMaskOp(x);
}

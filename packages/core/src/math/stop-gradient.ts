import type * as tf from "@tensorflow/tfjs-core";
import { loadedTf } from "../tf-slot.js";
import { assertTensor } from "../validate.js";

let stopGradientOp: ((x: tf.Tensor) => tf.Tensor) | undefined;

/**
 * Stop-gradient (`sg`, PyTorch's `.detach()`): the value of `x`, a zero gradient.
 * TF.js has no such op (tfjs issues #967, #7438); every place where a reference detaches
 * (old / reference log-probs, KTO's KL baseline, CISPO's clipped ratio, β-DPO's β,
 * straight-through KL) uses this.
 *
 *   sg(x) = x,   ∂ sg(x) / ∂x = 0
 *
 * @example
 * const g = tf.grad((x) => tf.sum(tf.mul(x, stopGradient(x))))(tf.tensor1d([3])); // [3], not [6]
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  assertTensor(x, "stopGradient", "x", { dtypes: ["float32", "int32", "bool"] });
  if (stopGradientOp === undefined) {
    const tf = loadedTf("stopGradient");
    stopGradientOp = tf.customGrad(((v: tf.Tensor) => ({
      value: tf.clone(v),
      gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
    })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
  }
  return stopGradientOp(x) as T;
}

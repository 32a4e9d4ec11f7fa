/**
 * The one TensorFlow.js namespace every `@rl/*` package uses.
 *
 * `@rl/core` depends on the `@tensorflow/tfjs` umbrella because tfjs-core alone registers
 * no gradients (ecosystem.md P4); the umbrella's Node bundle shares the single tfjs-core
 * engine and registers every gradient, plus tfjs-layers for `LayersModel`s.
 * Plugins should import `tf` from here (or take `@tensorflow/tfjs-core` as a peer) so that
 * one engine owns every tensor.
 * @remarks no paper
 */
import * as tf from "@tensorflow/tfjs";

export { tf };
export type Tensor = tf.Tensor;
export type Rank = tf.Rank;

/** True when `x` is a tfjs tensor (of any copy of tfjs-core sharing the engine). */
export function isTensor(x: unknown): x is tf.Tensor {
  return (
    x instanceof tf.Tensor ||
    (typeof x === "object" && x !== null && "dataId" in x && "shape" in x && "dtype" in x && "rankType" in x)
  );
}

import type * as tf from "@tensorflow/tfjs-core";

/**
 * What `@rl` needs of a tfjs-layers `LayersModel` (`tf.sequential`, `tf.model`, a loaded model):
 * `apply` and its trainable weights. A structural type, so `@rl/core` does not depend on
 * `@tensorflow/tfjs-layers`; install that package yourself (it is an optional peer) and its
 * models fit here as they are.
 */
export interface LayersModelLike {
  /** Runs the model (`training: true` for dropout and the like). */
  apply(inputs: tf.Tensor | tf.Tensor[], kwargs?: { training?: boolean }): unknown;
  /** The trainable weights; `read()` gives the underlying `tf.Variable`. */
  readonly trainableWeights: readonly { read(): tf.Tensor }[];
}

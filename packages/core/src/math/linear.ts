import { RLError } from "../errors.js";
import { tf } from "../tf.js";

/**
 * `x @ w (+ b)` over the last axis of `x`, always as one 2-D non-transposed matmul:
 * `[..., H] → reshape [N, H] → @ [H, O] → reshape [..., O]`.
 *
 * Why: the wasm backend takes its fast XNNPACK path only for 2-D (batch-1), non-transposed
 * matmuls; a batched `[B,T,H]@[H,V]` or a `transposeB` product falls to a plain loop that is
 * 10–20x slower (ecosystem.md P7). Keep weights in `[in, out]` layout and call this.
 *
 * @example
 * linear(tf.ones([2, 3, 4]), tf.ones([4, 5])).shape; // [2, 3, 5]
 * @remarks no paper
 */
export function linear(x: tf.Tensor, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor {
  const H = x.shape[x.rank - 1] as number;
  if (w.shape[0] !== H) {
    throw new RLError("SHAPE_MISMATCH", `linear: x has last axis ${H}, w has shape [${w.shape.join(",")}]`);
  }
  return tf.tidy(() => {
    const lead = x.shape.slice(0, -1);
    const y = tf.matMul(tf.reshape(x, [-1, H]), w);
    const yb = b === undefined ? y : tf.add(y, b);
    return tf.reshape(yb, [...lead, w.shape[1] as number]);
  });
}

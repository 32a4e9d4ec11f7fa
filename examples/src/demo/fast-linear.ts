import { RLError, tf } from "@rl/core";

type Grad = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];

// y = x @ w with a hand-written gradient whose two products are also plain (non-transposed)
// 2-D matmuls: dx = dy @ wᵀ, dw = xᵀ @ dy, with the transposes materialised first. tfjs's own
// MatMul gradient uses transposeA / transposeB flags, which fall off the wasm backend's fast path.
const matMulFast = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, save: (t: tf.Tensor[]) => void) => {
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: ((dy, saved) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy as tf.Tensor2D)];
    }) as Grad,
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/**
 * `x @ w (+ b)` over the last axis, like core's `linear` (one 2-D matmul, `[in, out]` weights),
 * but with a backward pass that also stays on the wasm backend's fast 2-D non-transposed path.
 * Private to the demo; a candidate for `@rl/core`'s `linear`.
 *
 * @example
 * fastLinear(tf.ones([2, 3, 4]), tf.ones([4, 5])).shape; // [2, 3, 5]
 */
export function fastLinear(x: tf.Tensor, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor {
  const H = x.shape[x.rank - 1] as number;
  if (w.shape[0] !== H) {
    throw new RLError("SHAPE_MISMATCH", `fastLinear: x has last axis ${H}, w has shape [${w.shape.join(",")}]`);
  }
  return tf.tidy(() => {
    const y = matMulFast(tf.reshape(x, [-1, H]) as tf.Tensor2D, w);
    const yb = b === undefined ? y : tf.add(y, b);
    return tf.reshape(yb, [...x.shape.slice(0, -1), w.shape[1] as number]);
  });
}

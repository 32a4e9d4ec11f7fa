import { RLError } from "../errors.js";
import type * as tf from "@tensorflow/tfjs-core";
import { loadedTf } from "../tf-slot.js";
import { assertTensor } from "../validate.js";

type MatMul2D = (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;
let matMulFastOp: MatMul2D | undefined;

// y = x @ w with a hand-written gradient whose two products are plain (non-transposed) 2-D
// matmuls too: dx = dy @ wᵀ, dw = xᵀ @ dy, with the transposes materialised first. tfjs's own
// MatMul gradient passes transposeA / transposeB flags instead, which the wasm backend runs off its
// XNNPACK path (see docs/core-decisions.md, "linear").
function matMulFast(): MatMul2D {
  if (matMulFastOp === undefined) {
    const tf = loadedTf("linear");
    matMulFastOp = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, save: (ts: tf.Tensor[]) => void) => {
      // `save` keeps a copy (a real one on wasm) for the backward; a tf.Variable outlives any tidy,
      // so model weights are read directly instead of being copied on every call
      const wDirect = w instanceof tf.Variable;
      save(wDirect ? [x] : [x, w]);
      return {
        value: tf.matMul(x, w),
        gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
          const xs = saved[0] as tf.Tensor2D;
          const ws = wDirect ? w : (saved[1] as tf.Tensor2D);
          return [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy)];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as MatMul2D;
  }
  return matMulFastOp;
}

/**
 * A dense layer over the last axis of `x`, `x @ w (+ b)`, always as one 2-D non-transposed matmul:
 * `[..., H] → reshape [N, H] → @ [H, O] → reshape [..., O]`, with weights in `[in, out]` layout.
 *
 *   y = x·W + b,   ∂L/∂x = ∂L/∂y · Wᵀ,   ∂L/∂W = xᵀ · ∂L/∂y,   ∂L/∂b = Σ_rows ∂L/∂y
 *
 * The backward is hand-written so that its two products are also plain 2-D matmuls (the transposes
 * are materialised first; tfjs's own matmul gradient uses transposed products). Value and
 * gradients equal `tf.matMul`'s to float32 rounding.
 *
 * Errors: `RLError("SHAPE_MISMATCH")` when `x`'s last axis is not `w.shape[0]`, when `w` is not 2-D,
 * or when `b` is not `[w.shape[1]]`.
 *
 * @example
 * linear(tf.ones([2, 3, 4]), tf.ones([4, 5])).shape; // [2, 3, 5]
 */
export function linear(x: tf.Tensor, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor {
  const tf = loadedTf("linear");
  assertTensor(x, "linear", "x", { dtypes: ["float32", "int32"] });
  assertTensor(w, "linear", "w", { dtypes: ["float32", "int32"] });
  if (b !== undefined) assertTensor(b, "linear", "b", { dtypes: ["float32", "int32"] });
  const H = x.shape[x.rank - 1] as number;
  if (w.rank !== 2 || w.shape[0] !== H || x.rank < 1) {
    throw new RLError("SHAPE_MISMATCH", `linear: x has last axis ${H} (shape [${x.shape.join(",")}]), w has shape [${w.shape.join(",")}]; w must be [${H}, out]`);
  }
  const O = w.shape[1];
  if (b !== undefined && (b.rank !== 1 || b.shape[0] !== O)) {
    throw new RLError("SHAPE_MISMATCH", `linear: b has shape [${b.shape.join(",")}], w [${w.shape.join(",")}] needs b [${O}]`);
  }
  return tf.tidy(() => {
    const y = matMulFast()(tf.reshape(x, [-1, H]), w);
    const yb = b === undefined ? y : tf.add(y, b);
    return tf.reshape(yb, [...x.shape.slice(0, -1), O]);
  });
}

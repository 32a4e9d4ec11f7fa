import { RLError } from "../errors.js";
import type * as tf from "@tensorflow/tfjs-core";
import type * as TfCore from "@tensorflow/tfjs-core";
import { loadedTf } from "../tf-slot.js";
import { assertTensor } from "../validate.js";

type MatMul2D = (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;
type MatMulBias2D = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
let matMulFastOp: MatMul2D | undefined;
let matMulBiasFastOp: MatMulBias2D | undefined;

// y = x @ w (+ b) with a hand-written gradient whose products are plain (non-transposed) 2-D
// matmuls too: dx = dy @ wᵀ, dw = xᵀ @ dy, with the transposes materialised first, and
// db = 1ᵀ @ dy (a [1, N] row of ones times dy). tfjs's own MatMul gradient passes transposeA /
// transposeB flags instead, which the wasm backend runs off its XNNPACK path, and the gradient of
// the bias add is a sum over the rows, which wasm runs as a transpose plus a reduce (3 ms for
// [2560, 192] against 0.05 ms for the product with ones; see docs/core-decisions.md, "linear").
function linearGradients(tf: typeof TfCore, x: tf.Tensor2D, w: tf.Tensor2D, dy: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
  return [tf.matMul(dy, tf.transpose(w)), tf.matMul(tf.transpose(x), dy)];
}

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
        gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => linearGradients(tf, saved[0] as tf.Tensor2D, wDirect ? w : (saved[1] as tf.Tensor2D), dy),
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as MatMul2D;
  }
  return matMulFastOp;
}

function matMulBiasFast(): MatMulBias2D {
  if (matMulBiasFastOp === undefined) {
    const tf = loadedTf("linear");
    matMulBiasFastOp = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: (ts: tf.Tensor[]) => void) => {
      const wDirect = w instanceof tf.Variable;
      save(wDirect ? [x] : [x, w]);
      return {
        value: tf.add(tf.matMul(x, w), b),
        gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
          const [dx, dw] = linearGradients(tf, saved[0] as tf.Tensor2D, wDirect ? w : (saved[1] as tf.Tensor2D), dy);
          const db = tf.reshape(tf.matMul(tf.fill([1, dy.shape[0]], 1), dy), [dy.shape[1]]);
          return [dx, dw, db];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as MatMulBias2D;
  }
  return matMulBiasFastOp;
}

/**
 * A dense layer over the last axis of `x`, `x @ w (+ b)`, always as one 2-D non-transposed matmul:
 * `[..., H] → reshape [N, H] → @ [H, O] → reshape [..., O]`, with weights in `[in, out]` layout.
 *
 *   y = x·W + b,   ∂L/∂x = ∂L/∂y · Wᵀ,   ∂L/∂W = xᵀ · ∂L/∂y,   ∂L/∂b = Σ_rows ∂L/∂y = 1ᵀ · ∂L/∂y
 *
 * The backward is hand-written so that its products are also plain 2-D matmuls (the transposes
 * are materialised first, and the bias gradient is the product of a row of ones with ∂L/∂y;
 * why: docs/core-decisions.md, "Performance notes moved from API docs"). Value and gradients
 * equal `tf.matMul`'s (+ `tf.add`'s) to float32 rounding.
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
    const x2 = tf.reshape(x, [-1, H]) as tf.Tensor2D;
    const y = b === undefined ? matMulFast()(x2, w) : matMulBiasFast()(x2, w, b);
    return tf.reshape(y, [...x.shape.slice(0, -1), O]);
  });
}

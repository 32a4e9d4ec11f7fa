import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { tf } from "../tf.js";

/** Config of {@link lmHeadLogProbs}. */
export const lmHeadLogProbsConfig = z.object({
  /** Logits are divided by this before the softmax (sampling temperature), as in `gatherLogProbs`. Default 1. */
  temperature: z.number().positive().default(1),
  /**
   * Rows (tokens) per chunk: a chunk's `[chunkSize, V]` logits are the largest temporaries.
   * Default: `max(1, ⌊2²¹ / V⌋)` rows, about 8 MiB of float32 logits per chunk (64 rows at V = 32,000).
   */
  chunkSize: z.number().int().positive().optional(),
});
export type LmHeadLogProbsConfig = z.input<typeof lmHeadLogProbsConfig>;

/** Inputs of {@link lmHeadLogProbs}. */
export interface LmHeadLogProbsInputs {
  /** Final hidden states `[B, T, d]` (differentiated). */
  hidden: tf.Tensor;
  /** Output-layer weight `[d, V]` (`[in, out]` layout, as core's `linear`; differentiated). */
  weight: tf.Tensor2D;
  /** Token ids `[B, T]` (int32), each in `[0, V)`. */
  ids: tf.Tensor;
  /** Optional output-layer bias `[V]` (differentiated). */
  bias?: tf.Tensor1D;
}

/**
 * Log-probabilities of given token ids straight from the last hidden states, without the
 * `[B, T, V]` logits ever existing (Liger-Kernel's fused linear cross-entropy, arXiv:2410.10989,
 * for RL: it returns per-token log-probs instead of a mean loss):
 *
 *   z = h·W + b,   lp[b,t] = z_y / τ − logsumexp_v(z_v / τ)          (= gatherLogProbs(linear(h, W, b), ids))
 *   ∂lp/∂z = (onehot(y) − softmax(z/τ)) / τ,   ∂/∂h = g·Wᵀ,   ∂/∂W = Σ_chunks h_cᵀ·g_c,   ∂/∂b = Σ_rows g
 *
 * The `B·T` rows are processed `chunkSize` at a time: the forward keeps only each row's
 * logsumexp; the backward recomputes a chunk's logits from it and accumulates the gradients of
 * `hidden`, `weight` and `bias` chunk by chunk (one extra matmul per chunk, in exchange for
 * memory: the largest temporaries are `[chunkSize, V]`, plus `W`-sized gradient buffers in the
 * backward). Differentiable w.r.t. `hidden`, `weight` and `bias` (`tf.customGrad`).
 *
 * Errors: `RLError("SHAPE_MISMATCH")` unless `hidden` is `[B, T, d]`, `weight` `[d, V]`, `ids`
 * `[B, T]` and `bias` `[V]`; `RLError("INVALID_INPUT")` for ids outside `[0, V)`.
 *
 * @example
 * lmHeadLogProbs({ hidden: tf.zeros([1, 2, 3]), weight: tf.zeros([3, 4]), ids: tf.tensor2d([[0, 3]], [1, 2], "int32") }).arraySync(); // [[-1.386294, -1.386294]]
 * @remarks Liger-Kernel arXiv:2410.10989
 */
export function lmHeadLogProbs(inputs: LmHeadLogProbsInputs, config: LmHeadLogProbsConfig = {}): tf.Tensor2D {
  const { temperature, chunkSize } = parseConfig(lmHeadLogProbsConfig, config, "lmHeadLogProbs");
  const { hidden, weight, ids, bias } = inputs;
  if (hidden.rank !== 3) {
    throw new RLError("SHAPE_MISMATCH", `lmHeadLogProbs: hidden must be [B, T, d], got [${hidden.shape.join(",")}]`);
  }
  const [B, T, d] = hidden.shape as [number, number, number];
  if (weight.rank !== 2 || weight.shape[0] !== d) {
    throw new RLError("SHAPE_MISMATCH", `lmHeadLogProbs: weight has shape [${weight.shape.join(",")}], hidden [${hidden.shape.join(",")}] needs weight [${d}, V]`);
  }
  const V = weight.shape[1];
  if (ids.rank !== 2 || ids.shape[0] !== B || ids.shape[1] !== T) {
    throw new RLError("SHAPE_MISMATCH", `lmHeadLogProbs: ids has shape [${ids.shape.join(",")}], hidden [${hidden.shape.join(",")}] needs ids [${B},${T}]`);
  }
  if (bias !== undefined && (bias.rank !== 1 || bias.shape[0] !== V)) {
    throw new RLError("SHAPE_MISMATCH", `lmHeadLogProbs: bias has shape [${bias.shape.join(",")}], weight [${d},${V}] needs bias [${V}]`);
  }
  const N = B * T;
  const idData = Int32Array.from(ids.dataSync());
  for (let k = 0; k < N; k++) {
    const y = idData[k] as number;
    if (!(y >= 0 && y < V) || !Number.isInteger(y)) {
      throw new RLError("INVALID_INPUT", `lmHeadLogProbs: token ids must be integers in [0, ${V}); got ${y} at row ${Math.floor(k / T)}, position ${k % T}`);
    }
  }
  const rows = chunkSize ?? Math.max(1, Math.floor(2 ** 21 / Math.max(V, 1)));
  const lse = new Float32Array(N); // logsumexp of each row's z/τ, read by the backward

  // the logits of rows [r0, r0 + c), over τ
  const chunkLogits = (h: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | undefined, r0: number, c: number): tf.Tensor2D => {
    const hc = tf.slice(h, [r0, 0], [c, d]);
    const z = b === undefined ? tf.matMul(hc, w) : tf.add(tf.matMul(hc, w), b);
    return (temperature === 1 ? z : tf.div(z, temperature)) as tf.Tensor2D;
  };

  const forward = (h: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | undefined): tf.Tensor1D => {
    const lp = new Float32Array(N);
    for (let r0 = 0; r0 < N; r0 += rows) {
      const c = Math.min(rows, N - r0);
      const out = tf.tidy(() => {
        const z = chunkLogits(h, w, b, r0, c);
        const flatIds = tf.tensor1d(Int32Array.from({ length: c }, (_, i) => i * V + (idData[r0 + i] as number)), "int32");
        const picked = tf.gather(tf.reshape(z, [c * V]), flatIds);
        const l = tf.logSumExp(z, -1);
        return tf.stack([tf.sub(picked, l), l]);
      });
      const data = out.dataSync();
      out.dispose();
      lp.set(data.subarray(0, c), r0);
      lse.set(data.subarray(c, 2 * c), r0);
    }
    return tf.tensor1d(lp);
  };

  const backward = (dy: tf.Tensor, h: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | undefined): tf.Tensor[] => {
    const up = dy.dataSync();
    const wT = tf.transpose(w); // [V, d]: the products below stay 2-D and non-transposed (see `linear`)
    const dH: tf.Tensor[] = [];
    let dW: tf.Tensor = tf.zeros([d, V]);
    let dB: tf.Tensor | undefined = b === undefined ? undefined : tf.zeros([V]);
    for (let r0 = 0; r0 < N; r0 += rows) {
      const c = Math.min(rows, N - r0);
      const step = tf.tidy(() => {
        const z = chunkLogits(h, w, b, r0, c);
        const p = tf.exp(tf.sub(z, tf.tensor2d(lse.subarray(r0, r0 + c), [c, 1])));
        const scale = tf.tensor2d(Float32Array.from(up.subarray(r0, r0 + c), (u) => (u as number) / temperature), [c, 1]);
        const oneHot = V === 1 ? tf.ones([c, 1]) : tf.oneHot(tf.tensor1d(idData.subarray(r0, r0 + c), "int32"), V); // tf.oneHot needs V ≥ 2
        const g = tf.mul(tf.sub(oneHot, p), scale) as tf.Tensor2D;
        const hcT = tf.transpose(tf.slice(h, [r0, 0], [c, d]));
        return { dh: tf.matMul(g, wT), dw: tf.add(dW, tf.matMul(hcT, g)), db: dB === undefined ? undefined : tf.add(dB, tf.sum(g, 0)) };
      });
      dH.push(step.dh);
      dW.dispose();
      dW = step.dw;
      if (dB !== undefined) {
        dB.dispose();
        dB = step.db;
      }
    }
    wT.dispose();
    const dh = dH.length === 0 ? tf.zeros([0, d]) : dH.length === 1 ? (dH[0] as tf.Tensor) : tf.concat(dH, 0);
    if (dH.length > 1) tf.dispose(dH);
    return dB === undefined ? [dh, dW] : [dh, dW, dB];
  };

  type Save = (ts: tf.Tensor[]) => void;
  const op =
    bias === undefined
      ? tf.customGrad(((h: tf.Tensor2D, w: tf.Tensor2D, save: Save) => {
          save([h, w]);
          return { value: forward(h, w, undefined), gradFunc: (dy: tf.Tensor, s: tf.Tensor[]) => backward(dy, s[0] as tf.Tensor2D, s[1] as tf.Tensor2D, undefined) };
        }) as unknown as Parameters<typeof tf.customGrad>[0])
      : tf.customGrad(((h: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: Save) => {
          save([h, w, b]);
          return {
            value: forward(h, w, b),
            gradFunc: (dy: tf.Tensor, s: tf.Tensor[]) => backward(dy, s[0] as tf.Tensor2D, s[1] as tf.Tensor2D, s[2] as tf.Tensor1D),
          };
        }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return tf.tidy(() => {
    const h2 = tf.reshape(hidden, [N, d]);
    const lp = (bias === undefined ? (op as (h: tf.Tensor, w: tf.Tensor) => tf.Tensor)(h2, weight) : (op as (h: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor)(h2, weight, bias));
    return tf.reshape(lp, [B, T]) as tf.Tensor2D;
  });
}

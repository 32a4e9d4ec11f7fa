import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { tf } from "../tf.js";
import { assertTensor, describeValue } from "../validate.js";
import { storageOf } from "./storage.js";

/** Config of {@link lmHeadLogProbs}. */
export const lmHeadLogProbsConfig = z.object({
  /** Logits are divided by this before the softmax (sampling temperature), as in `gatherLogProbs`. Default 1. */
  temperature: z.number().positive().default(1),
  /**
   * Rows (tokens) per forward chunk: a chunk's `[chunkSize, V]` logits are the largest temporaries.
   * The backward works on `[B·T, ⌊chunkSize·V / (B·T)⌋]` column blocks, the same number of logits.
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
 * The forward takes the `B·T` rows `chunkSize` at a time and keeps only each row's logsumexp.
 * The backward recomputes the logits block by block of vocabulary columns (same number of logits
 * per block) from that logsumexp: each block gives its final columns of `∂/∂W` and `∂/∂b`, written
 * in place into the one gradient buffer on `wasm` / `cpu` (concatenated elsewhere), and adds its
 * share to `∂/∂h` (one extra matmul per block, in exchange for memory: the largest temporaries hold
 * one chunk of logits). Differentiable w.r.t. `hidden`, `weight` and `bias` (`tf.customGrad`).
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
  if (typeof inputs !== "object" || inputs === null) {
    throw new RLError("INVALID_INPUT", `lmHeadLogProbs: inputs must be { hidden, weight, ids, bias? }, got ${describeValue(inputs)}`);
  }
  const { hidden, weight, ids, bias } = inputs;
  assertTensor(hidden, "lmHeadLogProbs", "hidden");
  assertTensor(weight, "lmHeadLogProbs", "weight");
  assertTensor(ids, "lmHeadLogProbs", "ids", { dtypes: ["int32", "float32"] });
  if (bias !== undefined) assertTensor(bias, "lmHeadLogProbs", "bias");
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

  // The backward runs over column blocks of the vocabulary (the same number of logits per block as
  // a forward chunk): each block's gradient columns of W are final when computed, so they are
  // written straight into the one dW buffer; only hidden's gradient [N, d] is accumulated.
  const cols = Math.max(1, Math.floor((rows * V) / Math.max(N, 1)));
  const backward = (dy: tf.Tensor, h: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | undefined): tf.Tensor[] => {
    const up = dy.dataSync();
    const lseCol = tf.tensor2d(lse, [N, 1]);
    const scale = tf.tensor2d(Float32Array.from(up, (u) => (u as number) / temperature), [N, 1]);
    const idT = tf.tensor1d(idData, "int32");
    const hT = tf.transpose(h); // [d, N]: every product below is a plain 2-D matmul (see `linear`)
    let dH: tf.Tensor = tf.zeros([N, d]);
    const dW = tf.zeros([d, V]) as tf.Tensor2D;
    const dB = b === undefined ? undefined : (tf.zeros([V]) as tf.Tensor1D);
    const dWParts: tf.Tensor[] = [];
    const dBParts: tf.Tensor[] = [];
    for (let v0 = 0; v0 < V; v0 += cols) {
      const c = Math.min(cols, V - v0);
      const step = tf.tidy(() => {
        const wc = tf.slice(w, [0, v0], [d, c]);
        // the [N, c] temporaries are freed as soon as the next one exists (at most three alive)
        const then = (x: tf.Tensor, f: (x: tf.Tensor) => tf.Tensor): tf.Tensor => {
          const y = f(x);
          x.dispose();
          return y;
        };
        let z: tf.Tensor = tf.matMul(h, wc);
        if (b !== undefined) z = then(z, (x) => tf.add(x, tf.slice(b, [v0], [c])));
        if (temperature !== 1) z = then(z, (x) => tf.div(x, temperature));
        const p = then(then(z, (x) => tf.sub(x, lseCol)), (x) => tf.exp(x));
        // ids outside this block give all-zero one-hot rows
        let oneHot = tf.oneHot(tf.sub(idT, tf.scalar(v0, "int32")), Math.max(c, 2));
        if (c === 1) oneHot = then(oneHot, (x) => tf.slice(x, [0, 0], [N, 1]));
        const diff = then(oneHot, (x) => tf.sub(x, p));
        p.dispose();
        const g = then(diff, (x) => tf.mul(x, scale)) as tf.Tensor2D;
        return {
          dH: tf.add(dH, tf.matMul(g, tf.transpose(wc))),
          dWc: tf.matMul(hT, g),
          dBc: b === undefined ? undefined : tf.sum(g, 0),
        };
      });
      dH.dispose();
      dH = step.dH;
      if (!writeColumns(dW, step.dWc, v0)) dWParts.push(step.dWc);
      else step.dWc.dispose();
      if (dB !== undefined && step.dBc !== undefined) {
        if (!writeColumns(dB, step.dBc, v0)) dBParts.push(step.dBc);
        else step.dBc.dispose();
      }
    }
    tf.dispose([lseCol, scale, idT, hT]);
    const finish = (buf: tf.Tensor, parts: tf.Tensor[], axis: number): tf.Tensor => {
      if (parts.length === 0) return buf;
      buf.dispose();
      const out = parts.length === 1 ? (parts[0] as tf.Tensor) : tf.concat(parts, axis);
      if (parts.length > 1) tf.dispose(parts);
      return out;
    };
    const dWOut = finish(dW, dWParts, 1);
    return dB === undefined ? [dH, dWOut] : [dH, dWOut, finish(dB, dBParts, 0)];
  };

  // customGrad's `save` keeps a copy (on wasm, a real one) of what the backward reads; a tf.Variable
  // outlives any tidy, so the weight and bias are read directly when they are variables.
  type Save = (ts: tf.Tensor[]) => void;
  const direct = (t: tf.Tensor | undefined): boolean => t === undefined || t instanceof tf.Variable;
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args[args.length - 1] as Save;
    const [h, w, b] = args.slice(0, -1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D | undefined];
    const toSave = [h, ...(direct(w) ? [] : [w]), ...(b !== undefined && !direct(b) ? [b] : [])];
    save(toSave);
    return {
      value: forward(h, w, b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        let k = 1;
        const ws = direct(w) ? w : (saved[k++] as tf.Tensor2D);
        const bs = b === undefined ? undefined : direct(b) ? b : (saved[k++] as tf.Tensor1D);
        return backward(dy, saved[0] as tf.Tensor2D, ws, bs);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...xs: tf.Tensor[]) => tf.Tensor;
  return tf.tidy(() => {
    const h2 = tf.reshape(hidden, [N, d]);
    const lp = bias === undefined ? op(h2, weight) : op(h2, weight, bias);
    return tf.reshape(lp, [B, T]) as tf.Tensor2D;
  });
}

// Writes `part` ([rows, c] or [c]) into columns [v0, v0 + c) of `buf` ([rows, V] or [V]) in place;
// false when the backend's storage is not reachable (the caller concatenates instead).
function writeColumns(buf: tf.Tensor, part: tf.Tensor, v0: number): boolean {
  const src = part.dataSync() as Float32Array;
  const dst = storageOf(buf); // after every allocation: a wasm heap view is valid until the heap grows
  if (dst === undefined) return false;
  const V = buf.shape[buf.rank - 1] as number;
  const c = part.shape[part.rank - 1] as number;
  const rowsN = part.rank === 2 ? (part.shape[0] as number) : 1;
  for (let r = 0; r < rowsN; r++) dst.set(src.subarray(r * c, (r + 1) * c), r * V + v0);
  return true;
}

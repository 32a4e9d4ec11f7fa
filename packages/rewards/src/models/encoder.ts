import { RLError, createRng, describeValue, linear, parseConfig, tf, type LayersModelLike } from "@rl/core";
import { z } from "zod";
import { normalVariable, zerosVariable } from "./variables.js";

/**
 * Anything that maps token ids `[B,T]` (int32) and a mask `[B,T]` (float32, 1 = real token) to
 * hidden states `[B,T,H]`. The reward head reads them; `variables` are trained by `fit` and saved
 * by `save`.
 */
export interface Encoder {
  readonly hiddenSize: number;
  /** Hidden states `[B,T,H]` (the caller owns the result). Differentiable in `variables`. */
  encode(ids: tf.Tensor, mask: tf.Tensor): tf.Tensor;
  readonly variables: readonly tf.Variable[];
  /** Frees the encoder's variables (no-op for adapters of models the caller owns). */
  dispose(): void;
}

/** Config of {@link createEmbeddingEncoder}. */
export const embeddingEncoderConfig = z.object({
  vocabSize: z.number().int().positive(),
  hiddenSize: z.number().int().positive().default(32),
  seed: z.number().int().default(0),
});
export type EmbeddingEncoderConfig = z.input<typeof embeddingEncoderConfig>;

/**
 * A small encoder for demos and tests: a token embedding and one causal mixing layer.
 *
 *   e_t = E[id_t]·M_t,   m_t = Σ_{i≤t} e_i / max(1, Σ_{i≤t} M_i)
 *   h_t = tanh([e_t ; e_{t−1} ; m_t] W + b)      (e_{−1} = 0)
 *
 * so the state at the last token sees the whole (unpadded) prefix, and a step separator sees
 * the token before it. The embedding lookup is a
 * one-hot matmul through core's `linear` (fast 2-D path on wasm; fine for small vocabularies).
 * Init: `E ~ N(0,1)`, `W ~ N(0, 1/(3H))`, `b = 0`, from `createRng(seed)`.
 *
 * @example
 * const enc = createEmbeddingEncoder({ vocabSize: 16, hiddenSize: 8 });
 * enc.encode(tf.tensor2d([[1, 2, 3]], [1, 3], "int32"), tf.ones([1, 3])).shape; // [1, 3, 8]
 * enc.dispose();
 */
export function createEmbeddingEncoder(config: EmbeddingEncoderConfig): Encoder {
  const fn = "createEmbeddingEncoder";
  const { vocabSize, hiddenSize: H, seed } = parseConfig(embeddingEncoderConfig, config, fn);
  const rng = createRng(seed);
  const embedding = normalVariable(rng, [vocabSize, H], 1);
  const w = normalVariable(rng, [3 * H, H], 1 / Math.sqrt(3 * H));
  const b = zerosVariable([H]);
  return {
    hiddenSize: H,
    variables: [embedding, w, b],
    encode(ids, mask) {
      if (ids.rank !== 2 || mask.rank !== 2 || ids.shape[0] !== mask.shape[0] || ids.shape[1] !== mask.shape[1]) {
        throw new RLError("SHAPE_MISMATCH", `embeddingEncoder.encode: ids [${ids.shape.join(",")}] and mask [${mask.shape.join(",")}] must both be [B,T]`);
      }
      return tf.tidy(() => {
        const [B, T] = ids.shape as [number, number];
        const maskF = tf.cast(mask, "float32");
        const m = tf.expandDims(maskF, 2);
        const e = tf.mul(linear(tf.oneHot(tf.cast(ids, "int32"), vocabSize), embedding as tf.Tensor2D), m);
        // Prefix sums as a matmul with an upper-triangular ones matrix (tfjs's cumsum gradient is
        // wrong on a non-last axis, and this keeps to the fast 2-D matmul path).
        const upper = tf.linalg.bandPart(tf.ones([T, T]), 0, -1) as tf.Tensor2D;
        const count = tf.expandDims(tf.maximum(linear(maskF, upper), 1), 2);
        const cum = tf.transpose(linear(tf.transpose(e, [0, 2, 1]), upper), [0, 2, 1]);
        const mix = tf.div(cum, count);
        const prev = tf.concat([tf.zeros([B, 1, H]), tf.slice(e, [0, 0, 0], [B, T - 1, H])], 1);
        return tf.tanh(linear(tf.concat([e, prev, mix], 2), w as tf.Tensor2D, b as tf.Tensor1D));
      });
    },
    dispose() {
      embedding.dispose();
      w.dispose();
      b.dispose();
    },
  };
}

/**
 * Wraps a tfjs `LayersModel` whose output for int ids `[B,T]` is hidden states `[B,T,H]` as an
 * {@link Encoder}. Its trainable weights become the encoder's variables (trained and saved with the
 * head). The mask is not passed to the model (use a model that masks, or right padding with a
 * causal model). `dispose()` does nothing: the caller owns the model.
 *
 * @example
 * const model = tfl.sequential({ layers: [tfl.layers.embedding({ inputDim: 16, outputDim: 64 })] }); // tfl: @tensorflow/tfjs-layers // ids → [B, T, 64]
 * const enc = layersModelEncoder(model, 64);
 */
export function layersModelEncoder(model: LayersModelLike, hiddenSize: number): Encoder {
  if (typeof model !== "object" || model === null || typeof model.apply !== "function" || !Array.isArray(model.trainableWeights)) {
    throw new RLError("INVALID_INPUT", "layersModelEncoder: model must be a tfjs-layers model (apply(), trainableWeights[])");
  }
  model.trainableWeights.forEach((w: unknown, k) => {
    if (typeof w !== "object" || w === null || typeof (w as { read?: unknown }).read !== "function") {
      throw new RLError("INVALID_INPUT", `layersModelEncoder: model.trainableWeights[${k}] is ${describeValue(w)}; expected a tfjs-layers weight (read())`);
    }
  });
  if (!Number.isInteger(hiddenSize) || hiddenSize < 1) throw new RLError("INVALID_INPUT", `layersModelEncoder: hiddenSize must be a positive integer, got ${describeValue(hiddenSize)}`);
  return {
    hiddenSize,
    get variables() {
      return model.trainableWeights.map((w) => w.read() as tf.Variable);
    },
    encode(ids) {
      return tf.tidy(() => {
        const out = model.apply(ids) as tf.Tensor;
        if (out.rank !== 3 || out.shape[2] !== hiddenSize) {
          throw new RLError("SHAPE_MISMATCH", `layersModelEncoder: the model returned [${out.shape.join(",")}], expected [B,T,${hiddenSize}]`);
        }
        return out;
      });
    },
    dispose() {},
  };
}

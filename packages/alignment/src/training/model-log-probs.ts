import { RLError, gatherLogProbs, parseConfig, tf, type LayersModelLike, assertTensor } from "@rl/core";
import { z } from "zod";

/**
 * A causal language model: a tfjs-layers `LayersModel` (any `LayersModelLike` of `@rl/core`) mapping token ids `[B, T]` (int32) to logits
 * `[B, T, V]`, or a function doing the same over `tf.Variable`s the caller owns.
 */
export type PolicyModel = LayersModelLike | ((tokenIds: tf.Tensor2D) => tf.Tensor3D);

/**
 * Runs the model forward: logits `[B, T, V]` (training mode for a LayersModel). Throws
 * `RLError("SHAPE_MISMATCH")` when the model does not return `[B, T, V]` for `[B, T]` ids.
 * @example
 * const model = (ids: tf.Tensor2D) => tf.oneHot(ids, 4).toFloat() as tf.Tensor3D; // V = 4
 * const logits = modelLogits(model, tf.tensor2d([[0, 3]], undefined, "int32")); // [1, 2, V]
 */
export function modelLogits(model: PolicyModel, tokenIds: tf.Tensor2D): tf.Tensor3D {
  if (typeof model !== "function" && (typeof model !== "object" || model === null || typeof model.apply !== "function")) {
    throw new RLError("INVALID_INPUT", "modelLogits: model must be a function (tokenIds → logits) or a tfjs-layers model");
  }
  assertTensor(tokenIds, "modelLogits", "tokenIds", { dtypes: ["int32"], rank: 2 });
  const logits = typeof model === "function" ? model(tokenIds) : (model.apply(tokenIds, { training: true }) as tf.Tensor);
  if (!(logits instanceof tf.Tensor)) throw new RLError("INVALID_INPUT", "modelLogits: the model did not return a tensor");
  if (logits.rank !== 3 || logits.shape[0] !== tokenIds.shape[0] || logits.shape[1] !== tokenIds.shape[1]) {
    throw new RLError("SHAPE_MISMATCH", `modelLogits: the model returned [${logits.shape.join(",")}] for tokenIds [${tokenIds.shape.join(",")}], expected [B, T, V]`);
  }
  return logits as tf.Tensor3D;
}

/** Config of {@link modelTokenLogProbs}. */
export const modelTokenLogProbsConfig = z.object({
  /** Sampling temperature the logits are divided by (TRL divides by the generation temperature). Default 1. */
  temperature: z.number().positive().default(1),
});
export type ModelTokenLogProbsConfig = z.input<typeof modelTokenLogProbsConfig>;

/**
 * Per-token log-probs of a token batch under a causal model, **aligned with the token ids**:
 *
 *   logProbs[b, t] = log p(tokenIds[b, t] | tokenIds[b, <t]) = log_softmax(logits[b, t − 1] / τ)[tokenIds[b, t]]   (t ≥ 1)
 *   logProbs[b, 0] = 0   (nothing predicts the first token)
 *
 * Token-shift convention: the logits at position `t` score token `t + 1`. Keeping the result
 * `[B, T]` (rather than TRL's `[B, T − 1]`) lets every per-token tensor of a batch — the loss mask,
 * old / reference log-probs, per-token advantages — share the shape of `tokenIds`; position 0 must
 * be masked out ({@link predictionMask} does it). Uses core's `gatherLogProbs` (no one-hot).
 * Needs `T ≥ 2`. Differentiable w.r.t. the model's variables.
 *
 * @example
 * const model = (ids: tf.Tensor2D) => tf.oneHot(ids, 4).toFloat() as tf.Tensor3D; // V = 4
 * const { logProbs, logits } = modelTokenLogProbs(model, tf.tensor2d([[0, 3, 1]], undefined, "int32"));
 * @remarks The shift is TRL's `logits[:, :-1]` against `input_ids[:, 1:]` (trl/trainer/grpo_trainer.py, `_get_per_token_logps`), kept aligned with the ids.
 */
export function modelTokenLogProbs(
  model: PolicyModel,
  tokenIds: tf.Tensor2D,
  config: ModelTokenLogProbsConfig = {},
): { logProbs: tf.Tensor2D; logits: tf.Tensor3D } {
  const { temperature } = parseConfig(modelTokenLogProbsConfig, config, "modelTokenLogProbs");
  assertTensor(tokenIds, "modelTokenLogProbs", "tokenIds", { dtypes: ["int32"] });
  if (tokenIds.rank !== 2) throw new RLError("SHAPE_MISMATCH", `modelTokenLogProbs: tokenIds must be [B, T], got [${tokenIds.shape.join(",")}]`);
  const [B, T] = tokenIds.shape;
  if (T < 2) throw new RLError("INVALID_INPUT", `modelTokenLogProbs: tokenIds needs at least 2 positions (prompt + completion), got T = ${T}`);
  const logits = modelLogits(model, tokenIds);
  const V = logits.shape[2];
  const logProbs = tf.tidy(() => {
    const predicting = tf.slice(logits, [0, 0, 0], [B, T - 1, V]);
    const targets = tf.cast(tf.slice(tokenIds, [0, 1], [B, T - 1]), "int32");
    const lp = gatherLogProbs(predicting, targets, { temperature });
    return tf.concat([tf.zeros([B, 1]), lp], 1) as tf.Tensor2D;
  });
  return { logProbs, logits };
}

/**
 * The loss mask with position 0 cleared (no log-prob exists there, see {@link modelTokenLogProbs}),
 * as float32 `[B, T]`.
 * @example
 * predictionMask(tf.tensor2d([[1, 1, 0]])); // [[0, 1, 0]]
 */
export function predictionMask(lossMask: tf.Tensor2D): tf.Tensor2D {
  assertTensor(lossMask, "predictionMask", "lossMask", { dtypes: ["float32", "int32"] });
  if (lossMask.rank !== 2) throw new RLError("SHAPE_MISMATCH", `predictionMask: lossMask must be [B, T], got [${lossMask.shape.join(",")}]`);
  const [B, T] = lossMask.shape;
  return tf.tidy(() => {
    const keep = tf.concat([tf.zeros([1, 1]), tf.ones([1, Math.max(T - 1, 0)])], 1);
    return tf.mul(tf.cast(lossMask, "float32"), tf.tile(keep, [B, 1])) as tf.Tensor2D;
  });
}

/**
 * The trainable variables of a model: a LayersModel's trainable weights (the underlying
 * `tf.Variable`s), or `variables` as given for a function model (which has no weights of its own;
 * omitting them throws `RLError("INVALID_INPUT")`).
 * @example
 * const layersModel = tfl.sequential({ layers: [tfl.layers.embedding({ inputDim: 4, outputDim: 4, inputLength: 2 })] }); // tfl: @tensorflow/tfjs-layers
 * const opt = adamW(trainableVariables(layersModel));
 */
export function trainableVariables(model: PolicyModel, variables?: readonly tf.Variable[]): tf.Variable[] {
  if (variables !== undefined) {
    if (!Array.isArray(variables) || variables.some((v) => !(v instanceof tf.Variable))) throw new RLError("INVALID_INPUT", "trainableVariables: variables must be an array of tf.Variable");
    return [...variables];
  }
  if (typeof model === "function") {
    throw new RLError("INVALID_INPUT", "trainableVariables: a function model needs its variables (config.variables)");
  }
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

import { RLError, createRng, linear, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import { type PairwiseMetrics, pairwiseMetrics } from "./bradley-terry-loss.js";
import { type TensorLike2D, asTensor, shapeOf } from "./tensor-input.js";
import { normalVariable, zerosVariable } from "./variables.js";

/** Config of {@link armoScore}. Defaults follow RLHFlow's ArmoRM stage 2. */
export const armoScoreConfig = z.object({
  /** Softmax temperature of the gate. At least 1e-6 (a smaller one overflows the float32 gate logits to NaN). */
  temperature: z.number().min(1e-6).default(10),
  /** `β`, the gate's scale (`logit_scale`, learnable in the reference, init 1). */
  logitScale: z.number().positive().default(1),
  /** Index of the verbosity objective (`null` = no debiasing). */
  verbosityIndex: z.number().int().nonnegative().nullable().default(null),
  /** Verbosity penalties `p_j` per objective (`p_v` is forced to 1). Required with `verbosityIndex`. */
  penalties: z.array(z.number()).nullable().default(null),
});
export type ArmoScoreConfig = z.input<typeof armoScoreConfig>;

/** Inputs of {@link armoScore}: objective rewards `[B,J]` and gate logits `[B,J]` (from the prompt). */
export interface ArmoScoreInput {
  objectives: TensorLike2D;
  gateLogits: TensorLike2D;
}

/**
 * ArmoRM score (Wang et al. arXiv:2406.12845): verbosity-debiased objectives mixed by a
 * prompt-conditioned gate.
 *
 *   r̃_j = r_j − p_j·r_v   (p_v = 1, so the verbosity objective is zeroed)
 *   g   = softmax(gateLogits / temperature) · logitScale
 *   s   = Σ_j g_j r̃_j
 *
 * We train and serve with the same transform (the reference trains the gate on untransformed
 * rewards and serves transformed ones). Differentiable in both inputs; returns `[B]`.
 * Defaults: temperature 10, logitScale 1, no debiasing.
 *
 * @example
 * armoScore({ objectives: [[0.6, 0.2, 0.9]], gateLogits: [[1, 0, -1]] }); // gate [0.367165, 0.332225, 0.300610]
 */
export function armoScore(input: ArmoScoreInput, config: ArmoScoreConfig = {}): tf.Tensor {
  const fn = "armoScore";
  const cfg = parseConfig(armoScoreConfig, config, fn);
  if (typeof input !== "object" || input === null) throw new RLError("INVALID_INPUT", `${fn}: input must be { objectives, gateLogits }`);
  const so = shapeOf(input.objectives);
  const sg = shapeOf(input.gateLogits);
  if (so.length !== 2 || sg.length !== 2 || so[0] !== sg[0] || so[1] !== sg[1]) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: objectives [${so.join(",")}] and gateLogits [${sg.join(",")}] must both be [B,J]`);
  }
  const J = so[1] as number;
  let transform: Float32Array | null = null;
  if (cfg.verbosityIndex !== null) {
    const v = cfg.verbosityIndex;
    if (v >= J) throw new RLError("INVALID_CONFIG", `${fn}: verbosityIndex ${v} is out of range for ${J} objectives`);
    if (cfg.penalties === null || cfg.penalties.length !== J) {
      throw new RLError("INVALID_CONFIG", `${fn}: penalties must have ${J} entries when verbosityIndex is set`);
    }
    // r̃ = r T with T = I − e_v pᵀ (column j gets −p_j at row v), T[v][v] = 0.
    transform = new Float32Array(J * J);
    for (let j = 0; j < J; j++) {
      transform[j * J + j] = 1;
      transform[v * J + j] = (transform[v * J + j] as number) - (j === v ? 1 : (cfg.penalties[j] as number));
    }
  }
  return tf.tidy(() => {
    let r = asTensor(input.objectives, 2, fn, "objectives");
    if (transform !== null) r = linear(r, tf.tensor2d(transform, [J, J])) as tf.Tensor2D;
    const g = tf.mul(tf.softmax(tf.div(asTensor(input.gateLogits, 2, fn, "gateLogits"), cfg.temperature)), cfg.logitScale);
    return tf.sum(tf.mul(g, r), 1);
  });
}

/** Inputs of {@link armoGatingLoss}: the shared prompt's gate logits and both responses' objectives. */
export interface ArmoGatingLossInput {
  gateLogits: TensorLike2D;
  chosenObjectives: TensorLike2D;
  rejectedObjectives: TensorLike2D;
}

/**
 * ArmoRM stage-2 loss: Bradley–Terry on the gated scores, `L = mean −logσ(s_c − s_r)`, with the
 * regression heads frozen (pass their outputs as plain numbers or detached tensors). Same config as
 * {@link armoScore}. Metrics: pairwise accuracy of the scores.
 *
 * @example
 * armoGatingLoss({ gateLogits: [[0, 0]], chosenObjectives: [[1, 0]], rejectedObjectives: [[0, 0]] }, { temperature: 1 }).loss; // −logσ(0.5) = 0.474077
 */
export function armoGatingLoss(input: ArmoGatingLossInput, config: ArmoScoreConfig = {}): { loss: tf.Tensor; metrics: PairwiseMetrics } {
  if (typeof input !== "object" || input === null) throw new RLError("INVALID_INPUT", "armoGatingLoss: input must be { gateLogits, chosenObjectives, rejectedObjectives }");
  const sc = armoScore({ objectives: input.chosenObjectives, gateLogits: input.gateLogits }, config);
  let sr: tf.Tensor | undefined;
  try {
    sr = armoScore({ objectives: input.rejectedObjectives, gateLogits: input.gateLogits }, config);
    const metrics = pairwiseMetrics(sc.dataSync(), sr.dataSync());
    const r = sr;
    const loss = tf.tidy(() => tf.mean(tf.softplus(tf.neg(tf.sub(sc, r)))));
    return { loss, metrics };
  } finally {
    sc.dispose(); // also when the rejected side is bad (it leaked one tensor per failing call)
    sr?.dispose();
  }
}

/** Config of {@link createGatingNetwork}. Reference: 3 hidden layers of 1024, ReLU (dropout 0.2 is not applied here). */
export const gatingNetworkConfig = z.object({
  inputSize: z.number().int().positive(),
  numObjectives: z.number().int().positive(),
  hiddenSizes: z.array(z.number().int().positive()).default([1024, 1024, 1024]),
  seed: z.number().int().default(0),
});
export type GatingNetworkConfig = z.input<typeof gatingNetworkConfig>;

/** A prompt-conditioned gate: an MLP from prompt embeddings `[B,H]` to gate logits `[B,J]`. */
export interface GatingNetwork {
  /** Gate logits `[B,J]` (caller owns the result). */
  apply(promptEmbeddings: tf.Tensor): tf.Tensor;
  readonly variables: readonly tf.Variable[];
  dispose(): void;
}

/**
 * An ArmoRM-style gating MLP (arXiv:2406.12845): `ReLU` hidden layers, He-normal init from a
 * seeded generator, a linear output of `numObjectives` logits. Train it with {@link armoGatingLoss}
 * through `tf.train.*` optimisers on `variables`; call `dispose()` when done.
 *
 * @example
 * const gate = createGatingNetwork({ inputSize: 8, numObjectives: 3, hiddenSizes: [16] });
 * gate.apply(tf.ones([2, 8])).shape; // [2, 3]
 */
export function createGatingNetwork(config: GatingNetworkConfig): GatingNetwork {
  const cfg = parseConfig(gatingNetworkConfig, config, "createGatingNetwork");
  const rng = createRng(cfg.seed);
  const sizes = [cfg.inputSize, ...cfg.hiddenSizes, cfg.numObjectives];
  const layers: { w: tf.Variable; b: tf.Variable }[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l] as number;
    const fanOut = sizes[l + 1] as number;
    layers.push({ w: normalVariable(rng, [fanIn, fanOut], Math.sqrt(2 / fanIn)), b: zerosVariable([fanOut]) });
  }
  return {
    apply: (x) =>
      tf.tidy(() => {
        let h = x;
        layers.forEach(({ w, b }, l) => {
          h = linear(h, w as tf.Tensor2D, b as tf.Tensor1D);
          if (l + 1 < layers.length) h = tf.relu(h);
        });
        return h;
      }),
    variables: layers.flatMap(({ w, b }) => [w, b]),
    dispose: () => layers.forEach(({ w, b }) => (w.dispose(), b.dispose())),
  };
}

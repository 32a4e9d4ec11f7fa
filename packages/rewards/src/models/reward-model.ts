import { RLError, resetGradientTape, assertMask, assertSameShape, createRng, linear, parseConfig, parseInput, tf, toMatrix2D } from "@rl/core";
import { z } from "zod";
import { type BradleyTerryConfig, bradleyTerryLoss } from "./bradley-terry-loss.js";
import { type AtomicWriteOptions, loadVariables, saveVariables } from "./checkpoint.js";
import type { Encoder } from "./encoder.js";
import { outcomeClassificationLoss } from "./outcome-loss.js";
import { IGNORE_LABEL } from "./prm-layout.js";
import { type PrmStepLossConfig, prmStepLoss } from "./prm-loss.js";
import { regressionLoss } from "./regression-loss.js";
import { lastTokenPool } from "./scalar-head.js";
import { normalVariable, zerosVariable } from "./variables.js";

/** Training objectives of a {@link RewardModel}. */
export type RewardObjective = "bradleyTerry" | "regression" | "outcome" | "process";

/** Config of {@link createRewardModel}. */
export const rewardModelConfig = z.object({
  /** `bradleyTerry` (pairs), `regression` (scalar targets), `outcome` (ORM, 0/1 labels), `process` (PRM step labels). */
  objective: z.enum(["bradleyTerry", "regression", "outcome", "process"]).default("bradleyTerry"),
  /** Seed of the head's initialisation. */
  seed: z.number().int().default(0),
  /** Passed to {@link bradleyTerryLoss} (margin, centring, temperature, label smoothing). */
  bradleyTerry: z.custom<BradleyTerryConfig>((v) => typeof v === "object" && v !== null).optional(),
  /** Passed to {@link prmStepLoss} (hard / soft labels, last-step-only). */
  process: z.custom<PrmStepLossConfig>((v) => typeof v === "object" && v !== null).optional(),
});
export type RewardModelConfig = z.input<typeof rewardModelConfig>;

const ids = z.array(z.number().int().nonnegative()).min(1);
/** A preference pair of token-id sequences (prompt ⊕ response each). */
export const preferenceExampleSchema = z.object({ chosenIds: ids, rejectedIds: ids, margin: z.number().optional() });
/** A sequence with a scalar target (regression) or outcome label in `[0,1]` (ORM). */
export const scalarExampleSchema = z.object({ inputIds: ids, target: z.number() });
/** A sequence with per-token step labels (−100 = none), as built by `buildPrmExample`. */
export const stepExampleSchema = z
  .object({ inputIds: ids, labels: z.array(z.number()) })
  .refine((e) => e.labels.length === e.inputIds.length, { message: "labels must have one entry per token", path: ["labels"] })
  .refine((e) => e.labels.some((l) => l !== IGNORE_LABEL), { message: "no labelled step (skip samples without steps)", path: ["labels"] });
export type PreferenceExample = z.infer<typeof preferenceExampleSchema>;
export type ScalarExample = z.infer<typeof scalarExampleSchema>;
export type StepExample = z.infer<typeof stepExampleSchema>;
export type TrainingExample = PreferenceExample | ScalarExample | StepExample;

/** One progress report of {@link RewardModel.fit} (once per epoch). */
export interface FitProgress {
  epoch: number;
  epochs: number;
  trainLoss: number;
  valLoss: number | null;
  /** Pairwise accuracy (BT), label accuracy (ORM / PRM) or `null` (regression) on the validation split. */
  valAccuracy: number | null;
}

/** Options of {@link RewardModel.fit}. */
export const fitOptionsSchema = z.object({
  epochs: z.number().int().positive().default(10),
  batchSize: z.number().int().positive().default(32),
  /** Adam learning rate. TRL uses 1e-4 for LLM reward models; tiny encoders need more. */
  learningRate: z.number().positive().default(1e-3),
  /** Fraction held out for validation (drawn with `seed`). */
  validationSplit: z.number().min(0).max(0.9).default(0),
  /** Stop after this many epochs without a lower validation loss (`null` = never). Needs `validationSplit > 0`. */
  patience: z.number().int().positive().nullable().default(null),
  /** With early stopping, restore the weights of the best validation epoch. */
  restoreBestWeights: z.boolean().default(true),
  /** Seed of the split and the shuffles. */
  seed: z.number().int().default(0),
  onProgress: z.custom<(p: FitProgress) => void>((v) => typeof v === "function").optional(),
});
export type FitOptions = z.input<typeof fitOptionsSchema>;

/** What {@link RewardModel.fit} returns. */
export interface FitResult {
  history: FitProgress[];
  /** Epoch (1-based) of the lowest validation loss, or the last epoch without validation. */
  bestEpoch: number;
  stoppedEarly: boolean;
}

/** A trainable reward model: an {@link Encoder} and a reward head. See {@link createRewardModel}. */
export interface RewardModel {
  readonly objective: RewardObjective;
  readonly encoder: Encoder;
  /** Encoder and head variables, in checkpoint order. */
  readonly variables: readonly tf.Variable[];
  /** Trains on examples of the objective's kind; the tensor count after equals the count before. */
  fit(data: readonly TrainingExample[], options?: FitOptions): Promise<FitResult>;
  /** One score per sequence at its last non-padding token (BT / regression: reward; ORM: logit; PRM: P(good) of the last token). */
  score(tokenIds: readonly (readonly number[])[], mask?: readonly (readonly number[])[]): number[];
  /** Differentiable rewards `[B]` of int ids `[B,T]` and mask `[B,T]` (caller owns the result). */
  rewards(ids: tf.Tensor, mask: tf.Tensor): tf.Tensor;
  /** PRM only: `P(step good)` at each step-end index of each row. */
  scoreSteps(tokenIds: readonly (readonly number[])[], stepEnds: readonly (readonly number[])[]): number[][];
  /** Atomic save (temp file, fsync, rename): a crash mid-save leaves the previous file readable. */
  save(path: string, options?: AtomicWriteOptions): Promise<void>;
  /** Loads a checkpoint of the same architecture and objective. */
  load(path: string): Promise<void>;
  dispose(): void;
}

function padBatch(seqs: readonly (readonly number[])[]): { ids: tf.Tensor; mask: tf.Tensor; T: number } {
  seqs.forEach((s, b) => {
    if (!Array.isArray(s)) throw new RLError("INVALID_INPUT", `RewardModel: tokenIds[${b}] must be an array of token ids`);
    s.forEach((t, j) => {
      if (typeof t !== "number" || !Number.isInteger(t) || t < 0 || t > 2 ** 31 - 1) {
        throw new RLError("INVALID_INPUT", `RewardModel: tokenIds[${b}][${j}] is ${String(t)}; expected a non-negative integer token id`);
      }
    });
  });
  const T = seqs.reduce((m, s) => Math.max(m, s.length), 0);
  const idData = new Int32Array(seqs.length * T);
  const maskData = new Float32Array(seqs.length * T);
  seqs.forEach((s, b) => s.forEach((t, j) => ((idData[b * T + j] = t), (maskData[b * T + j] = 1))));
  return { ids: tf.tensor2d(idData, [seqs.length, T], "int32"), mask: tf.tensor2d(maskData, [seqs.length, T]), T };
}

/**
 * A reward model over any {@link Encoder} (spec §2, §3, §6, §9): a bias-free linear head `H→1`
 * read at the last non-padding token (`w ~ N(0, 1/(H+1))`, OpenRLHF), or a token-classification
 * head `H→2` for PRMs. `fit` trains encoder and head with Adam on the objective's loss, with a seeded
 * validation split, early stopping, progress callbacks and no tensor leak; `save`/`load` are atomic.
 *
 * Objectives: `bradleyTerry` ({@link bradleyTerryLoss}, examples `{ chosenIds, rejectedIds, margin? }`),
 * `regression` ({@link regressionLoss}, `{ inputIds, target }`), `outcome` (ORM,
 * {@link outcomeClassificationLoss}, `{ inputIds, target ∈ [0,1] }`), `process` (PRM,
 * {@link prmStepLoss}, `{ inputIds, labels }` from `buildPrmExample`).
 *
 * Edge cases: mixed margins (some pairs with, some without) → `INVALID_INPUT`; empty data →
 * `INVALID_INPUT`; `patience` without a validation split → `INVALID_CONFIG`.
 *
 * @example
 * const rm = createRewardModel(createEmbeddingEncoder({ vocabSize: 16 }), { objective: "bradleyTerry" });
 * await rm.fit(pairs, { epochs: 20, validationSplit: 0.2, patience: 3 });
 * rm.score([[1, 2, 3]]); // [reward]
 * await rm.save("/tmp/rm.json");
 * rm.dispose();
 */
export function createRewardModel(encoder: Encoder, config: RewardModelConfig = {}): RewardModel {
  const fn = "createRewardModel";
  const cfg = parseConfig(rewardModelConfig, config, fn);
  const H = encoder.hiddenSize;
  const rng = createRng(cfg.seed);
  const isProcess = cfg.objective === "process";
  const headW = normalVariable(rng, [H, isProcess ? 2 : 1], 1 / (H + 1));
  const headB = isProcess ? zerosVariable([2]) : null;
  const headVars = headB === null ? [headW] : [headW, headB];
  const allVariables = (): tf.Variable[] => [...encoder.variables, ...headVars];

  const rewards = (idsT: tf.Tensor, maskT: tf.Tensor): tf.Tensor => {
    const hidden = encoder.encode(idsT, maskT);
    const pooled = lastTokenPool(hidden, maskT);
    hidden.dispose();
    const out = tf.tidy(() => {
      if (headB === null) return tf.reshape(linear(pooled, headW as tf.Tensor2D), [-1]);
      const logits = linear(pooled, headW as tf.Tensor2D, headB as tf.Tensor1D);
      return tf.reshape(tf.slice(tf.softmax(logits), [0, 1], [-1, 1]), [-1]);
    });
    pooled.dispose();
    return out;
  };
  const stepLogits = (idsT: tf.Tensor, maskT: tf.Tensor): tf.Tensor =>
    tf.tidy(() => linear(encoder.encode(idsT, maskT), headW as tf.Tensor2D, headB as tf.Tensor1D));

  const validate = (data: readonly TrainingExample[]): TrainingExample[] => {
    if (data.length === 0) throw new RLError("INVALID_INPUT", "RewardModel.fit: data is empty");
    const schema =
      cfg.objective === "bradleyTerry" ? preferenceExampleSchema : cfg.objective === "process" ? stepExampleSchema : scalarExampleSchema;
    const parsed = parseInput(z.array(schema), data, "RewardModel.fit", "data") as TrainingExample[];
    if (cfg.objective === "bradleyTerry") {
      const withMargin = (parsed as PreferenceExample[]).filter((e) => e.margin !== undefined).length;
      if (withMargin !== 0 && withMargin !== parsed.length) {
        throw new RLError("INVALID_INPUT", `RewardModel.fit: ${withMargin} of ${parsed.length} pairs have a margin; give every pair a margin or none`);
      }
    }
    if (cfg.objective === "outcome") {
      (parsed as ScalarExample[]).forEach((e, k) => {
        if (!(e.target >= 0 && e.target <= 1)) throw new RLError("INVALID_INPUT", `RewardModel.fit: data[${k}].target is ${e.target}; outcome labels are in [0, 1]`);
      });
    }
    return parsed;
  };

  /** Loss of one batch, with its accuracy (null for regression). Call inside a tidy / gradient scope. */
  const batchLoss = (batch: readonly TrainingExample[]): { loss: tf.Tensor; accuracy: number | null } => {
    if (cfg.objective === "bradleyTerry") {
      const pairs = batch as PreferenceExample[];
      const { ids: idsT, mask } = padBatch([...pairs.map((p) => p.chosenIds), ...pairs.map((p) => p.rejectedIds)]);
      const r = rewards(idsT, mask);
      const [rc, rr] = tf.split(r, 2) as [tf.Tensor, tf.Tensor];
      const margins = pairs[0]?.margin === undefined ? undefined : pairs.map((p) => p.margin as number);
      const out = bradleyTerryLoss({ chosenRewards: rc, rejectedRewards: rr, ...(margins ? { margins } : {}) }, cfg.bradleyTerry ?? {});
      return { loss: out.loss, accuracy: out.metrics.accuracy };
    }
    if (cfg.objective === "process") {
      const steps = batch as StepExample[];
      const { ids: idsT, mask, T } = padBatch(steps.map((s) => s.inputIds));
      const labels = steps.map((s) => [...s.labels, ...new Array<number>(T - s.labels.length).fill(IGNORE_LABEL)]);
      const out = prmStepLoss({ logits: stepLogits(idsT, mask), labels }, cfg.process ?? {});
      return { loss: out.loss, accuracy: out.metrics.accuracy };
    }
    const scalars = batch as ScalarExample[];
    const { ids: idsT, mask } = padBatch(scalars.map((s) => s.inputIds));
    const r = rewards(idsT, mask);
    const targets = scalars.map((s) => s.target);
    if (cfg.objective === "outcome") {
      const out = outcomeClassificationLoss({ logits: r, labels: targets });
      return { loss: out.loss, accuracy: out.metrics.accuracy };
    }
    return { loss: regressionLoss({ predictions: r, targets }).loss, accuracy: null };
  };

  const evaluate = (data: readonly TrainingExample[], batchSize: number): { loss: number; accuracy: number | null } => {
    let loss = 0;
    let acc = 0;
    let hasAcc = false;
    for (let s = 0; s < data.length; s += batchSize) {
      const batch = data.slice(s, s + batchSize);
      const out = tf.tidy(() => {
        const res = batchLoss(batch);
        if (res.accuracy !== null) {
          hasAcc = true;
          acc += res.accuracy * batch.length;
        }
        return res.loss;
      });
      loss += (out.dataSync()[0] as number) * batch.length;
      out.dispose();
    }
    return { loss: loss / data.length, accuracy: hasAcc ? acc / data.length : null };
  };

  const model: RewardModel = {
    objective: cfg.objective,
    encoder,
    get variables() {
      return allVariables();
    },
    rewards,
    async fit(data, options = {}) {
      const opts = parseConfig(fitOptionsSchema, options, "RewardModel.fit");
      const examples = validate(data);
      const split = createRng(opts.seed);
      const order = split.shuffle(examples.map((_, k) => k));
      const nVal = Math.floor(examples.length * opts.validationSplit);
      if (opts.patience !== null && nVal === 0) {
        throw new RLError("INVALID_CONFIG", "RewardModel.fit: patience (early stopping) needs validationSplit > 0 with at least one validation example");
      }
      const val = order.slice(0, nVal).map((k) => examples[k] as TrainingExample);
      const train = order.slice(nVal).map((k) => examples[k] as TrainingExample);
      if (train.length === 0) throw new RLError("INVALID_INPUT", "RewardModel.fit: no training example left after the validation split");
      const vars = allVariables();
      const optimizer = tf.train.adam(opts.learningRate);
      const history: FitProgress[] = [];
      let best = Infinity;
      let bestEpoch = 0;
      let bestWeights: Float32Array[] | null = null;
      let sinceBest = 0;
      let stoppedEarly = false;
      try {
        for (let epoch = 1; epoch <= opts.epochs; epoch++) {
          const shuffled = split.shuffle(train);
          let total = 0;
          for (let s = 0; s < shuffled.length; s += opts.batchSize) {
            const batch = shuffled.slice(s, s + opts.batchSize);
            let cost: tf.Scalar | null;
            try {
              cost = optimizer.minimize(() => batchLoss(batch).loss as tf.Scalar, true, vars);
            } catch (error) {
              // an error inside the tape must not leave the engine with activeTape set (every later op failed)
              resetGradientTape();
              if (RLError.isInstance(error)) throw error;
              throw new RLError("INTERNAL", `RewardModel.fit: the training step failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
            }
            if (cost === null) throw new RLError("INTERNAL", "RewardModel.fit: optimizer returned no cost");
            const v = cost.dataSync()[0] as number;
            cost.dispose();
            if (!Number.isFinite(v)) throw new RLError("NON_FINITE", `RewardModel.fit: training loss became ${v} at epoch ${epoch}; lower learningRate`);
            total += v * batch.length;
          }
          const report: FitProgress = { epoch, epochs: opts.epochs, trainLoss: total / train.length, valLoss: null, valAccuracy: null };
          if (val.length > 0) {
            const ev = evaluate(val, opts.batchSize);
            report.valLoss = ev.loss;
            report.valAccuracy = ev.accuracy;
          }
          history.push(report);
          opts.onProgress?.(report);
          // Let timers and I/O run between epochs (progress UIs, cancellation).
          await new Promise<void>((resolve) => setImmediate(resolve));
          const monitored = report.valLoss ?? report.trainLoss;
          if (monitored < best) {
            best = monitored;
            bestEpoch = epoch;
            sinceBest = 0;
            if (opts.patience !== null && opts.restoreBestWeights) bestWeights = vars.map((v) => Float32Array.from(v.dataSync()));
          } else if (opts.patience !== null && ++sinceBest >= opts.patience) {
            stoppedEarly = true;
            break;
          }
        }
        if (stoppedEarly && bestWeights !== null) {
          bestWeights.forEach((data, k) => {
            const v = vars[k] as tf.Variable;
            const t = tf.tensor(data, v.shape, "float32");
            v.assign(t);
            t.dispose();
          });
        }
      } finally {
        optimizer.dispose();
      }
      return { history, bestEpoch, stoppedEarly };
    },
    score(tokenIds, mask) {
      if (!Array.isArray(tokenIds)) throw new RLError("INVALID_INPUT", "RewardModel.score: tokenIds must be number[][]");
      if (tokenIds.length === 0) return [];
      let idsT: tf.Tensor | undefined;
      let maskT: tf.Tensor | undefined;
      try {
        if (mask === undefined) {
          ({ ids: idsT, mask: maskT } = padBatch(tokenIds));
        } else {
          const ids = toMatrix2D(tokenIds as number[][], "tokenIds", "RewardModel.score");
          const m = toMatrix2D(mask as number[][], "mask", "RewardModel.score");
          assertSameShape({ tokenIds: ids, mask: m }, "RewardModel.score");
          assertMask(m, "mask", "RewardModel.score");
          idsT = tf.tensor2d(tokenIds as number[][], undefined, "int32");
          maskT = tf.tensor2d(mask as number[][], undefined, "float32");
        }
        const r = rewards(idsT, maskT);
        const out = Array.from(r.dataSync());
        r.dispose();
        return out;
      } finally {
        idsT?.dispose(); // both freed on every path (a bad mask leaked the ids tensor)
        maskT?.dispose();
      }
    },
    scoreSteps(tokenIds, stepEnds) {
      if (!isProcess) throw new RLError("INVALID_INPUT", `RewardModel.scoreSteps: needs the "process" objective, this model is "${cfg.objective}"`);
      if (stepEnds.length !== tokenIds.length) throw new RLError("SHAPE_MISMATCH", `RewardModel.scoreSteps: stepEnds has ${stepEnds.length} rows, tokenIds has ${tokenIds.length}`);
      if (tokenIds.length === 0) return [];
      const { ids: idsT, mask, T } = padBatch(tokenIds);
      let p: Float32Array | Int32Array | Uint8Array;
      try {
        const probs = tf.tidy(() => tf.softmax(stepLogits(idsT, mask)));
        p = probs.dataSync();
        probs.dispose();
      } finally {
        idsT.dispose(); // freed on the error path too (it leaked two tensors)
        mask.dispose();
      }
      return stepEnds.map((ends, b) =>
        ends.map((e, k) => {
          if (!Number.isInteger(e) || e < 0 || e >= (tokenIds[b] as readonly number[]).length) {
            throw new RLError("INVALID_INPUT", `RewardModel.scoreSteps: stepEnds[${b}][${k}] is ${e}, outside the row`);
          }
          return p[(b * T + e) * 2 + 1] as number;
        }),
      );
    },
    async save(path, options) {
      await saveVariables(path, allVariables(), { objective: cfg.objective, hiddenSize: H }, options);
    },
    async load(path) {
      await loadVariables(path, allVariables(), (meta) => {
        if (meta.objective !== cfg.objective) {
          throw new RLError("INVALID_INPUT", `RewardModel.load: ${path} holds a "${String(meta.objective)}" model, this one is "${cfg.objective}"`);
        }
      });
    },
    dispose() {
      encoder.dispose();
      headVars.forEach((v) => v.dispose());
    },
  };
  return model;
}

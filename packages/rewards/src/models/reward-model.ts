import { RLError, assertMask, describeValue, assertSameShape, parseConfig, parseInput, tf, toMatrix2D } from "@rl/core";
import { z } from "zod";
import { bradleyTerryConfig } from "./bradley-terry-loss.js";
import type { AtomicWriteOptions } from "./checkpoint.js";
import type { Encoder } from "./encoder.js";
import { type FitOptions, type FitResult, fitLoop, fitOptionsSchema } from "./fit.js";
import { type RewardForward, type RewardObjective, type TrainingExample, padTokenRows, rewardObjectives } from "./objectives.js";
import { prmStepLossConfig } from "./prm-loss.js";
import { headSequenceScores, headTokenLogits, initRewardHead } from "./reward-head.js";
import { loadRewardModelFile, saveRewardModelFile } from "./reward-model-io.js";

export { fitOptionsSchema, type FitOptions, type FitProgress, type FitResult } from "./fit.js";
export {
  preferenceExampleSchema,
  scalarExampleSchema,
  stepExampleSchema,
  type PreferenceExample,
  type RewardObjective,
  type ScalarExample,
  type StepExample,
  type TrainingExample,
} from "./objectives.js";

/**
 * Config of {@link createRewardModel}. The nested loss configs are the losses' own schemas, strict:
 * a misspelt key at any depth (`bradleyTerry: { margn: 1 }`) throws `RLError("INVALID_CONFIG")`.
 */
export const rewardModelConfig = z.object({
  /** `bradleyTerry` (pairs), `regression` (scalar targets), `outcome` (ORM, 0/1 labels), `process` (PRM step labels). */
  objective: z.enum(["bradleyTerry", "regression", "outcome", "process"]).default("bradleyTerry"),
  /** Seed of the head's initialisation. */
  seed: z.number().int().default(0),
  /** Passed to {@link bradleyTerryLoss} (centring, temperature, label smoothing, reduction, ties). */
  bradleyTerry: z.optional(bradleyTerryConfig.strict()),
  /** Passed to {@link prmStepLoss} (hard / soft labels, last-step-only, class order). */
  process: z.optional(prmStepLossConfig.strict()),
});
export type RewardModelConfig = z.input<typeof rewardModelConfig>;

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

/** The largest encoder width {@link createRewardModel} accepts (the head is `[H, classes]`). */
const MAX_HIDDEN_SIZE = 2 ** 20;

/**
 * A reward model over any {@link Encoder} (docs/rewards/models.md): a bias-free linear head `H→1`
 * read at the last non-padding token (`w ~ N(0, 1/(H+1))`, OpenRLHF), or a token-classification
 * head `H→2` for PRMs. `fit` trains encoder and head with Adam (core's `adamWTransform`, weight
 * decay 0, ε 1e-7) on the objective's loss, with a seeded validation split, early stopping,
 * progress callbacks and no tensor leak; `save`/`load` are atomic.
 *
 * Built from parts: a pure head (`headSequenceScores` / `headTokenLogits` of the head's
 * parameters and the encoder's hidden states, through core's `linear`), one objective per loss
 * (`rewardObjectives`: schema, checks, batch loss), a generic `fitLoop`, and the file I/O of
 * `reward-model-io.ts`. The config's nested loss configs are the losses' strict schemas: a
 * misspelt key throws `INVALID_CONFIG`.
 *
 * Objectives: `bradleyTerry` ({@link bradleyTerryLoss}, examples `{ chosenIds, rejectedIds, margin? }`),
 * `regression` ({@link regressionLoss}, `{ inputIds, target }`), `outcome` (ORM,
 * {@link outcomeClassificationLoss}, `{ inputIds, target ∈ [0,1] }`), `process` (PRM,
 * {@link prmStepLoss}, `{ inputIds, labels }` from `buildPrmExample`).
 *
 * Edge cases: mixed margins (some pairs with, some without) → `INVALID_INPUT`; empty data →
 * `INVALID_INPUT`; `patience` without a validation split → `INVALID_CONFIG`; a non-finite batch
 * loss → `NON_FINITE` before that batch's update.
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
  if (typeof encoder !== "object" || encoder === null || typeof encoder.encode !== "function") {
    throw new RLError("INVALID_INPUT", `${fn}: encoder must be an Encoder (hiddenSize, variables, encode(), dispose()), got ${describeValue(encoder)}`);
  }
  if (!Number.isInteger(encoder.hiddenSize) || encoder.hiddenSize < 1 || encoder.hiddenSize > MAX_HIDDEN_SIZE) {
    throw new RLError("INVALID_INPUT", `${fn}: encoder.hiddenSize must be a positive integer ≤ ${MAX_HIDDEN_SIZE}, got ${describeValue(encoder.hiddenSize)}`);
  }
  if (!Array.isArray(encoder.variables)) throw new RLError("INVALID_INPUT", `${fn}: encoder.variables must be an array of tf.Variable, got ${describeValue(encoder.variables)}`);
  const objective = rewardObjectives[cfg.objective];
  const settings = { bradleyTerry: cfg.bradleyTerry, process: cfg.process };
  const H = encoder.hiddenSize;
  const isProcess = cfg.objective === "process";
  const head = initRewardHead(H, objective.headClasses, cfg.seed);
  const headVars = head.b === null ? [head.w] : [head.w, head.b];
  const allVariables = (): tf.Variable[] => [...encoder.variables, ...headVars];

  const rewards = (idsT: tf.Tensor, maskT: tf.Tensor): tf.Tensor => {
    const hidden = encoder.encode(idsT, maskT);
    try {
      return headSequenceScores(head, hidden, maskT);
    } finally {
      hidden.dispose();
    }
  };
  const forward: RewardForward = {
    sequenceScores: rewards,
    tokenLogits: (idsT, maskT) => tf.tidy(() => headTokenLogits(head, encoder.encode(idsT, maskT))),
  };

  const validate = (data: readonly TrainingExample[]): TrainingExample[] => {
    if (data.length === 0) throw new RLError("INVALID_INPUT", "RewardModel.fit: data is empty");
    const parsed = parseInput(z.array(objective.schema), data, "RewardModel.fit", "data");
    objective.check(parsed, "RewardModel.fit");
    return parsed;
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
      const task = { fn: "RewardModel.fit", variables: allVariables(), batchLoss: (batch: readonly TrainingExample[]) => objective.batchLoss(forward, batch, settings) };
      return fitLoop(task, examples, opts);
    },
    score(tokenIds, mask) {
      if (!Array.isArray(tokenIds)) throw new RLError("INVALID_INPUT", "RewardModel.score: tokenIds must be number[][]");
      if (tokenIds.length === 0) return [];
      let idsT: tf.Tensor | undefined;
      let maskT: tf.Tensor | undefined;
      try {
        if (mask === undefined) {
          ({ ids: idsT, mask: maskT } = padTokenRows(tokenIds));
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
      const { ids: idsT, mask, T } = padTokenRows(tokenIds);
      let p: Float32Array | Int32Array | Uint8Array;
      try {
        const probs = tf.tidy(() => tf.softmax(forward.tokenLogits(idsT, mask)));
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
      await saveRewardModelFile(path, allVariables(), { objective: cfg.objective, hiddenSize: H }, options);
    },
    async load(path) {
      await loadRewardModelFile(path, allVariables(), cfg.objective);
    },
    dispose() {
      encoder.dispose();
      headVars.forEach((v) => v.dispose());
    },
  };
  return model;
}

// The four training objectives of `createRewardModel`, one entry each: the example schema, the
// cross-example checks, and the batch loss, which calls the package's own loss function
// (bradleyTerryLoss, regressionLoss, outcomeClassificationLoss, prmStepLoss). Internal.
import { RLError, tf } from "@rl/core";
import { z } from "zod";
import { type BradleyTerryConfig, bradleyTerryLoss } from "./bradley-terry-loss.js";
import { outcomeClassificationLoss } from "./outcome-loss.js";
import { IGNORE_LABEL } from "./prm-layout.js";
import { type PrmStepLossConfig, prmStepLoss } from "./prm-loss.js";
import { regressionLoss } from "./regression-loss.js";

/** Training objectives of a reward model. */
export type RewardObjective = "bradleyTerry" | "regression" | "outcome" | "process";

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

/** The model's forward passes an objective's loss reads (both differentiable in the model's variables). */
export interface RewardForward {
  /** One score per row `[B]` (see `headSequenceScores`). */
  sequenceScores(ids: tf.Tensor, mask: tf.Tensor): tf.Tensor;
  /** Head logits at every token `[B,T,C]`. */
  tokenLogits(ids: tf.Tensor, mask: tf.Tensor): tf.Tensor;
}

/** Loss settings of the objectives (the model's nested configs). */
export interface ObjectiveSettings {
  bradleyTerry?: BradleyTerryConfig | undefined;
  process?: PrmStepLossConfig | undefined;
}

/** A batch loss with its accuracy (`null` when the objective has none). */
export interface BatchLoss {
  loss: tf.Tensor;
  accuracy: number | null;
}

/** One training objective: its examples' schema, its head's classes, its checks and its batch loss. */
export interface ObjectiveSpec<E extends TrainingExample> {
  readonly schema: z.ZodType<E>;
  /** Head outputs: 1 (scalar) or 2 (token classification). */
  readonly headClasses: 1 | 2;
  /** Checks across the parsed examples (throws `RLError`). */
  check(examples: readonly E[], fn: string): void;
  /** The loss of one batch; call inside a tidy / gradient scope. */
  batchLoss(forward: RewardForward, batch: readonly E[], settings: ObjectiveSettings): BatchLoss;
}

/**
 * Pads token-id rows on the right into int32 ids `[B,T]` and a float32 mask `[B,T]` (1 = token).
 * Throws `INVALID_INPUT` naming the entry for anything that is not a non-negative int32 token id.
 */
export function padTokenRows(seqs: readonly (readonly number[])[], fn = "RewardModel"): { ids: tf.Tensor; mask: tf.Tensor; T: number } {
  seqs.forEach((s, b) => {
    if (!Array.isArray(s)) throw new RLError("INVALID_INPUT", `${fn}: tokenIds[${b}] must be an array of token ids`);
    s.forEach((t, j) => {
      if (typeof t !== "number" || !Number.isInteger(t) || t < 0 || t > 2 ** 31 - 1) {
        throw new RLError("INVALID_INPUT", `${fn}: tokenIds[${b}][${j}] is ${String(t)}; expected a non-negative integer token id`);
      }
    });
  });
  const T = seqs.reduce((m, s) => Math.max(m, s.length), 0);
  const idData = new Int32Array(seqs.length * T);
  const maskData = new Float32Array(seqs.length * T);
  seqs.forEach((s, b) => s.forEach((t, j) => ((idData[b * T + j] = t), (maskData[b * T + j] = 1))));
  return { ids: tf.tensor2d(idData, [seqs.length, T], "int32"), mask: tf.tensor2d(maskData, [seqs.length, T]), T };
}

/** Scores of scalar examples' sequences and their targets. */
function scalarScores(forward: RewardForward, batch: readonly ScalarExample[]): { scores: tf.Tensor; targets: number[] } {
  const { ids, mask } = padTokenRows(batch.map((s) => s.inputIds));
  return { scores: forward.sequenceScores(ids, mask), targets: batch.map((s) => s.target) };
}

/** Bradley–Terry on pairs (`bradleyTerryLoss`): chosen and rejected rows scored in one pass. */
const bradleyTerry: ObjectiveSpec<PreferenceExample> = {
  schema: preferenceExampleSchema,
  headClasses: 1,
  check(examples, fn) {
    const withMargin = examples.filter((e) => e.margin !== undefined).length;
    if (withMargin !== 0 && withMargin !== examples.length) {
      throw new RLError("INVALID_INPUT", `${fn}: ${withMargin} of ${examples.length} pairs have a margin; give every pair a margin or none`);
    }
  },
  batchLoss(forward, pairs, settings) {
    const { ids, mask } = padTokenRows([...pairs.map((p) => p.chosenIds), ...pairs.map((p) => p.rejectedIds)]);
    const [rc, rr] = tf.split(forward.sequenceScores(ids, mask), 2) as [tf.Tensor, tf.Tensor];
    const margins = pairs[0]?.margin === undefined ? undefined : pairs.map((p) => p.margin as number);
    const out = bradleyTerryLoss({ chosenRewards: rc, rejectedRewards: rr, ...(margins ? { margins } : {}) }, settings.bradleyTerry ?? {});
    return { loss: out.loss, accuracy: out.metrics.accuracy };
  },
};

/** Regression on scalar targets (`regressionLoss`, MSE). */
const regression: ObjectiveSpec<ScalarExample> = {
  schema: scalarExampleSchema,
  headClasses: 1,
  check() {},
  batchLoss(forward, batch) {
    const { scores, targets } = scalarScores(forward, batch);
    return { loss: regressionLoss({ predictions: scores, targets }).loss, accuracy: null };
  },
};

/** Outcome reward model on labels in `[0, 1]` (`outcomeClassificationLoss`, BCE with logits). */
const outcome: ObjectiveSpec<ScalarExample> = {
  schema: scalarExampleSchema,
  headClasses: 1,
  check(examples, fn) {
    examples.forEach((e, k) => {
      if (!(e.target >= 0 && e.target <= 1)) throw new RLError("INVALID_INPUT", `${fn}: data[${k}].target is ${e.target}; outcome labels are in [0, 1]`);
    });
  },
  batchLoss(forward, batch) {
    const { scores, targets } = scalarScores(forward, batch);
    const out = outcomeClassificationLoss({ logits: scores, labels: targets });
    return { loss: out.loss, accuracy: out.metrics.accuracy };
  },
};

/** Process reward model on per-token step labels (`prmStepLoss`, CE at the labelled step ends). */
const processObjective: ObjectiveSpec<StepExample> = {
  schema: stepExampleSchema,
  headClasses: 2,
  check() {},
  batchLoss(forward, steps, settings) {
    const { ids, mask, T } = padTokenRows(steps.map((s) => s.inputIds));
    const labels = steps.map((s) => [...s.labels, ...new Array<number>(T - s.labels.length).fill(IGNORE_LABEL)]);
    const out = prmStepLoss({ logits: forward.tokenLogits(ids, mask), labels }, settings.process ?? {});
    return { loss: out.loss, accuracy: out.metrics.accuracy };
  },
};

/** The objectives by name. */
export const rewardObjectives: { readonly [K in RewardObjective]: ObjectiveSpec<TrainingExample> } = {
  bradleyTerry: bradleyTerry as ObjectiveSpec<TrainingExample>,
  regression: regression as ObjectiveSpec<TrainingExample>,
  outcome: outcome as ObjectiveSpec<TrainingExample>,
  process: processObjective as ObjectiveSpec<TrainingExample>,
};

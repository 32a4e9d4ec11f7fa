// A generic supervised fit loop over tf.Variables: seeded split and shuffles (core's Rng),
// mini-batches, epochs, early stopping on the validation loss with best-weight restore, and one
// optimizer step per batch through core's transforms (`adamWTransform` + `applyUpdates`).
// Internal: `RewardModel.fit` is its public face.
import { RLError, adamWTransform, applyUpdates, createRng, resetGradientTape, tf } from "@rl/core";
import { z } from "zod";

/** One progress report of a fit (once per epoch). */
export interface FitProgress {
  epoch: number;
  epochs: number;
  trainLoss: number;
  valLoss: number | null;
  /** Pairwise accuracy (BT), label accuracy (ORM / PRM) or `null` (regression) on the validation split. */
  valAccuracy: number | null;
}

/** Options of a fit (`RewardModel.fit`). */
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

/** What a fit returns. */
export interface FitResult {
  history: FitProgress[];
  /** Epoch (1-based) of the lowest validation loss, or the last epoch without validation. */
  bestEpoch: number;
  stoppedEarly: boolean;
}

/** What the loop trains: the variables and the loss of a batch of examples. */
export interface FitTask<E> {
  /** Name used in errors (e.g. `"RewardModel.fit"`). */
  readonly fn: string;
  readonly variables: readonly tf.Variable[];
  /** Loss `[]` of a batch and its accuracy (`null` = none); called inside a gradient / tidy scope. */
  batchLoss(batch: readonly E[]): { loss: tf.Tensor; accuracy: number | null };
}

/**
 * ε of the loop's Adam: tfjs's float32 epsilon, the default of the `tf.train.adam` the loop used
 * before it moved to core's `scaleByAdam` (same update formula, so seeded runs keep their numbers).
 */
const ADAM_EPSILON = 1e-7;

/** Mean loss and accuracy over `data`, in batches, without gradients. */
function evaluate<E>(task: FitTask<E>, data: readonly E[], batchSize: number): { loss: number; accuracy: number | null } {
  let loss = 0;
  let acc = 0;
  let hasAcc = false;
  for (let s = 0; s < data.length; s += batchSize) {
    const batch = data.slice(s, s + batchSize);
    const out = tf.tidy(() => {
      const res = task.batchLoss(batch);
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
}

/**
 * One optimizer step on a batch: `g = ∇ loss` (`tf.variableGrads`), then core's Adam chain and
 * `applyUpdates`. Returns the loss value; every tensor made here is freed.
 */
function trainBatch<E, S>(task: FitTask<E>, batch: readonly E[], opt: ReturnType<typeof adamWTransform>, state: S, epoch: number): { loss: number; state: S } {
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
  try {
    result = tf.variableGrads(() => task.batchLoss(batch).loss as tf.Scalar, [...task.variables]);
  } catch (error) {
    // an error inside the tape must not leave the engine with activeTape set (every later op failed)
    resetGradientTape();
    if (RLError.isInstance(error)) throw error;
    throw new RLError("INTERNAL", `${task.fn}: the training step failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const { value, grads } = result;
  const grad = task.variables.map((v) => grads[v.name] ?? null);
  try {
    const loss = value.dataSync()[0] as number;
    if (!Number.isFinite(loss)) throw new RLError("NON_FINITE", `${task.fn}: training loss became ${loss} at epoch ${epoch}; lower learningRate`);
    const step = opt.update(grad, state as never, task.variables);
    try {
      applyUpdates(task.variables, step.updates);
    } finally {
      tf.dispose(step.updates.filter((u): u is tf.Tensor => u !== null));
    }
    return { loss, state: step.state as S };
  } finally {
    value.dispose();
    tf.dispose(Object.values(grads));
  }
}

/**
 * Trains `task.variables` on `examples`: a seeded validation split, then per epoch a seeded shuffle,
 * mini-batches of `batchSize` with one Adam step each (core's `adamWTransform`, weight decay 0,
 * ε 1e-7), the validation loss / accuracy, `onProgress`, and early stopping after `patience`
 * epochs without a lower validation loss (restoring the best weights). Yields to the event loop
 * between epochs. The tensor count after equals the count before (the Adam moments are freed).
 */
export async function fitLoop<E>(task: FitTask<E>, examples: readonly E[], opts: z.output<typeof fitOptionsSchema>): Promise<FitResult> {
  const { fn } = task;
  const split = createRng(opts.seed);
  const order = split.shuffle(examples.map((_, k) => k));
  const nVal = Math.floor(examples.length * opts.validationSplit);
  if (opts.patience !== null && nVal === 0) {
    throw new RLError("INVALID_CONFIG", `${fn}: patience (early stopping) needs validationSplit > 0 with at least one validation example`);
  }
  const val = order.slice(0, nVal).map((k) => examples[k] as E);
  const train = order.slice(nVal).map((k) => examples[k] as E);
  if (train.length === 0) throw new RLError("INVALID_INPUT", `${fn}: no training example left after the validation split`);
  const vars = task.variables;
  const opt = adamWTransform({ learningRate: opts.learningRate, weightDecay: 0, epsilon: ADAM_EPSILON });
  let state = opt.init(vars);
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
        const step = trainBatch(task, batch, opt, state, epoch);
        state = step.state;
        total += step.loss * batch.length;
      }
      const report: FitProgress = { epoch, epochs: opts.epochs, trainLoss: total / train.length, valLoss: null, valAccuracy: null };
      if (val.length > 0) {
        const ev = evaluate(task, val, opts.batchSize);
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
    opt.dispose(state);
  }
  return { history, bestEpoch, stoppedEarly };
}

import { RLError, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import { type TensorLike1D, type TensorLike2D, asTensor, readValues, shapeOf, assertShape, assertInputObject } from "./tensor-input.js";

/** Config of {@link regressionLoss}. */
export const regressionConfig = z.object({
  reduction: z.enum(["mean", "sum"]).default("mean"),
});
export type RegressionConfig = z.input<typeof regressionConfig>;

/** Inputs of {@link regressionLoss}: predictions and targets of the same shape (`[B]` or `[B,J]`). */
export interface RegressionInput {
  predictions: TensorLike1D | TensorLike2D;
  /** Targets; `NaN` marks a missing label (masked out, as ArmoRM stage 1 does per attribute). */
  targets: TensorLike1D | TensorLike2D;
}

/** `{ loss, metrics }` of {@link regressionLoss}. */
export interface RegressionLossResult {
  loss: tf.Tensor;
  metrics: { labelled: number };
}

/**
 * Masked mean-squared-error regression of ratings / attribute scores (SteerLM arXiv:2310.05344;
 * multi-objective: ArmoRM arXiv:2406.12845, one column per objective).
 *
 *   L = Σ_{b,j} M_bj (f_bj − y_bj)² / Σ M_bj,   M_bj = [y_bj is not NaN]
 *
 * Edge cases: every target NaN → `RLError("INVALID_INPUT")` (no labelled entry, not NaN);
 * shape mismatch → `SHAPE_MISMATCH`; infinite targets → `NON_FINITE`.
 *
 * @example
 * regressionLoss({ predictions: [[1, 2]], targets: [[0, NaN]] }).loss; // 1 (the NaN entry is ignored)
 */
export function regressionLoss(input: RegressionInput, config: RegressionConfig = {}): RegressionLossResult {
  const fn = "regressionLoss";
  const cfg = parseConfig(regressionConfig, config, fn);
  assertInputObject(input, fn, ["predictions", "targets"]);
  const shape = shapeOf(input.predictions);
  assertShape(shapeOf(input.targets), shape, fn, "targets", "predictions");
  if (shape.length < 1 || shape.length > 2) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: predictions must be [B] or [B,J], got [${shape.join(",")}]`);
  }
  const y = readValues(input.targets, fn, "targets");
  if (y.length !== shape.reduce((a, d) => a * d, 1)) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: targets is ragged (${y.length} numbers for shape [${shape.join(",")}]); every row needs the same length`);
  }
  const mask = new Float32Array(y.length);
  const yFilled = new Float32Array(y.length);
  let labelled = 0;
  y.forEach((v, k) => {
    if (Number.isNaN(v)) return;
    if (!Number.isFinite(v)) throw new RLError("NON_FINITE", `${fn}: targets[${k}] is ${v}`);
    mask[k] = 1;
    yFilled[k] = v;
    labelled += 1;
  });
  if (labelled === 0) throw new RLError("INVALID_INPUT", `${fn}: targets has no labelled (non-NaN) entry`);
  const loss = tf.tidy(() => {
    const p = asTensor(input.predictions, shape.length, fn, "predictions");
    const se = tf.mul(tf.square(tf.sub(p, tf.tensor(yFilled, shape))), tf.tensor(mask, shape));
    const total = tf.sum(se);
    return cfg.reduction === "sum" ? total : tf.div(total, labelled);
  });
  return { loss, metrics: { labelled } };
}

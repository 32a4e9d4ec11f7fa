import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { Matrix, assertMask, assertSameShape, type MatrixLike } from "../matrix/matrix.js";
import { assertTensor, assertTensorMask } from "../validate.js";
import type * as tf from "@tensorflow/tfjs-core";
import { isTensor, loadedTf } from "../tf-slot.js";

/** Loss aggregation modes (verl `agg_loss`). */
export const lossAggregationModes = [
  "token-mean",
  "seq-mean-token-sum",
  "seq-mean-token-mean",
  "seq-mean-token-sum-norm",
] as const;
/** A loss aggregation mode. */
export type LossAggregation = (typeof lossAggregationModes)[number];

/** Config of {@link aggregateLoss}. */
export const aggregateLossConfig = z.object({
  /** Aggregation mode. Default `"token-mean"` (verl's default). */
  mode: z.enum(lossAggregationModes).default("token-mean"),
  /**
   * Replaces the mode's denominator (the token count for token-mean, the row count for the
   * seq-mean modes, `T` for seq-mean-token-sum-norm): pass the global count under gradient
   * accumulation or data parallelism. Default: the local count.
   */
  normalizer: z.number().positive().optional(),
});
export type AggregateLossConfig = z.input<typeof aggregateLossConfig>;

/**
 * Reduces a per-token loss `L [B, T]` with a 0/1 mask `M` to a scalar (verl `agg_loss`):
 *
 * - `token-mean`: `Σ L·M / Σ M`
 * - `seq-mean-token-sum`: mean over rows with `Σ_t M > 0` of `Σ_t L·M`
 * - `seq-mean-token-mean`: mean over rows with `Σ_t M > 0` of `Σ_t L·M / (Σ_t M + 1e-8)`
 * - `seq-mean-token-sum-norm`: `Σ L·M / T` (Dr. GRPO's constant normaliser, arXiv:2503.20783; the
 *   padded length, not `B·T` — verl's quirk)
 *
 * An all-zero mask gives 0, never NaN (counts are clamped to at least 1; verl divides by 0).
 * Tensor form is differentiable and returns a scalar tensor; Matrix form returns a number.
 *
 * @example
 * aggregateLoss([[1, 2, 3], [4, 5, 0]], [[1, 1, 1], [1, 1, 0]], { mode: "seq-mean-token-mean" }); // 3.25
 * @remarks Mirrors verl `agg_loss` (verl/trainer/ppo/core_algos.py); the constant-normaliser mode is Dr. GRPO's (arXiv:2503.20783).
 */
export function aggregateLoss(values: MatrixLike, mask: MatrixLike, config?: AggregateLossConfig): number;
export function aggregateLoss(values: tf.Tensor, mask: tf.Tensor, config?: AggregateLossConfig): tf.Scalar;
export function aggregateLoss(
  values: MatrixLike | tf.Tensor,
  mask: MatrixLike | tf.Tensor,
  config: AggregateLossConfig = {},
): number | tf.Scalar {
  const { mode, normalizer } = parseConfig(aggregateLossConfig, config, "aggregateLoss");
  if (isTensor(values)) {
    const tf = loadedTf("aggregateLoss");
    assertTensor(values, "aggregateLoss", "values");
    assertTensor(mask, "aggregateLoss", "mask");
    const m = mask;
    assertSameShape({ values, mask: m }, "aggregateLoss");
    assertTensorMask(m, "aggregateLoss");
    if (values.rank !== 2) throw new RLError("SHAPE_MISMATCH", `aggregateLoss: values must be [B, T], got [${values.shape.join(",")}]`);
    return tf.tidy(() => {
      const lm = tf.mul(values, m);
      switch (mode) {
        case "token-mean":
          return tf.div(tf.sum(lm), normalizer ?? tf.maximum(tf.sum(m), 1)) as tf.Scalar;
        case "seq-mean-token-sum-norm":
          return tf.div(tf.sum(lm), normalizer ?? Math.max(values.shape[1] as number, 1)) as tf.Scalar;
        default: {
          const rowLen = tf.sum(m, 1);
          const rowSum = tf.sum(lm, 1);
          const perRow = mode === "seq-mean-token-sum" ? rowSum : tf.div(rowSum, tf.add(rowLen, 1e-8));
          const valid = tf.cast(tf.greater(rowLen, 0), "float32");
          const count = normalizer ?? tf.maximum(tf.sum(valid), 1);
          return tf.div(tf.sum(tf.mul(perRow, valid)), count) as tf.Scalar;
        }
      }
    });
  }
  const v = Matrix.from(values, { name: "values", fn: "aggregateLoss" });
  const mm = Matrix.from(mask as MatrixLike, { name: "mask", fn: "aggregateLoss" });
  assertSameShape({ values: v, mask: mm }, "aggregateLoss");
  assertMask(mm, "mask", "aggregateLoss");
  if (v.shape.length !== 2) throw new RLError("SHAPE_MISMATCH", `aggregateLoss: values must be [B, T], got [${v.shape.join(",")}]`);
  const B = v.rows;
  const T = v.cols;
  let total = 0;
  let count = 0;
  let rowsValid = 0;
  let rowAcc = 0;
  for (let i = 0; i < B; i++) {
    let s = 0;
    let n = 0;
    for (let t = 0; t < T; t++) {
      const w = mm.data[i * T + t] as number;
      s += (v.data[i * T + t] as number) * w;
      n += w;
    }
    total += s;
    count += n;
    if (n > 0) {
      rowsValid++;
      rowAcc += mode === "seq-mean-token-sum" ? s : s / (n + 1e-8);
    }
  }
  switch (mode) {
    case "token-mean":
      return total / (normalizer ?? Math.max(count, 1));
    case "seq-mean-token-sum-norm":
      return total / (normalizer ?? Math.max(T, 1));
    default:
      return rowAcc / (normalizer ?? Math.max(rowsValid, 1));
  }
}

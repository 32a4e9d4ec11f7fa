import { clampTensor, RLError, aggregateLoss, lossAggregationModes, parseConfig, stopGradient, tf, assertTensor, assertTensorMask } from "@rl/core";
import { z } from "zod";
import { countNonFinite, maskedMeanOf } from "./policy-inputs.js";

/** Inputs of {@link valueLoss} (all `[B, T]`). */
export interface ValueLossInputs {
  /** Current value predictions (differentiated). */
  values: tf.Tensor;
  /** Value predictions at rollout time (constant). */
  oldValues: tf.Tensor;
  /** Regression targets (constant). */
  returns: tf.Tensor;
  /** 0/1 mask. */
  mask: tf.Tensor;
}

/** Config of {@link valueLoss} (verl critic defaults). */
export const valueLossConfig = z.object({
  /** Value clip `ε_v`: `v' = old + clamp(v − old, ±ε_v)`; `null` = no clipping (½·MSE). Default 0.5 (verl). */
  clip: z.number().positive().nullable().default(0.5),
  /** Aggregation. Default `"token-mean"`. */
  aggregation: z.enum(lossAggregationModes).default("token-mean"),
  /** Replaces the aggregation's denominator. */
  normalizer: z.number().positive().optional(),
});
export type ValueLossConfig = z.input<typeof valueLossConfig>;

/** What {@link valueLoss} returns. */
export interface ValueLossOutput {
  loss: tf.Scalar;
  /** `½·max((v − R)², (v' − R)²)·M`, `[B, T]`. */
  perToken: tf.Tensor2D;
  metrics: { clipFraction: number };
}

/**
 * Clipped value loss of the PPO critic (verl `compute_value_loss`, OpenRLHF `ValueLoss`):
 *
 *   v' = clip(v, v_old − ε_v, v_old + ε_v)
 *   loss = ½·aggregate(max((v − R)², (v' − R)²), M)
 *   clipFraction = masked mean of 1[(v' − R)² > (v − R)²]
 *
 * `clip: null` gives `½·aggregate((v − R)²)`. Returns and old values are constants. TRL PPO's
 * default clip is 0.2 and it masks one position beyond the response (a quirk we do not copy).
 *
 * @example
 * valueLoss({ values, oldValues, returns, mask }, { clip: 0.2 }); // worked example E8: loss 0.07, clipFraction 0.4
 * @remarks PPO arXiv:1707.06347
 */
export function valueLoss(inputs: ValueLossInputs, config: ValueLossConfig = {}): ValueLossOutput {
  const cfg = parseConfig(valueLossConfig, config, "valueLoss");
  if (typeof inputs !== "object" || inputs === null) throw new RLError("INVALID_INPUT", "valueLoss: inputs must be { values, oldValues, returns, mask }");
  for (const name of ["values", "oldValues", "returns", "mask"] as const) assertTensor(inputs[name], "valueLoss", name);
  const { values } = inputs;
  if (values.rank !== 2) throw new RLError("SHAPE_MISMATCH", `valueLoss: values must be [B, T], got [${values.shape.join(",")}]`);
  for (const name of ["oldValues", "returns", "mask"] as const) {
    const t = inputs[name];
    if (t.rank !== 2 || t.shape[0] !== values.shape[0] || t.shape[1] !== values.shape[1]) {
      throw new RLError("SHAPE_MISMATCH", `valueLoss: ${name} has shape [${t.shape.join(",")}], values [${values.shape.join(",")}]`);
    }
  }
  assertTensorMask(inputs.mask, "valueLoss");
  const out = tf.tidy(() => {
    const valid = tf.greater(inputs.mask, 0);
    const zeros = tf.zeros(values.shape);
    const clean = (t: tf.Tensor): tf.Tensor => tf.where(valid, t, zeros); // padding may hold NaN
    const old = stopGradient(clean(inputs.oldValues));
    const ret = stopGradient(clean(inputs.returns));
    const mask = stopGradient(tf.cast(valid, "float32"));
    const v = clean(values);
    const unclipped = tf.square(tf.sub(v, ret));
    let worst = unclipped;
    let frac: tf.Tensor = tf.scalar(0);
    if (cfg.clip !== null) {
      const vClipped = tf.add(old, clampTensor(tf.sub(v, old), -cfg.clip, cfg.clip));
      const clipped = tf.square(tf.sub(vClipped, ret));
      worst = tf.maximum(unclipped, clipped);
      frac = maskedMeanOf(tf.cast(tf.greater(clipped, unclipped), "float32"), mask);
    }
    const perToken = tf.mul(tf.mul(worst, 0.5), mask) as tf.Tensor2D;
    const loss = aggregateLoss(perToken, mask, { mode: cfg.aggregation, ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}) });
    return { loss, perToken, stats: stopGradient(tf.stack([tf.reshape(loss, []), tf.reshape(frac, []), countNonFinite([values, inputs.oldValues, inputs.returns], mask)])) };
  });
  const [lossValue, clipFraction, bad] = Array.from(out.stats.dataSync()) as [number, number, number];
  out.stats.dispose();
  if (bad > 0 || !Number.isFinite(lossValue)) {
    out.loss.dispose();
    out.perToken.dispose();
    throw new RLError("NON_FINITE", `valueLoss: the loss is ${lossValue}; check values, oldValues and returns for NaN / Inf`);
  }
  return { loss: out.loss, perToken: out.perToken, metrics: { clipFraction } };
}

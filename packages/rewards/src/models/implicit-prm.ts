import { Matrix, type MatrixLike, RLError, assertFiniteResult, assertMask, describeValue, parseConfig, stopGradient, tf, toMatrix2D } from "@rl/core";
import { z } from "zod";
import { type TensorLike1D, type TensorLike2D, asTensor, bceWithLogits, readValues, shapeOf, assertInputObject } from "./tensor-input.js";

/** Config of {@link implicitPrmCeLoss}. `beta = 0.05` as in PRIME's `run_ce.sh`. */
export const implicitPrmCeConfig = z.object({
  beta: z.number().positive().default(0.05),
  reduction: z.enum(["mean", "sum", "none"]).default("mean"),
});
export type ImplicitPrmCeConfig = z.input<typeof implicitPrmCeConfig>;

/** Inputs of {@link implicitPrmCeLoss}: per-token log-probs `[B,T]` under the trained and the reference model. */
export interface ImplicitPrmCeInput {
  policyLogProbs: TensorLike2D;
  /** Frozen reference log-probs (wrapped in `stopGradient`). */
  refLogProbs: TensorLike2D;
  /** 1 on response tokens, 0 on prompt and padding. */
  mask: TensorLike2D;
  /** Response-level outcome labels `[B]` in `[0,1]`. */
  labels: TensorLike1D;
}

/**
 * Implicit PRM cross-entropy objective (PRIME / "Free Process Rewards without Process Labels",
 * Yuan et al. arXiv:2412.01981): the outcome reward is parameterised as a summed log-likelihood
 * ratio and trained with response-level labels only.
 *
 *   r(y) = β · Σ_t M_t (log π_θ(y_t) − log π_ref(y_t))
 *   L    = mean_b −[ l_b·logσ(r_b) + (1 − l_b)·logσ(−r_b) ]
 *
 * Log-probs are summed, not averaged (PRIME asserts this). Default `β = 0.05`.
 * Edge cases: a row with no response token has `r = 0` (loss `log 2`); labels outside `[0,1]`
 * → `INVALID_INPUT`; shape mismatch → `SHAPE_MISMATCH`.
 *
 * @example
 * implicitPrmCeLoss({ policyLogProbs: [[0.8, 0.4, -1, -0.6, 0.2]], refLogProbs: [[0, 0, 0, 0, 0]], mask: [[1, 1, 1, 1, 1]], labels: [1] }, { beta: 0.1 }).loss; // 0.7031972
 */
export function implicitPrmCeLoss(input: ImplicitPrmCeInput, config: ImplicitPrmCeConfig = {}): { loss: tf.Tensor; metrics: { accuracy: number } } {
  const fn = "implicitPrmCeLoss";
  const cfg = parseConfig(implicitPrmCeConfig, config, fn);
  assertInputObject(input, fn, ["policyLogProbs", "refLogProbs", "mask", "labels"]);
  const shape = shapeOf(input.policyLogProbs);
  for (const [name, x] of [["refLogProbs", input.refLogProbs], ["mask", input.mask]] as const) {
    const s = shapeOf(x);
    if (s.length !== shape.length || s.some((d, k) => d !== shape[k])) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} has shape [${s.join(",")}], policyLogProbs has [${shape.join(",")}]`);
    }
  }
  const labels = readValues(input.labels, fn, "labels");
  if (labels.length !== shape[0]) throw new RLError("SHAPE_MISMATCH", `${fn}: labels has ${labels.length} entries, policyLogProbs has ${shape[0]} rows`);
  if (labels.length === 0) throw new RLError("INVALID_INPUT", `${fn}: empty batch`);
  labels.forEach((v, k) => {
    if (!(v >= 0 && v <= 1)) throw new RLError("INVALID_INPUT", `${fn}: labels[${k}] is ${v}; must be in [0, 1]`);
  });
  const reward = tf.tidy(() => {
    const lp = asTensor(input.policyLogProbs, 2, fn, "policyLogProbs");
    const ref = stopGradient(asTensor(input.refLogProbs, 2, fn, "refLogProbs"));
    const m = asTensor(input.mask, 2, fn, "mask");
    return tf.mul(cfg.beta, tf.sum(tf.mul(tf.sub(lp, ref), m), 1));
  });
  const r = reward.dataSync();
  for (let k = 0; k < r.length; k++) {
    if (!Number.isFinite(r[k] as number)) {
      reward.dispose();
      throw new RLError("NON_FINITE", `${fn}: reward[${k}] = β·Σ M·(policyLogProbs − refLogProbs) is ${r[k] as number} (beta ${cfg.beta} overflows float32, or the inputs are not finite)`);
    }
  }
  let correct = 0;
  labels.forEach((l, k) => (correct += (r[k] as number) > 0 === l > 0.5 ? 1 : 0));
  const loss = tf.tidy(() => {
    const perRow = bceWithLogits(reward, tf.tensor1d(labels));
    return cfg.reduction === "none" ? perRow : cfg.reduction === "sum" ? tf.sum(perRow) : tf.mean(perRow);
  });
  reward.dispose();
  return { loss, metrics: { accuracy: correct / labels.length } };
}

/** Config of {@link implicitStepRewards}. */
export const implicitStepRewardsConfig = z.object({
  beta: z.number().positive().default(0.05),
  /** `"single"`: score = min_k r_k (step rewards); `"accumulative"`: min_k q_{e_k}. */
  mode: z.enum(["single", "accumulative"]).default("single"),
  /** Aggregation of the per-step values into one score (PRIME's default is `min`). */
  aggregation: z.enum(["min", "sum", "mean", "last"]).default("min"),
});
export type ImplicitStepRewardsConfig = z.input<typeof implicitStepRewardsConfig>;

/**
 * Step rewards of an implicit PRM from token log-ratios `ℓ_t = log π_θ − log π_ref` (arXiv:2412.01981):
 *
 *   q_t = β Σ_{i≤t} M_i ℓ_i,   r_k = q_{e_k} − q_{e_{k−1}}  (q_{e_0} = 0)
 *   score = min_k r_k  ("single")  or  min_k q_{e_k}  ("accumulative")
 *
 * `stepEnds[b]` lists the token index of the last token of each step of row `b` (strictly
 * increasing). Edge cases: a row without steps gets score `null` (never +∞); an index out of range
 * or not increasing → `INVALID_INPUT`. Masked tokens contribute 0 to `q`.
 *
 * @example
 * implicitStepRewards([[0.8, 0.4, -1, -0.6, 0.2]], [[1, 4]], { beta: 0.1 });
 * // { stepRewards: [[0.12, -0.14]], stepValues: [[0.12, -0.02]], scores: [-0.14], cumulative: Matrix [[0.08, 0.12, 0.02, -0.04, -0.02]] }
 */
export function implicitStepRewards(
  logRatios: MatrixLike,
  stepEnds: readonly (readonly number[])[],
  config: ImplicitStepRewardsConfig = {},
  mask?: MatrixLike,
): { cumulative: Matrix; stepRewards: number[][]; stepValues: number[][]; scores: (number | null)[] } {
  const fn = "implicitStepRewards";
  const cfg = parseConfig(implicitStepRewardsConfig, config, fn);
  const l = toMatrix2D(logRatios, "logRatios", fn);
  const m = mask === undefined ? Matrix.full(l.shape, 1) : toMatrix2D(mask, "mask", fn);
  if (mask !== undefined) assertMask(m, "mask", fn);
  if (m.rows !== l.rows || m.cols !== l.cols) throw new RLError("SHAPE_MISMATCH", `${fn}: mask has shape [${m.shape.join(",")}], logRatios has [${l.shape.join(",")}]`);
  if (!Array.isArray(stepEnds)) throw new RLError("INVALID_INPUT", `${fn}: stepEnds must be an array of index arrays, got ${describeValue(stepEnds)}`);
  stepEnds.forEach((row, b) => {
    if (!Array.isArray(row)) throw new RLError("INVALID_INPUT", `${fn}: stepEnds[${b}] must be an array of step-end indices, got ${describeValue(row)}`);
  });
  if (stepEnds.length !== l.rows) throw new RLError("SHAPE_MISMATCH", `${fn}: stepEnds has ${stepEnds.length} rows, logRatios has ${l.rows}`);
  const cumulative = Matrix.zeros(l.shape);
  const stepRewards: number[][] = [];
  const stepValues: number[][] = [];
  const scores: (number | null)[] = [];
  for (let b = 0; b < l.rows; b++) {
    let q = 0;
    for (let t = 0; t < l.cols; t++) {
      q += cfg.beta * l.get(b, t) * m.get(b, t);
      cumulative.set(b, t, q);
    }
    const ends = stepEnds[b] as readonly number[];
    const values: number[] = [];
    const rewards: number[] = [];
    let prev = 0;
    let prevEnd = -1;
    ends.forEach((e, k) => {
      if (!Number.isInteger(e) || e < 0 || e >= l.cols || e <= prevEnd) {
        throw new RLError("INVALID_INPUT", `${fn}: stepEnds[${b}][${k}] is ${describeValue(e)}; step ends must be increasing indices in [0, ${l.cols - 1}]`);
      }
      prevEnd = e;
      const v = cumulative.get(b, e);
      values.push(v);
      rewards.push(v - prev);
      prev = v;
    });
    stepValues.push(values);
    stepRewards.push(rewards);
    scores.push(aggregate(cfg.mode === "single" ? rewards : values, cfg.aggregation));
  }
  assertFiniteResult(cumulative.data, fn, "cumulative", "beta · logRatios overflows");
  for (const row of [...stepRewards, ...stepValues]) assertFiniteResult(row, fn, "stepRewards", "beta · logRatios overflows");
  assertFiniteResult(scores.filter((x): x is number => x !== null), fn, "scores", "beta · logRatios overflows");
  return { cumulative, stepRewards, stepValues, scores };
}

function aggregate(xs: readonly number[], how: "min" | "sum" | "mean" | "last"): number | null {
  if (xs.length === 0) return null;
  if (how === "min") return Math.min(...xs);
  if (how === "last") return xs[xs.length - 1] as number;
  const s = xs.reduce((a, b) => a + b, 0);
  return how === "sum" ? s : s / xs.length;
}

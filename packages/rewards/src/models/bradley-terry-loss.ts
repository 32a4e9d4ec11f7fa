import { RLError, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import {
  type Reduction,
  type TensorLike1D,
  asTensor,
  assertFinite,
  assertNonEmpty,
  assertShape,
  readValues,
  reduceLoss,
  shapeOf,
  assertInputObject,
} from "./tensor-input.js";

/**
 * Config of {@link bradleyTerryLoss}. Defaults follow TRL / OpenRLHF: `tau = 1`, no centring,
 * no label smoothing, mean reduction, ties count as wrong.
 */
export const bradleyTerryConfig = z.object({
  /** `c` of the centring term `c·mean((r_c + r_r)²)` (Eisenstein et al.; TRL `center_rewards_coefficient`). `null`/0 = off. */
  centerCoefficient: z.number().nonnegative().nullable().default(null),
  /** Temperature `τ`: the logit is `(r_c − r_r − m)/τ`. */
  tau: z.number().positive().default(1),
  /** Label smoothing `α ∈ [0, 0.5]` (Secrets of RLHF II; cDPO form). */
  labelSmoothing: z.number().min(0).max(0.5).default(0),
  reduction: z.enum(["mean", "sum", "none"]).default("mean"),
  /** How the accuracy metric counts ties `r_c = r_r` (docs/rewards/models.md). */
  tiePolicy: z.enum(["wrong", "drop", "split"]).default("wrong"),
});
export type BradleyTerryConfig = z.input<typeof bradleyTerryConfig>;

/** Inputs of {@link bradleyTerryLoss}: rewards `[B]` of the chosen and rejected responses. */
export interface BradleyTerryInput {
  chosenRewards: TensorLike1D;
  rejectedRewards: TensorLike1D;
  /** Per-pair margins `m_b` `[B]`, subtracted inside the sigmoid (Llama 2 / TRL). */
  margins?: TensorLike1D;
  /** Per-pair weights `[B]` that multiply the log-likelihood (HelpSteer2 Scaled BT magnitudes). */
  weights?: TensorLike1D;
}

/** Plain-number metrics of a pairwise loss. */
export interface PairwiseMetrics {
  /** `mean(r_c > r_r)` under the tie policy. */
  accuracy: number;
  /** `mean(r_c − r_r)`. */
  meanMargin: number;
  chosenMean: number;
  rejectedMean: number;
  minReward: number;
  maxReward: number;
}

/** `{ loss, metrics }` of a pairwise reward-model loss (the caller owns `loss`). */
export interface PairwiseLossResult {
  loss: tf.Tensor;
  metrics: PairwiseMetrics;
}

/**
 * Bradley–Terry pairwise loss of a scalar reward model (Ouyang et al. arXiv:2203.02155; margin:
 * Llama 2 arXiv:2307.09288; centring: Eisenstein et al. arXiv:2312.09244; label smoothing:
 * Secrets of RLHF II arXiv:2401.06080).
 *
 *   z_b = (r_c − r_r − m_b) / τ
 *   ℓ_b = w_b · [ −(1−α)·logσ(z_b) − α·logσ(−z_b) ] + c·(r_c + r_r)²
 *   L   = mean_b ℓ_b   (or sum / none)
 *
 * `logσ` is the stable `−softplus(−x)`, so huge reward gaps stay finite. Equal rewards give
 * `log 2`. Defaults: `τ=1`, `c=null` (off), `α=0`, `m=0`, `w=1`.
 *
 * Edge cases: empty batch → `RLError("INVALID_INPUT")`; shape mismatch → `SHAPE_MISMATCH`;
 * non-finite rewards → `NON_FINITE`. Metrics are plain numbers read outside `tf.tidy`.
 *
 * @example
 * const { loss, metrics } = bradleyTerryLoss({ chosenRewards: [2, 0.5], rejectedRewards: [1, 1] });
 * loss.dataSync()[0]; // 0.6436694
 * metrics.accuracy;   // 0.5
 */
export function bradleyTerryLoss(input: BradleyTerryInput, config: BradleyTerryConfig = {}): PairwiseLossResult {
  const fn = "bradleyTerryLoss";
  const cfg = parseConfig(bradleyTerryConfig, config, fn);
  assertInputObject(input, fn, ["chosenRewards", "rejectedRewards"]);
  const shape = shapeOf(input.chosenRewards);
  if (shape.length !== 1) throw new RLError("SHAPE_MISMATCH", `${fn}: chosenRewards must be 1-D, got shape [${shape.join(",")}]`);
  assertShape(shapeOf(input.rejectedRewards), shape, fn, "rejectedRewards", "chosenRewards");
  if (input.margins !== undefined) assertShape(shapeOf(input.margins), shape, fn, "margins", "chosenRewards");
  if (input.weights !== undefined) assertShape(shapeOf(input.weights), shape, fn, "weights", "chosenRewards");
  assertNonEmpty(shape[0] as number, fn, "chosenRewards");
  const rc = readValues(input.chosenRewards, fn, "chosenRewards");
  const rr = readValues(input.rejectedRewards, fn, "rejectedRewards");
  assertFinite(rc, fn, "chosenRewards");
  assertFinite(rr, fn, "rejectedRewards");
  if (input.margins !== undefined) assertFinite(readValues(input.margins, fn, "margins"), fn, "margins");
  if (input.weights !== undefined) {
    const w = readValues(input.weights, fn, "weights");
    assertFinite(w, fn, "weights");
    w.forEach((v, k) => {
      if (v < 0) throw new RLError("INVALID_INPUT", `${fn}: weights[${k}] is ${v}; weights must be >= 0`);
    });
  }

  const metrics = pairwiseMetrics(rc, rr, cfg.tiePolicy); // before any tensor exists: a ragged input throws here, leak-free
  const loss = tf.tidy(() => {
    const c = asTensor(input.chosenRewards, 1, fn, "chosenRewards");
    const r = asTensor(input.rejectedRewards, 1, fn, "rejectedRewards");
    let diff = tf.sub(c, r);
    if (input.margins !== undefined) diff = tf.sub(diff, asTensor(input.margins, 1, fn, "margins"));
    const z = cfg.tau === 1 ? diff : tf.div(diff, cfg.tau);
    const alpha = cfg.labelSmoothing;
    let perPair = tf.softplus(tf.neg(z)); // −logσ(z)
    if (alpha > 0) perPair = tf.add(tf.mul(1 - alpha, perPair), tf.mul(alpha, tf.softplus(z)));
    if (input.weights !== undefined) perPair = tf.mul(perPair, asTensor(input.weights, 1, fn, "weights"));
    if (cfg.centerCoefficient !== null && cfg.centerCoefficient > 0) {
      perPair = tf.add(perPair, tf.mul(cfg.centerCoefficient, tf.square(tf.add(c, r))));
    }
    return reduceLoss(perPair, cfg.reduction as Reduction);
  });
  return { loss, metrics };
}

/**
 * Pairwise metrics from plain numbers: accuracy (`r_c > r_r`, strict; ties by `tiePolicy`:
 * `"wrong"` counts 0, `"drop"` removes them, `"split"` gives ½), mean margin and reward range.
 * With every pair tied and `"drop"`, accuracy is 0 (no decided pair).
 * @example
 * pairwiseMetrics([1, 2], [1, 0], "wrong").accuracy; // 0.5
 */
export function pairwiseMetrics(
  chosen: ArrayLike<number>,
  rejected: ArrayLike<number>,
  tiePolicy: "wrong" | "drop" | "split" = "wrong",
): PairwiseMetrics {
  for (const [name, xs] of [["chosen", chosen], ["rejected", rejected]] as const) {
    if (typeof xs !== "object" || xs === null || typeof xs.length !== "number") throw new RLError("INVALID_INPUT", `pairwiseMetrics: ${name} must be an array of numbers`);
    for (let k = 0; k < xs.length; k++) if (typeof xs[k] !== "number") throw new RLError("INVALID_INPUT", `pairwiseMetrics: ${name}[${k}] is not a number`);
  }
  if (chosen.length !== rejected.length) throw new RLError("SHAPE_MISMATCH", `pairwiseMetrics: chosen has ${chosen.length} entries, rejected ${rejected.length}`);
  if (tiePolicy !== "wrong" && tiePolicy !== "drop" && tiePolicy !== "split") throw new RLError("INVALID_INPUT", `pairwiseMetrics: tiePolicy must be "wrong", "drop" or "split"`);
  let correct = 0;
  let counted = 0;
  let margin = 0;
  let cs = 0;
  let rs = 0;
  let min = Infinity;
  let max = -Infinity;
  const n = chosen.length;
  for (let k = 0; k < n; k++) {
    const c = chosen[k] as number;
    const r = rejected[k] as number;
    margin += c - r;
    cs += c;
    rs += r;
    min = Math.min(min, c, r);
    max = Math.max(max, c, r);
    if (c > r) {
      correct += 1;
      counted += 1;
    } else if (c === r) {
      if (tiePolicy === "split") {
        correct += 0.5;
        counted += 1;
      } else if (tiePolicy === "wrong") counted += 1;
    } else counted += 1;
  }
  return {
    accuracy: counted > 0 ? correct / counted : 0,
    meanMargin: n > 0 ? margin / n : 0,
    chosenMean: n > 0 ? cs / n : 0,
    rejectedMean: n > 0 ? rs / n : 0,
    minReward: n > 0 ? min : 0,
    maxReward: n > 0 ? max : 0,
  };
}

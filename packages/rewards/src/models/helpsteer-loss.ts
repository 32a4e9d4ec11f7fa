import { RLError, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import { type PairwiseLossResult, bradleyTerryLoss } from "./bradley-terry-loss.js";
import { type TensorLike1D, asTensor, readValues, assertInputObject } from "./tensor-input.js";
import { regressionLoss } from "./regression-loss.js";

/** Config of {@link scaledBradleyTerryLoss}. */
export const scaledBradleyTerryConfig = z.object({
  /** Divide the magnitudes by their batch mean (our choice when mixing datasets; HelpSteer2 does not). */
  normalizeByMean: z.boolean().default(false),
  reduction: z.enum(["mean", "sum", "none"]).default("mean"),
});
export type ScaledBradleyTerryConfig = z.input<typeof scaledBradleyTerryConfig>;

/** Inputs of {@link scaledBradleyTerryLoss}: rewards `[B]` and preference magnitudes `m_b > 0` `[B]`. */
export interface ScaledBradleyTerryInput {
  chosenRewards: TensorLike1D;
  rejectedRewards: TensorLike1D;
  magnitudes: TensorLike1D;
}

function checkMagnitudes(magnitudes: TensorLike1D, fn: string): Float32Array {
  const m = readValues(magnitudes, fn, "magnitudes");
  m.forEach((v, k) => {
    if (!(v > 0) || !Number.isFinite(v)) {
      throw new RLError(
        "INVALID_INPUT",
        `${fn}: magnitudes[${k}] is ${v}; magnitudes must be > 0 (drop ties, canonicalise reversed pairs to chosen ≻ rejected)`,
      );
    }
  });
  return m;
}

/**
 * HelpSteer2-Preference Scaled Bradley–Terry (arXiv:2410.01257): the preference magnitude
 * `m_b ∈ {1,2,3}` multiplies the log-likelihood (as if the pair were repeated `m` times).
 *
 *   L = mean_b [ −m_b · logσ(r_c − r_r) ]
 *
 * Defaults: no normalisation (`normalizeByMean: false`). Edge cases: `m ≤ 0` → `INVALID_INPUT`
 * (route ties to a tie loss). Margin BT, the paper's baseline, is `bradleyTerryLoss` with `margins`.
 *
 * @example
 * scaledBradleyTerryLoss({ chosenRewards: [0.5], rejectedRewards: [0], magnitudes: [3] }).loss; // 1.4222310
 */
export function scaledBradleyTerryLoss(input: ScaledBradleyTerryInput, config: ScaledBradleyTerryConfig = {}): PairwiseLossResult {
  const fn = "scaledBradleyTerryLoss";
  const cfg = parseConfig(scaledBradleyTerryConfig, config, fn);
  assertInputObject(input, fn, ["chosenRewards", "rejectedRewards", "magnitudes"]);
  const m = checkMagnitudes(input.magnitudes, fn);
  let weights: TensorLike1D = m;
  if (cfg.normalizeByMean) {
    const mean = m.reduce((a, b) => a + b, 0) / m.length;
    weights = Float32Array.from(m, (v) => v / mean);
  }
  return bradleyTerryLoss(
    { chosenRewards: input.chosenRewards, rejectedRewards: input.rejectedRewards, weights },
    { reduction: cfg.reduction },
  );
}

/** Config of {@link btRegressionLoss}. */
export const btRegressionConfig = z.object({
  /** Weight `λ` of the regression term. */
  regressionWeight: z.number().nonnegative().default(1),
  /** Weight of the (scaled) BT term. */
  preferenceWeight: z.number().nonnegative().default(1),
});
export type BtRegressionConfig = z.input<typeof btRegressionConfig>;

/** Inputs of {@link btRegressionLoss}. `chosenRatings`/`rejectedRatings` may hold NaN = no rating. */
export interface BtRegressionInput extends ScaledBradleyTerryInput {
  chosenRatings: TensorLike1D;
  rejectedRatings: TensorLike1D;
}

/**
 * HelpSteer2-Preference's combination of Likert regression and Scaled BT as one joint objective
 * (the paper trains them in sequence — regression first, then Scaled BT initialised from it; do that
 * with two `fit` calls, or use this joint form):
 *
 *   L = preferenceWeight · ScaledBT(r_c, r_r, m) + regressionWeight · MSE([r_c; r_r], [y_c; y_r])
 *
 * NaN ratings are masked out of the regression term. Defaults: both weights 1.
 *
 * @example
 * btRegressionLoss({ chosenRewards: [1], rejectedRewards: [0], magnitudes: [1], chosenRatings: [1], rejectedRatings: [0] }).loss; // 0.3132617
 */
export function btRegressionLoss(input: BtRegressionInput, config: BtRegressionConfig = {}): PairwiseLossResult {
  const fn = "btRegressionLoss";
  const cfg = parseConfig(btRegressionConfig, config, fn);
  if (typeof input !== "object" || input === null) throw new RLError("INVALID_INPUT", `${fn}: input must be { chosenRewards, rejectedRewards, magnitudes, chosenRatings, rejectedRatings }`);
  checkMagnitudes(input.magnitudes, fn);
  const bt = scaledBradleyTerryLoss(input);
  try {
    const targets = [...readValues(input.chosenRatings, fn, "chosenRatings"), ...readValues(input.rejectedRatings, fn, "rejectedRatings")];
    const loss = tf.tidy(() => {
      const preds = tf.concat([
        asTensor(input.chosenRewards, 1, fn, "chosenRewards"),
        asTensor(input.rejectedRewards, 1, fn, "rejectedRewards"),
      ]);
      const r = regressionLoss({ predictions: preds, targets });
      return tf.add(tf.mul(cfg.preferenceWeight, bt.loss), tf.mul(cfg.regressionWeight, r.loss));
    });
    return { loss, metrics: bt.metrics };
  } finally {
    bt.loss.dispose(); // also when the ratings are bad (it leaked one tensor per failing call)
  }
}

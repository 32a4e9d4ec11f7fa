import { z } from "zod";
import { parseConfig, RLError, describeValue } from "@rl/core/arrays";

/** Config schema of {@link expectedCalibrationError} (zod; the defaults are the reference defaults). */
export const expectedCalibrationErrorConfig = z.object({
  /** Number of equal-width confidence bins. */
  bins: z.number().int().positive().default(10),
});
/** Input type of `expectedCalibrationErrorConfig` (every field optional where it has a default). */
export type ExpectedCalibrationErrorConfig = z.input<typeof expectedCalibrationErrorConfig>;

/**
 * Expected calibration error with equal-width bins (docs/rewards/evaluation.md):
 * `ECE = Σ_b (n_b/N)·|acc_b − conf_b|`, bin `b` = `[b/B, (b+1)/B)` (the last bin closed at 1).
 * Default 10 bins. Returns the per-bin statistics too (empty bins have `count: 0` and
 * `accuracy`/`confidence` `null`).
 *
 * Edge cases: no samples → error; confidences outside [0, 1] → error; a perfectly calibrated
 * bin contributes 0.
 *
 * @example
 * expectedCalibrationError([0.9, 0.9, 0.2], [true, false, false]).ece; // (2/3)·0.4 + (1/3)·0.2 = 0.3333333
 * @remarks Guo et al., On Calibration of Modern Neural Networks (arXiv:1706.04599)
 */
export function expectedCalibrationError(
  confidences: readonly number[],
  correct: readonly boolean[],
  config: ExpectedCalibrationErrorConfig = {},
): { ece: number; bins: { count: number; accuracy: number | null; confidence: number | null }[] } {
  const { bins } = parseConfig(expectedCalibrationErrorConfig, config, "expectedCalibrationError");
  if (!Array.isArray(confidences) || confidences.length === 0) throw new RLError("INVALID_INPUT", "expectedCalibrationError: confidences is empty");
  if (!Array.isArray(correct) || correct.length !== confidences.length) {
    throw new RLError("SHAPE_MISMATCH", `expectedCalibrationError: confidences has ${confidences.length} entries, correct has ${Array.isArray(correct) ? correct.length : "no"} entries`);
  }
  const count = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  confidences.forEach((c, i) => {
    if (typeof c !== "number" || !(c >= 0 && c <= 1)) throw new RLError("INVALID_INPUT", `expectedCalibrationError: confidences[${i}] is ${describeValue(c)}; expected [0, 1]`);
    const b = Math.min(Math.floor(c * bins), bins - 1);
    count[b] = (count[b] as number) + 1;
    conf[b] = (conf[b] as number) + c;
    if (correct[i] === true) hits[b] = (hits[b] as number) + 1;
  });
  const n = confidences.length;
  let ece = 0;
  const stats = count.map((k, b) => {
    if (k === 0) return { count: 0, accuracy: null, confidence: null };
    const acc = (hits[b] as number) / k;
    const cf = (conf[b] as number) / k;
    ece += (k / n) * Math.abs(acc - cf);
    return { count: k, accuracy: acc, confidence: cf };
  });
  return { ece, bins: stats };
}

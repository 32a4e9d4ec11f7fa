import { z } from "zod";
import { parseConfig, RLError, describeValue } from "@rl/core/arrays";

/** Config schema of {@link firstErrorF1} (zod; the defaults are the reference defaults). */
export const firstErrorF1Config = z.object({
  /** A step with score below the threshold is predicted erroneous. */
  threshold: z.number().default(0.5),
});
/** Input type of `firstErrorF1Config` (every field optional where it has a default). */
export type FirstErrorF1Config = z.input<typeof firstErrorF1Config>;

/**
 * ProcessBench-style first-error evaluation of a PRM (docs/rewards/evaluation.md; ⚠ the details
 * are not verified against ProcessBench's code): the predicted first error is the first step with
 * score `< threshold` (or
 * `-1`); `erroneousAccuracy` = exact-index accuracy on samples with an error, `correctAccuracy` =
 * accuracy on error-free samples (`firstErrorIdx = -1`); `f1` = their harmonic mean.
 *
 * Edge cases: a class with no samples has accuracy `null`, and then `f1` is `null`; both accuracies 0
 * → `f1 = 0`.
 *
 * @example
 * firstErrorF1([{ stepScores: [0.9, 0.2], firstErrorIdx: 1 }, { stepScores: [0.9, 0.8], firstErrorIdx: -1 }]).f1; // 1
 * @remarks Zheng et al., ProcessBench (arXiv:2412.06559)
 */
export function firstErrorF1(
  samples: readonly { stepScores: readonly number[]; firstErrorIdx: number }[],
  config: FirstErrorF1Config = {},
): { f1: number | null; erroneousAccuracy: number | null; correctAccuracy: number | null; predicted: number[] } {
  const { threshold } = parseConfig(firstErrorF1Config, config, "firstErrorF1");
  if (!Array.isArray(samples as unknown)) throw new RLError("INVALID_INPUT", "firstErrorF1: samples must be an array");
  let errHit = 0;
  let errN = 0;
  let okHit = 0;
  let okN = 0;
  const predicted = samples.map((s, i) => {
    if (typeof s !== "object" || s === null || !Array.isArray(s.stepScores)) throw new RLError("INVALID_INPUT", `firstErrorF1: samples[${i}] must be { stepScores: number[], firstErrorIdx }`);
    const label = s.firstErrorIdx;
    if (!Number.isInteger(label) || label < -1 || label >= s.stepScores.length) {
      throw new RLError("INVALID_INPUT", `firstErrorF1: samples[${i}].firstErrorIdx is ${describeValue(label)}; expected -1 or a step index below ${s.stepScores.length}`);
    }
    s.stepScores.forEach((p, k) => {
      if (typeof p !== "number" || !Number.isFinite(p)) throw new RLError("NON_FINITE", `firstErrorF1: samples[${i}].stepScores[${k}] is ${describeValue(p)}`);
    });
    const pred = s.stepScores.findIndex((p) => p < threshold);
    if (label === -1) {
      okN++;
      if (pred === -1) okHit++;
    } else {
      errN++;
      if (pred === label) errHit++;
    }
    return pred;
  });
  const erroneousAccuracy = errN > 0 ? errHit / errN : null;
  const correctAccuracy = okN > 0 ? okHit / okN : null;
  let f1: number | null = null;
  if (erroneousAccuracy !== null && correctAccuracy !== null) {
    const s = erroneousAccuracy + correctAccuracy;
    f1 = s > 0 ? (2 * erroneousAccuracy * correctAccuracy) / s : 0;
  }
  return { f1, erroneousAccuracy, correctAccuracy, predicted };
}

/**
 * PRM step accuracy as TRL's `compute_accuracy`: predicted classes vs labels over labelled
 * positions (label `-100` = ignored). `null` when nothing is labelled.
 *
 * @example
 * prmStepAccuracy([1, 0, 1, 1], [1, -100, 0, 1]); // 2/3
 * @remarks TRL PRMTrainer; Math-Shepherd (arXiv:2312.08935)
 */
export function prmStepAccuracy(predictions: readonly number[], labels: readonly number[]): number | null {
  if (!Array.isArray(predictions) || !Array.isArray(labels) || predictions.length !== labels.length) {
    throw new RLError("SHAPE_MISMATCH", `prmStepAccuracy: predictions has ${Array.isArray(predictions) ? predictions.length : "no"} entries, labels has ${Array.isArray(labels) ? labels.length : "no"}`);
  }
  let hit = 0;
  let n = 0;
  labels.forEach((l, i) => {
    if (l === -100) return;
    n++;
    if (predictions[i] === l) hit++;
  });
  return n > 0 ? hit / n : null;
}

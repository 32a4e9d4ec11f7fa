import { z } from "zod";
import { parseConfig, RLError, describeValue } from "@rl/core/arrays";

/** Config schema of {@link monteCarloStepLabels} (zod; the defaults are the reference defaults). */
export const monteCarloStepLabelsConfig = z.object({
  /** `hard`: 1 if the fraction of correct completions exceeds `threshold` (Math-Shepherd HE); `soft`: the fraction (SE). */
  kind: z.enum(["hard", "soft"]).default("hard"),
  /** Hard-label threshold on the fraction correct (0 = "any completion reaches the answer"). */
  threshold: z.number().min(0).lt(1).default(0),
});
/** Input type of `monteCarloStepLabelsConfig` (every field optional where it has a default). */
export type MonteCarloStepLabelsConfig = z.input<typeof monteCarloStepLabelsConfig>;

/**
 * Monte-Carlo step labels from completions (Math-Shepherd; spec rewards.md §9–10). For each step k,
 * `completions[k]` holds the outcomes (correct or not) of the N completions rolled out from the
 * solution prefix ending at step k. Soft label = fraction correct; hard label = 1 if that fraction
 * `> threshold` (default 0: any completion reaches the gold answer), else 0.
 *
 * Edge cases: a step with no completions gets `null` (no estimate, not 0). MC labels estimate a
 * value ("can this prefix still succeed?"), not step correctness — see "The Lessons of Developing
 * PRMs" and {@link consensusFilter}.
 *
 * @example
 * monteCarloStepLabels([[true, false, false, false], [false, false, false, false]]);               // [1, 0]
 * monteCarloStepLabels([[true, false, false, false], [false, false, false, false]], { kind: "soft" }); // [0.25, 0]
 * @remarks Wang et al., Math-Shepherd (arXiv:2312.08935)
 */
export function monteCarloStepLabels(
  completions: readonly (readonly boolean[])[],
  config: MonteCarloStepLabelsConfig = {},
): (number | null)[] {
  const { kind, threshold } = parseConfig(monteCarloStepLabelsConfig, config, "monteCarloStepLabels");
  if (!Array.isArray(completions)) throw new RLError("INVALID_INPUT", "monteCarloStepLabels: completions must be an array (one array of outcomes per step)");
  return completions.map((outcomes, k) => {
    if (!Array.isArray(outcomes)) throw new RLError("INVALID_INPUT", `monteCarloStepLabels: completions[${k}] must be an array of booleans`);
    if (outcomes.length === 0) return null;
    outcomes.forEach((o, j) => {
      if (typeof o !== "boolean") throw new RLError("INVALID_INPUT", `monteCarloStepLabels: completions[${k}][${j}] is ${describeValue(o)}; expected a boolean`);
    });
    const frac = outcomes.filter((o) => o).length / outcomes.length;
    return kind === "soft" ? frac : frac > threshold ? 1 : 0;
  });
}

/**
 * Index of the first erroneous step: the first label `< 0.5` (hard 0), or `-1` when every step is
 * fine. `null` labels (no estimate) are skipped.
 *
 * @example
 * firstErrorStep([1, 1, 0, 1]); // 2
 * firstErrorStep([1, 1]);       // -1
 * @remarks ProcessBench (arXiv:2412.06559)
 */
export function firstErrorStep(labels: readonly (number | null)[]): number {
  if (!Array.isArray(labels)) throw new RLError("INVALID_INPUT", `firstErrorStep: labels must be an array of numbers or null, got ${describeValue(labels)}`);
  return labels.findIndex((l) => l !== null && l < 0.5);
}

/**
 * Consensus filtering ("The Lessons of Developing PRMs"; spec rewards.md §10): keep a training
 * solution only when Monte-Carlo labelling and an LLM judge agree on the first erroneous step
 * (both `-1` = no error counts as agreement). Returns the keep mask and the retained fraction.
 *
 * @example
 * consensusFilter([{ mcFirstError: 2, judgeFirstError: 2 }, { mcFirstError: -1, judgeFirstError: 1 }]);
 * // { keep: [true, false], kept: 1, fraction: 0.5 }
 * @remarks Zhang et al., The Lessons of Developing Process Reward Models (arXiv:2501.07301)
 */
export function consensusFilter(
  items: readonly { mcFirstError: number; judgeFirstError: number }[],
): { keep: boolean[]; kept: number; fraction: number | null } {
  if (!Array.isArray(items)) throw new RLError("INVALID_INPUT", "consensusFilter: items must be an array");
  const keep = items.map((it, i) => {
    for (const key of ["mcFirstError", "judgeFirstError"] as const) {
      const v = it[key];
      if (!Number.isInteger(v) || v < -1) throw new RLError("INVALID_INPUT", `consensusFilter: items[${i}].${key} is ${describeValue(v)}; expected a step index or -1`);
    }
    return it.mcFirstError === it.judgeFirstError;
  });
  const kept = keep.filter((k) => k).length;
  return { keep, kept, fraction: items.length > 0 ? kept / items.length : null };
}

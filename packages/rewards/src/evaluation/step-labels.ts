import { z } from "zod";
import { parseConfig, RLError, describeValue } from "@rl/core/arrays";
import { mathShepherdLabels } from "@rl/credit";

/** Config schema of {@link completionStepLabels} (zod; the defaults are the reference defaults). */
export const completionStepLabelsConfig = z.object({
  /** `hard`: 1 if the fraction of correct completions exceeds `threshold` (Math-Shepherd HE); `soft`: the fraction (SE). */
  kind: z.enum(["hard", "soft"]).default("hard"),
  /** Hard-label threshold on the fraction correct (0 = "any completion reaches the answer"). */
  threshold: z.number().min(0).lt(1).default(0),
});
/** Input type of `completionStepLabelsConfig` (every field optional where it has a default). */
export type CompletionStepLabelsConfig = z.input<typeof completionStepLabelsConfig>;
/** @deprecated use `completionStepLabelsConfig` (the old name clashed with credit's `monteCarloStepLabels`) */
export const monteCarloStepLabelsConfig = completionStepLabelsConfig;
/** @deprecated use `CompletionStepLabelsConfig` */
export type MonteCarloStepLabelsConfig = CompletionStepLabelsConfig;

/**
 * Monte-Carlo step labels from completions (Math-Shepherd; docs/rewards/evaluation.md). For each step k,
 * `completions[k]` holds the outcomes (correct or not) of the N completions rolled out from the
 * solution prefix ending at step k. Soft label = fraction correct; hard label = 1 if that fraction
 * `> threshold` (default 0: any completion reaches the gold answer), else 0.
 *
 * One home: credit's `mathShepherdLabels` (soft and hard labels as Matrices); this is the
 * per-sample view with `null` for a step without completions. Credit's `monteCarloStepLabels`
 * rolls the completions out itself through an oracle.
 *
 * Edge cases: a step with no completions gets `null` (no estimate, not 0). MC labels estimate a
 * value ("can this prefix still succeed?"), not step correctness — see "The Lessons of Developing
 * PRMs" and {@link consensusFilter}.
 *
 * @example
 * completionStepLabels([[true, false, false, false], [false, false, false, false]]);               // [1, 0]
 * completionStepLabels([[true, false, false, false], [false, false, false, false]], { kind: "soft" }); // [0.25, 0]
 * @remarks Wang et al., Math-Shepherd (arXiv:2312.08935)
 */
export function completionStepLabels(
  completions: readonly (readonly boolean[])[],
  config: CompletionStepLabelsConfig = {},
): (number | null)[] {
  const fn = "completionStepLabels";
  const { kind, threshold } = parseConfig(completionStepLabelsConfig, config, fn);
  if (!Array.isArray(completions)) throw new RLError("INVALID_INPUT", `${fn}: completions must be an array (one array of outcomes per step)`);
  completions.forEach((outcomes, k) => {
    if (!Array.isArray(outcomes)) throw new RLError("INVALID_INPUT", `${fn}: completions[${k}] must be an array of booleans`);
    outcomes.forEach((o, j) => {
      if (typeof o !== "boolean") throw new RLError("INVALID_INPUT", `${fn}: completions[${k}][${j}] is ${describeValue(o)}; expected a boolean`);
    });
  });
  const steps = completions.flatMap((outcomes, k) => (outcomes.length > 0 ? [k] : []));
  const labels: (number | null)[] = completions.map(() => null);
  if (steps.length === 0) return labels;
  const { soft, hard } = mathShepherdLabels(steps.map((k) => completions[k] as readonly boolean[]), { threshold });
  steps.forEach((k, i) => (labels[k] = ((kind === "soft" ? soft : hard).data[i] as number)));
  return labels;
}

/** @deprecated use `completionStepLabels` (the old name clashed with credit's `monteCarloStepLabels`, which rolls the completions out itself) */
export const monteCarloStepLabels = completionStepLabels;

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
  labels.forEach((l, k) => {
    if (l !== null && (typeof l !== "number" || Number.isNaN(l))) {
      throw new RLError("INVALID_INPUT", `firstErrorStep: labels[${k}] is ${describeValue(l)}; expected a number or null`);
    }
  });
  return labels.findIndex((l) => l !== null && l < 0.5);
}

/**
 * Consensus filtering ("The Lessons of Developing PRMs"; docs/rewards/evaluation.md): keep a training
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
    if (typeof it !== "object" || it === null) throw new RLError("INVALID_INPUT", `consensusFilter: items[${i}] is ${describeValue(it)}; expected { mcFirstError, judgeFirstError }`);
    for (const key of ["mcFirstError", "judgeFirstError"] as const) {
      const v = it[key];
      if (!Number.isInteger(v) || v < -1) throw new RLError("INVALID_INPUT", `consensusFilter: items[${i}].${key} is ${describeValue(v)}; expected a step index or -1`);
    }
    return it.mcFirstError === it.judgeFirstError;
  });
  const kept = keep.filter((k) => k).length;
  return { keep, kept, fraction: items.length > 0 ? kept / items.length : null };
}

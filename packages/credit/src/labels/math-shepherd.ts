import { Matrix, RLError, parseConfig, describeValue } from "@rl/core/arrays";
import { z } from "zod";
import { requireArray } from "../args.js";

/** Config of {@link mathShepherdLabels}. */
export const mathShepherdLabelsConfig = z.object({
  /** Hard label `HE = 𝟙[SE > threshold]`. Default 0 (at least one completion reaches the answer). */
  threshold: z.number().min(0).max(1).default(0),
});
export type MathShepherdLabelsConfig = z.input<typeof mathShepherdLabelsConfig>;

/**
 * Math-Shepherd step labels from Monte-Carlo completions: for step i, `completions[i]` holds the
 * correctness (true/false or 1/0) of the N completions sampled from `prompt ⊕ s_1..s_i`.
 * Soft estimate `SE_i = (1/N) Σ_j 𝟙[correct_j]`; hard estimate `HE_i = 𝟙[SE_i > threshold]`.
 *
 * Defaults: threshold 0 (the paper's HE). Edge cases: a step with no completion, or an entry that
 * is neither boolean nor 0/1, throws `RLError("INVALID_INPUT")`; unparseable answers should be
 * passed as wrong. The last step's label is usually the outcome itself (pass `[outcome]`).
 * Paper: Math-Shepherd (arXiv:2312.08935).
 *
 * @example
 * mathShepherdLabels([[1, 0, 0, 1, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]]);
 * // soft [0.375, 0], hard [1, 0]
 */
export function mathShepherdLabels(
  completions: ReadonlyArray<ReadonlyArray<boolean | number>>,
  config: MathShepherdLabelsConfig = {},
): { soft: Matrix; hard: Matrix } {
  const fn = "mathShepherdLabels";
  const { threshold } = parseConfig(mathShepherdLabelsConfig, config, fn);
  requireArray(completions, "completions", fn);
  if (completions.length === 0) throw new RLError("INVALID_INPUT", `${fn}: completions is empty; expected one list per step`);
  const K = completions.length;
  const soft = Matrix.zeros([K]);
  const hard = Matrix.zeros([K]);
  for (let i = 0; i < K; i++) {
    const row = completions[i] as ReadonlyArray<boolean | number>;
    if (!Array.isArray(row) || row.length === 0) {
      throw new RLError("INVALID_INPUT", `${fn}: completions[${i}] has no completion; expected at least one`);
    }
    let c = 0;
    row.forEach((v, j) => (c += correctness(v, `${fn}: completions[${i}][${j}]`)));
    soft.data[i] = c / row.length;
    hard.data[i] = (soft.data[i] as number) > threshold ? 1 : 0;
  }
  return { soft, hard };
}

/** 1 for a correct completion, 0 for a wrong one; anything else throws. */
export function correctness(v: unknown, where: string): number {
  if (v === true || v === 1) return 1;
  if (v === false || v === 0) return 0;
  throw new RLError("INVALID_INPUT", `${where} is ${describeValue(v)}; expected a boolean or 0/1`);
}

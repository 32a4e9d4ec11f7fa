import { describeValue, RLError, parseConfig } from "@rl/core";
import { z } from "zod";

/** The label of a position that carries no step label (PyTorch's `ignore_index`). */
export const IGNORE_LABEL = -100;

/** Config of {@link buildPrmExample}. Defaults follow TRL `PRMConfig`. */
export const prmExampleConfig = z.object({
  /** Keep only the last step's label (TRL `train_on_last_step_only`). */
  lastStepOnly: z.boolean().default(false),
  /** Optional BOS token prepended to the prompt. */
  bosId: z.number().int().nullable().default(null),
  /** Truncate ids and labels together to at most this many tokens (`null` = no limit). */
  maxLength: z.number().int().positive().nullable().default(null),
});
export type PrmExampleConfig = z.input<typeof prmExampleConfig>;

/** Inputs of {@link buildPrmExample}: token ids of the prompt, of each step and of the separator. */
export interface PrmExampleInput {
  promptIds: readonly number[];
  stepIds: readonly (readonly number[])[];
  separatorIds: readonly number[];
  /** One label per step: boolean / {0,1} (hard) or a probability in `[0,1]` (soft, Math-Shepherd SE). */
  labels: readonly (boolean | number)[];
}

/**
 * The canonical PRM token layout, the same for training and scoring (docs/rewards/models.md; TRL `PRMTrainer`,
 * Math-Shepherd arXiv:2312.08935):
 *
 *   ids    = [BOS?] ⊕ prompt ⊕ (step_1 ⊕ sep) ⊕ … ⊕ (step_n ⊕ sep)
 *   labels = −100 everywhere except the last separator token of each step, which holds that step's label.
 *
 * Soft labels are kept as probabilities (TRL truncates them to 0; we do not). `lastStepOnly`
 * keeps only the last step's label. Truncation cuts ids and labels together.
 * Edge cases: label count ≠ step count → `INVALID_INPUT`; empty separator → `INVALID_INPUT`
 * (a step would have no label position); empty step list → no labelled positions.
 *
 * @example
 * buildPrmExample({ promptIds: [11, 12], stepIds: [[21, 22], [31]], separatorIds: [99], labels: [true, false] });
 * // { inputIds: [11,12,21,22,99,31,99], labels: [-100,-100,-100,-100,1,-100,0] }
 */
export function buildPrmExample(input: PrmExampleInput, config: PrmExampleConfig = {}): { inputIds: number[]; labels: number[] } {
  const fn = "buildPrmExample";
  const cfg = parseConfig(prmExampleConfig, config, fn);
  if (typeof input !== "object" || input === null) throw new RLError("INVALID_INPUT", `${fn}: input must be { promptIds, stepIds, separatorIds, labels }`);
  for (const key of ["promptIds", "stepIds", "separatorIds", "labels"] as const) {
    if (!Array.isArray(input[key])) throw new RLError("INVALID_INPUT", `${fn}: ${key} must be an array`);
  }
  const checkIds = (ids: unknown, field: string): void => {
    if (!Array.isArray(ids)) throw new RLError("INVALID_INPUT", `${fn}: ${field} must be an array of token ids, got ${describeValue(ids)}`);
    ids.forEach((id: unknown, j) => {
      if (!Number.isInteger(id)) throw new RLError("INVALID_INPUT", `${fn}: ${field}[${j}] is ${describeValue(id)}; expected an integer token id`);
    });
  };
  checkIds(input.promptIds, "promptIds");
  checkIds(input.separatorIds, "separatorIds");
  input.stepIds.forEach((step, k) => checkIds(step, `stepIds[${k}]`));
  if (input.labels.length !== input.stepIds.length) {
    throw new RLError("INVALID_INPUT", `${fn}: labels has ${input.labels.length} entries, stepIds has ${input.stepIds.length}`);
  }
  if (input.separatorIds.length === 0) throw new RLError("INVALID_INPUT", `${fn}: separatorIds is empty`);
  const inputIds: number[] = cfg.bosId === null ? [] : [cfg.bosId];
  inputIds.push(...input.promptIds);
  const labels: number[] = inputIds.map(() => IGNORE_LABEL);
  input.stepIds.forEach((step, k) => {
    const raw = input.labels[k] as boolean | number;
    const label = typeof raw === "boolean" ? (raw ? 1 : 0) : raw;
    if (typeof label !== "number" || !(label >= 0 && label <= 1)) throw new RLError("INVALID_INPUT", `${fn}: labels[${k}] is ${describeValue(label)}; must be in [0, 1]`);
    const chunk = [...step, ...input.separatorIds];
    inputIds.push(...chunk);
    const isLast = k === input.stepIds.length - 1;
    chunk.forEach((_, j) => labels.push(j === chunk.length - 1 && (!cfg.lastStepOnly || isLast) ? label : IGNORE_LABEL));
  });
  if (cfg.maxLength !== null && inputIds.length > cfg.maxLength) {
    return { inputIds: inputIds.slice(0, cfg.maxLength), labels: labels.slice(0, cfg.maxLength) };
  }
  return { inputIds, labels };
}

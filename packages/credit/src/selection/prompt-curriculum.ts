import { RLError, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { droppedRows, finiteVector, type SelectionResult } from "./types.js";

/**
 * Config of {@link promptCurriculumSelection} (PCL defaults).
 * - `promptBatchSize` (required): prompts to keep from the candidate pool.
 * - `target` (0.5): the predicted success rate a prompt should be closest to; 0.5 maximises
 *   p(1 − p), the expected gradient signal of a binary reward.
 */
export const promptCurriculumConfig = z.object({
  /** Prompts to keep from the candidate pool. */
  promptBatchSize: z.number().int().positive(),
  /** The predicted success rate a kept prompt should be nearest. */
  target: z.number().min(0).max(1).default(0.5),
});
export type PromptCurriculumConfig = z.input<typeof promptCurriculumConfig>;

/** Why {@link promptCurriculumSelection} dropped a prompt: its predicted success is above or below the kept band. */
export type PromptCurriculumReason = "too-easy" | "too-hard";

/**
 * Prompt curriculum by intermediate difficulty ("Prompt Curriculum Learning for Efficient LLM
 * Post-Training", PCL, Gao et al., arXiv:2510.01135): from a pool of candidate prompts, each
 * with a predicted success rate p_i ∈ [0, 1] (a value model's prediction, or a running pass
 * rate), keep the `promptBatchSize` prompts closest to the target difficulty τ (the paper: 0.5,
 * where a binary reward's variance p(1 − p) peaks):
 *
 *   kept = the promptBatchSize prompts with the smallest |p_i − τ|, ties to the lower index
 *
 * Every other prompt is dropped as `"too-easy"` (p_i > τ) or `"too-hard"` (p_i ≤ τ). `kept` is
 * in input order; a pool no larger than `promptBatchSize` keeps everything. Default τ = 0.5.
 *
 * @example
 * const r = promptCurriculumSelection([0.95, 0.5, 0.1, 0.6, 0.0, 0.3], { promptBatchSize: 3 });
 * r.kept; // [1, 3, 5]
 * r.dropped.map((d) => `${d.row}:${d.reason}`).join(" "); // "0:too-easy 2:too-hard 4:too-hard"
 */
export function promptCurriculumSelection(predictedSuccess: MatrixLike | readonly number[], config: PromptCurriculumConfig): SelectionResult<PromptCurriculumReason> {
  const fn = "promptCurriculumSelection";
  const { promptBatchSize, target } = parseConfig(promptCurriculumConfig, config, fn);
  const p = finiteVector(predictedSuccess, "predictedSuccess", fn);
  for (let i = 0; i < p.length; i++) {
    const v = p[i] as number;
    if (v < 0 || v > 1) throw new RLError("INVALID_INPUT", `${fn}: predictedSuccess[${i}] is ${v}; expected a success rate in [0, 1]`);
  }
  const order = Array.from(p, (_, i) => i).sort((a, b) => Math.abs((p[a] as number) - target) - Math.abs((p[b] as number) - target) || a - b);
  const keep = new Uint8Array(p.length);
  for (const i of order.slice(0, promptBatchSize)) keep[i] = 1;
  const kept: number[] = [];
  const reasons = Array.from(p, (v, i): PromptCurriculumReason | undefined => {
    if (keep[i] === 1) {
      kept.push(i);
      return undefined;
    }
    return v > target ? "too-easy" : "too-hard";
  });
  return { kept, dropped: droppedRows(reasons) };
}

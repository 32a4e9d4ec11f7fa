import { parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { assembleRows, checkIds, checkMessages, encodePromptCompletion, resolvePadId, type RawRow, type SequenceBatch } from "./sequence-batch.js";
import { preferenceBatchConfig, type PreferenceBatchConfig } from "./preference-batch.js";

/** A row of {@link promptCompletionBatch}: TRL prompt-completion or prompt-only (text, conversational or ids). */
export type PromptCompletionRow =
  | { readonly promptIds: readonly number[]; readonly completionIds?: readonly number[] }
  | { readonly prompt: unknown; readonly completion?: unknown };

/**
 * TRL prompt-completion rows (SFT) or prompt-only rows (GRPO / RLOO prompts) → one right-padded
 * `[N, T]` batch: prompt then completion (EOS appended to text completions, as TRL's SFT), with
 * `lossMask` on the completion only (TRL `completion_only_loss`). A prompt-only row has no
 * completion: its `lossMask` row is 0 and `promptLengths` gives where generation starts. A
 * conversational prompt-only row is rendered with `addGenerationPrompt`. Tokenization and
 * truncation as `preferenceBatch` (same config).
 *
 * @example
 * const b = promptCompletionBatch([{ promptIds: [1, 2], completionIds: [3] }, { promptIds: [4] }]);
 * b.tokenIds.toArray(); // [[1, 2, 3], [4, 0, 0]]
 * b.lossMask.toArray(); // [[0, 0, 1], [0, 0, 0]]
 * @remarks Mirrors TRL `SFTTrainer` prompt-completion batching (trl/trainer/sft_trainer.py).
 */
export function promptCompletionBatch(rows: readonly PromptCompletionRow[], config: PreferenceBatchConfig = {}): SequenceBatch {
  const fn = "promptCompletionBatch";
  const cfg = parseConfig(preferenceBatchConfig, config, fn);
  if (!Array.isArray(rows) || rows.length === 0) throw new RLError("INVALID_INPUT", `${fn}: rows must be a non-empty array`);
  const raw: RawRow[] = rows.map((row, i) => {
    const where = `rows[${i}]`;
    if (typeof row !== "object" || row === null) throw new RLError("INVALID_INPUT", `${fn}: ${where} must be an object`);
    const r = row as Record<string, unknown>;
    if ("promptIds" in r) {
      const completionIds = r.completionIds === undefined ? [] : checkIds(r.completionIds, `${fn}: ${where}.completionIds`);
      return { promptIds: checkIds(r.promptIds, `${fn}: ${where}.promptIds`), completionIds, rowIndex: i, where };
    }
    if (r.completion === undefined) return { promptIds: encodePromptOnly(r.prompt, cfg.tokenizer, `${fn}: ${where}`), completionIds: [], rowIndex: i, where };
    return { ...encodePromptCompletion(r.prompt, r.completion, cfg.tokenizer, cfg.addEos, `${fn}: ${where}`, "completion"), rowIndex: i, where };
  });
  return assembleRows(raw, cfg, resolvePadId(cfg, cfg.tokenizer), fn);
}

function encodePromptOnly(prompt: unknown, tokenizer: PreferenceBatchConfig["tokenizer"], where: string): number[] {
  if (tokenizer === undefined) throw new RLError("INVALID_INPUT", `${where}.prompt is text; pass a tokenizer (or give promptIds)`);
  if (typeof prompt === "string") return tokenizer.encode(prompt);
  const messages = checkMessages(prompt, `${where}.prompt`);
  if (tokenizer.applyChatTemplate === undefined) throw new RLError("INVALID_INPUT", `${where}: conversational rows need a tokenizer with a chat template`);
  return tokenizer.encode(tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true }));
}

import { z } from "zod";
import { RLError } from "../errors.js";
import { parseConfig } from "../config.js";
import { Matrix } from "../matrix/matrix.js";
import type { TemplateMessage, Tokenizer } from "../text/tokenizer.js";

const length = z.number().int().positive().nullable();

/**
 * Truncation options shared by the batch builders, with TRL's `DPOConfig` names and defaults:
 * - `maxLength` (1024, TRL `max_length`): longest prompt + completion row; `null` = no limit.
 * - `maxPromptLength` (512, TRL `max_prompt_length`): the prompt keeps its **last** tokens (TRL
 *   `prompt_input_ids[-max_prompt_length:]`, whatever the truncation mode); `null` = no limit.
 * - `maxCompletionLength` (null, TRL `max_completion_length`): the completion keeps its first tokens.
 * - `truncationMode` ("keepEnd", TRL `truncation_mode="keep_end"`): how a row longer than
 *   `maxLength` is cut: `"keepEnd"` keeps its last `maxLength` tokens, `"keepStart"` its first;
 *   `"error"` throws instead of cutting anything (any of the three limits), naming the row.
 * - `padTokenId` (the tokenizer's pad id, else its EOS id, else 0): the id written on padding.
 * - `addEos` (true): append the tokenizer's EOS id to every text completion (TRL does); ids given
 *   as ids are taken as they are.
 */
export const truncationConfig = z.object({
  maxLength: length.default(1024),
  maxPromptLength: length.default(512),
  maxCompletionLength: length.default(null),
  truncationMode: z.enum(["keepEnd", "keepStart", "error"]).default("keepEnd"),
  padTokenId: z.number().int().nonnegative().optional(),
  addEos: z.boolean().default(true),
});
/** Input type of {@link truncationConfig}. */
export type TruncationConfig = z.input<typeof truncationConfig>;
type Truncation = z.output<typeof truncationConfig>;

/** A right-padded batch of prompt + completion rows; every matrix is `[R, T]`. */
export interface SequenceBatch {
  /** Token ids: row `r` is its prompt then its completion, then `padTokenId` (no padding before a real token). */
  readonly tokenIds: Matrix;
  /** 1 on real tokens (prompt and completion), 0 on padding (TRL `attention_mask`). */
  readonly attentionMask: Matrix;
  /** 1 on completion tokens, 0 on prompt and padding (TRL `completion_mask`; `trainStep`'s `lossMask`). */
  readonly lossMask: Matrix;
  /** Prompt tokens kept in each row (its completion starts at this column). */
  readonly promptLengths: readonly number[];
  /** The input row each batch row comes from (rows are never dropped or reordered within a half). */
  readonly rowIndex: readonly number[];
  /** Whether truncation cut anything from the row. */
  readonly truncated: readonly boolean[];
}

/** The prompt and completion ids of one row after truncation. */
export interface TruncatedRow {
  readonly promptIds: number[];
  readonly completionIds: number[];
  readonly truncated: boolean;
}

/**
 * TRL's per-row truncation (`DPOTrainer.tokenize_row` then `concatenated_forward`):
 *
 *   prompt ← prompt[−maxPromptLength:]          (always the end of the prompt)
 *   completion ← completion[:maxCompletionLength]
 *   row = prompt ++ completion;  if |row| > maxLength:  keepStart → row[:maxLength],  keepEnd → row[−maxLength:]
 *
 * `keepStart` may cut the whole completion (the row then trains on nothing), `keepEnd` may cut the
 * whole prompt (its first completion token then has no log-prob: position 0, see `trainStep`).
 * With `truncationMode: "error"` any cut throws `RLError("INVALID_INPUT")` naming `where` and the limit.
 * Reference: huggingface/trl `trl/trainer/dpo_trainer.py` (`tokenize_row`, `concatenated_forward`, v0.19).
 *
 * @example
 * truncateRow([1, 2, 3, 4], [5, 6, 7], { maxLength: 5, maxPromptLength: 3 }).promptIds; // [3, 4]
 * @remarks Mirrors TRL `DPOTrainer.tokenize_row` truncation (trl/trainer/dpo_trainer.py).
 */
export function truncateRow(promptIds: readonly number[], completionIds: readonly number[], config: TruncationConfig = {}, where = "truncateRow"): TruncatedRow {
  return cut(promptIds, completionIds, parseConfig(truncationConfig, config, "truncateRow"), where);
}

function cut(promptIds: readonly number[], completionIds: readonly number[], cfg: Truncation, where: string): TruncatedRow {
  const { maxLength, maxPromptLength, maxCompletionLength, truncationMode } = cfg;
  let prompt = [...promptIds];
  let completion = [...completionIds];
  let truncated = false;
  const refuse = (what: string, n: number, limit: number): never => {
    throw new RLError("INVALID_INPUT", `${where}: ${what} has ${n} tokens, more than ${limit}, and truncationMode is "error"`);
  };
  if (maxPromptLength !== null && prompt.length > maxPromptLength) {
    if (truncationMode === "error") refuse("prompt", prompt.length, maxPromptLength);
    prompt = prompt.slice(prompt.length - maxPromptLength);
    truncated = true;
  }
  if (maxCompletionLength !== null && completion.length > maxCompletionLength) {
    if (truncationMode === "error") refuse("completion", completion.length, maxCompletionLength);
    completion = completion.slice(0, maxCompletionLength);
    truncated = true;
  }
  const n = prompt.length + completion.length;
  if (maxLength !== null && n > maxLength) {
    if (truncationMode === "error") refuse("prompt + completion", n, maxLength);
    truncated = true;
    if (truncationMode === "keepStart") {
      completion = completion.slice(0, Math.max(0, maxLength - prompt.length));
      prompt = prompt.slice(0, maxLength);
    } else {
      const drop = n - maxLength;
      completion = completion.slice(Math.max(0, drop - prompt.length));
      prompt = prompt.slice(Math.min(drop, prompt.length));
    }
  }
  return { promptIds: prompt, completionIds: completion, truncated };
}

/** One row before truncation: ids, and where it came from. */
export interface RawRow {
  readonly promptIds: readonly number[];
  readonly completionIds: readonly number[];
  readonly rowIndex: number;
  /** Path used in error messages, e.g. `rows[3].chosen`. */
  readonly where: string;
}

/** Truncates and right-pads rows into a {@link SequenceBatch} (T ≥ 1). */
export function assembleRows(rows: readonly RawRow[], cfg: Truncation, padTokenId: number, fn: string): SequenceBatch {
  const cutRows = rows.map((r) => cut(r.promptIds, r.completionIds, cfg, `${fn}: ${r.where}`));
  const R = rows.length;
  const T = Math.max(1, ...cutRows.map((r) => r.promptIds.length + r.completionIds.length));
  const tokenIds = Matrix.full([R, T], padTokenId);
  const attentionMask = Matrix.zeros([R, T]);
  const lossMask = Matrix.zeros([R, T]);
  cutRows.forEach((r, i) => {
    const P = r.promptIds.length;
    r.promptIds.forEach((id, t) => {
      tokenIds.set(i, t, id);
      attentionMask.set(i, t, 1);
    });
    r.completionIds.forEach((id, t) => {
      tokenIds.set(i, P + t, id);
      attentionMask.set(i, P + t, 1);
      lossMask.set(i, P + t, 1);
    });
  });
  return {
    tokenIds,
    attentionMask,
    lossMask,
    promptLengths: cutRows.map((r) => r.promptIds.length),
    rowIndex: rows.map((r) => r.rowIndex),
    truncated: cutRows.map((r) => r.truncated),
  };
}

/** The pad id: config, else the tokenizer's pad id, else its EOS id, else 0. */
export function resolvePadId(cfg: Truncation, tokenizer: Tokenizer | undefined): number {
  return cfg.padTokenId ?? tokenizer?.padTokenId ?? tokenizer?.eosTokenId ?? 0;
}

/** Checks a list of token ids (non-negative integers), naming the field. */
export function checkIds(ids: unknown, where: string): number[] {
  if (!Array.isArray(ids)) throw new RLError("INVALID_INPUT", `${where} must be an array of token ids`);
  ids.forEach((v, t) => {
    if (!Number.isInteger(v) || (v as number) < 0) throw new RLError("INVALID_INPUT", `${where}[${t}] is ${String(v)}; token ids are non-negative integers`);
  });
  return ids as number[];
}

export function checkMessages(value: unknown, where: string): TemplateMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw new RLError("INVALID_INPUT", `${where} must be a non-empty list of { role, content } messages`);
  value.forEach((m, k) => {
    const ok = typeof m === "object" && m !== null && typeof (m as { role?: unknown }).role === "string" && typeof (m as { content?: unknown }).content === "string";
    if (!ok) throw new RLError("INVALID_INPUT", `${where}[${k}] must be a { role, content } message with string fields`);
  });
  return value as TemplateMessage[];
}

function needTokenizer(tokenizer: Tokenizer | undefined, where: string): Tokenizer {
  if (tokenizer === undefined) throw new RLError("INVALID_INPUT", `${where} is text; pass a tokenizer (or give token ids)`);
  return tokenizer;
}

/**
 * Prompt and completion → ids, as TRL does: text is encoded without special tokens; a
 * conversation is rendered with the chat template (the prompt with `addGenerationPrompt`, the
 * completion as the text the full conversation adds after the rendered prompt), then encoded;
 * the EOS id is appended to the completion (`addEos`). A completion conversation must end with
 * an assistant turn and the rendered prompt must be a prefix of the rendered conversation.
 */
export function encodePromptCompletion(
  prompt: unknown,
  completion: unknown,
  tokenizer: Tokenizer | undefined,
  addEos: boolean,
  where: string,
  completionField: string,
): { promptIds: number[]; completionIds: number[] } {
  const eos = (ids: number[]): number[] => {
    if (!addEos) return ids;
    const t = needTokenizer(tokenizer, `${where}.${completionField}`);
    if (t.eosTokenId === null) throw new RLError("INVALID_INPUT", `${where}: addEos is true but the tokenizer has no eosTokenId`);
    return [...ids, t.eosTokenId];
  };
  if (typeof prompt === "string" || typeof completion === "string") {
    if (typeof prompt !== "string") throw new RLError("INVALID_INPUT", `${where}.prompt must be text like ${completionField} (standard format)`);
    if (typeof completion !== "string") throw new RLError("INVALID_INPUT", `${where}.${completionField} must be text like prompt (standard format)`);
    const t = needTokenizer(tokenizer, `${where}.prompt`);
    return { promptIds: t.encode(prompt), completionIds: eos(t.encode(completion)) };
  }
  const p = checkMessages(prompt, `${where}.prompt`);
  const c = checkMessages(completion, `${where}.${completionField}`);
  const last = c[c.length - 1] as TemplateMessage;
  if (last.role !== "assistant") {
    throw new RLError("INVALID_INPUT", `${where}.${completionField} must end with an assistant turn, its last message has role "${last.role}"`);
  }
  const t = needTokenizer(tokenizer, `${where}.prompt`);
  if (t.applyChatTemplate === undefined) throw new RLError("INVALID_INPUT", `${where}: conversational rows need a tokenizer with a chat template`);
  const promptText = t.applyChatTemplate(p, { addGenerationPrompt: true });
  const fullText = t.applyChatTemplate([...p, ...c]);
  if (!fullText.startsWith(promptText)) {
    throw new RLError("INVALID_INPUT", `${where}: the chat template's rendering of prompt + ${completionField} does not start with its rendering of prompt`);
  }
  return { promptIds: t.encode(promptText), completionIds: eos(t.encode(fullText.slice(promptText.length))) };
}

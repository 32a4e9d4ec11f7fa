import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { splitImplicitConversation, splitImplicitPrompt } from "../data/preference-convert.js";
import type { Tokenizer } from "../text/tokenizer.js";
import { assembleRows, checkIds, encodePromptCompletion, resolvePadId, truncationConfig, type RawRow, type SequenceBatch } from "./sequence-batch.js";

/**
 * Config of {@link preferenceBatch}: {@link truncationConfig} (TRL `DPOConfig` names and defaults)
 * plus the tokenizer that turns text rows into ids.
 */
export const preferenceBatchConfig = truncationConfig.extend({
  tokenizer: z.custom<Tokenizer>((v) => typeof v === "object" && v !== null && typeof (v as Tokenizer).encode === "function").optional(),
});
/** Input type of {@link preferenceBatchConfig}. */
export type PreferenceBatchConfig = z.input<typeof preferenceBatchConfig>;

/** A preference row already tokenized (taken as is: no EOS appended). */
export interface TokenizedPreference {
  readonly promptIds: readonly number[];
  readonly chosenIds: readonly number[];
  readonly rejectedIds: readonly number[];
}

/** A row {@link preferenceBatch} accepts: a TRL standard, conversational or implicit-prompt record, or ids. */
export type PreferenceRow = (TokenizedPreference | { readonly prompt?: unknown; readonly chosen: unknown; readonly rejected: unknown }) & { readonly margin?: number };

/** Result of {@link preferenceBatch}: `[2N, T]`, rows `0..N−1` chosen, `N..2N−1` rejected (TRL's stacked layout). */
export interface PreferenceBatch extends SequenceBatch {
  /** Number of pairs N. */
  readonly pairs: number;
  /** Each pair's `margin` (rows without one: `null`), `[N]`. */
  readonly margins: readonly (number | null)[];
}

/**
 * TRL preference rows → one stacked `[2N, T]` batch for a single forward pass (TRL
 * `DPOTrainer.concatenated_forward`): batch row `i` is pair `i`'s prompt + chosen, row `N + i`
 * its prompt + rejected; every row is right-padded with `padTokenId`. Feed `tokenIds` /
 * `lossMask` to `trainStep` (after `batchTensors`) and split the summed log-probs with
 * `pairedSequenceLogProbs` (layout `"stacked"`).
 *
 * Rows: standard `{ prompt, chosen, rejected }` text, conversational (lists of `{ role, content }`,
 * rendered with `tokenizer.applyChatTemplate`), implicit prompt `{ chosen, rejected }` (the shared
 * prefix becomes the prompt, as TRL's `maybe_extract_prompt`), or `{ promptIds, chosenIds,
 * rejectedIds }`. Text is encoded without special tokens and EOS is appended to each completion
 * (TRL `tokenize_row`); truncation follows TRL per row ({@link truncateRow}).
 *
 * Nothing is dropped: `rowIndex[i] = rowIndex[N + i] = i`. Bad input throws `RLError("INVALID_INPUT")`
 * naming the row and field (`rows[3].chosen must end with an assistant turn`), before any output exists.
 *
 * @example
 * const b = preferenceBatch([{ promptIds: [1, 2], chosenIds: [3], rejectedIds: [4, 5] }]);
 * b.tokenIds.toArray(); // [[1, 2, 3, 0], [1, 2, 4, 5]]
 * b.lossMask.toArray(); // [[0, 0, 1, 0], [0, 0, 1, 1]]
 * @remarks Mirrors TRL `DPOTrainer` batching (trl/trainer/dpo_trainer.py, v0.19).
 */
export function preferenceBatch(rows: readonly PreferenceRow[], config: PreferenceBatchConfig = {}): PreferenceBatch {
  const fn = "preferenceBatch";
  const cfg = parseConfig(preferenceBatchConfig, config, fn);
  if (!Array.isArray(rows) || rows.length === 0) throw new RLError("INVALID_INPUT", `${fn}: rows must be a non-empty array`);
  const chosen: RawRow[] = [];
  const rejected: RawRow[] = [];
  const margins: (number | null)[] = [];
  rows.forEach((row, i) => {
    const where = `rows[${i}]`;
    if (typeof row !== "object" || row === null) throw new RLError("INVALID_INPUT", `${fn}: ${where} must be an object`);
    const r = row as Record<string, unknown>;
    let promptIds: number[], chosenIds: number[], rejectedIds: number[];
    if ("chosenIds" in r || "promptIds" in r || "rejectedIds" in r) {
      promptIds = checkIds(r.promptIds, `${fn}: ${where}.promptIds`);
      chosenIds = checkIds(r.chosenIds, `${fn}: ${where}.chosenIds`);
      rejectedIds = checkIds(r.rejectedIds, `${fn}: ${where}.rejectedIds`);
    } else {
      const explicit = r.prompt === undefined ? splitImplicit(r, fn, where) : r;
      const c = encodePromptCompletion(explicit.prompt, explicit.chosen, cfg.tokenizer, cfg.addEos, `${fn}: ${where}`, "chosen");
      const j = encodePromptCompletion(explicit.prompt, explicit.rejected, cfg.tokenizer, cfg.addEos, `${fn}: ${where}`, "rejected");
      promptIds = c.promptIds;
      chosenIds = c.completionIds;
      rejectedIds = j.completionIds;
    }
    const margin = r.margin;
    if (margin !== undefined && (typeof margin !== "number" || !Number.isFinite(margin))) {
      throw new RLError("INVALID_INPUT", `${fn}: ${where}.margin is ${String(margin)}; expected a finite number`);
    }
    margins.push(margin ?? null);
    chosen.push({ promptIds, completionIds: chosenIds, rowIndex: i, where: `${where}.chosen` });
    rejected.push({ promptIds, completionIds: rejectedIds, rowIndex: i, where: `${where}.rejected` });
  });
  const batch = assembleRows([...chosen, ...rejected], cfg, resolvePadId(cfg, cfg.tokenizer), fn);
  return { ...batch, pairs: rows.length, margins };
}

function splitImplicit(r: Record<string, unknown>, fn: string, where: string): Record<string, unknown> {
  try {
    return typeof r.chosen === "string" ? splitImplicitPrompt(r as never) : splitImplicitConversation(r as never);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new RLError("INVALID_INPUT", `${fn}: ${where} (implicit prompt): ${message}`, { cause: e });
  }
}

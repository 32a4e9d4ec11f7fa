import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { assembleRows, checkIds, encodePromptCompletion, resolvePadId, type RawRow, type SequenceBatch } from "./sequence-batch.js";
import { preferenceBatchConfig } from "./preference-batch.js";

/**
 * Config of {@link ktoBatch}: the truncation options of `preferenceBatch` (TRL `KTOConfig` uses
 * the same names and defaults) plus `klRows` (true): append the KL rows.
 */
export const ktoBatchConfig = preferenceBatchConfig.extend({
  klRows: z.boolean().default(true),
});
/** Input type of {@link ktoBatchConfig}. */
export type KtoBatchConfig = z.input<typeof ktoBatchConfig>;

/** A KTO row: TRL unpaired `{ prompt, completion, label }` (text or conversational), or ids. */
export type KtoRow =
  | { readonly promptIds: readonly number[]; readonly completionIds: readonly number[]; readonly label: boolean }
  | { readonly prompt: unknown; readonly completion: unknown; readonly label: boolean };

/** Result of {@link ktoBatch}: rows `0..N−1` are the examples, rows `N..2N−1` the KL rows (when `klRows`). */
export interface KtoBatch extends SequenceBatch {
  /** Number of examples N. */
  readonly examples: number;
  /** 1 desirable, 0 undesirable, `[N]` (`ktoLoss`'s `labels`). */
  readonly labels: readonly number[];
  /** The input row whose completion each batch row holds (`[N]` or `[2N]`; the KL row `N + i` holds row `i − 1`'s). */
  readonly completionRowIndex: readonly number[];
}

/**
 * TRL KTO rows → one batch with the KL rows (TRL `KTOTrainer._get_kl_dataset`): the KL row of
 * example `i` is prompt `i` with the completion of example `i − 1` (example 0 takes the last
 * one's), a mismatched pair whose policy/reference log-ratio estimates the KL term `z₀` of
 * `ktoLoss`. Rows `0..N−1` are the examples, rows `N..2N−1` their KL rows, all right-padded to one
 * `T`. Tokenization and truncation as {@link preferenceBatch}; the KL rows are truncated like any row.
 *
 * Needs N ≥ 2 with `klRows` (one example would be its own KL row; TRL requires a batch size > 1).
 * A `label` that is not a boolean, or any bad field, throws `RLError("INVALID_INPUT")` naming the row.
 *
 * @example
 * const b = ktoBatch([
 *   { promptIds: [1], completionIds: [5], label: true },
 *   { promptIds: [2], completionIds: [6, 7], label: false },
 * ]);
 * b.tokenIds.toArray(); // [[1, 5, 0], [2, 6, 7], [1, 6, 7], [2, 5, 0]]
 * b.labels; // [1, 0]
 * @remarks arXiv:2402.01306 (huggingface/trl trl/trainer/kto_trainer.py, v0.19)
 */
export function ktoBatch(rows: readonly KtoRow[], config: KtoBatchConfig = {}): KtoBatch {
  const fn = "ktoBatch";
  const cfg = parseConfig(ktoBatchConfig, config, fn);
  if (!Array.isArray(rows) || rows.length === 0) throw new RLError("INVALID_INPUT", `${fn}: rows must be a non-empty array`);
  if (cfg.klRows && rows.length < 2) throw new RLError("INVALID_INPUT", `${fn}: the KL rows need at least 2 examples, got ${rows.length} (or set klRows: false)`);
  const encoded = rows.map((row, i) => {
    const where = `rows[${i}]`;
    if (typeof row !== "object" || row === null) throw new RLError("INVALID_INPUT", `${fn}: ${where} must be an object`);
    const r = row as Record<string, unknown>;
    if (typeof r.label !== "boolean") throw new RLError("INVALID_INPUT", `${fn}: ${where}.label is ${String(r.label)}; expected true or false`);
    if ("promptIds" in r || "completionIds" in r) {
      return { promptIds: checkIds(r.promptIds, `${fn}: ${where}.promptIds`), completionIds: checkIds(r.completionIds, `${fn}: ${where}.completionIds`), label: r.label };
    }
    return { ...encodePromptCompletion(r.prompt, r.completion, cfg.tokenizer, cfg.addEos, `${fn}: ${where}`, "completion"), label: r.label };
  });
  const N = rows.length;
  const raw: RawRow[] = encoded.map((e, i) => ({ promptIds: e.promptIds, completionIds: e.completionIds, rowIndex: i, where: `rows[${i}]` }));
  const completionRowIndex = raw.map((_, i) => i);
  if (cfg.klRows) {
    encoded.forEach((e, i) => {
      const j = (i - 1 + N) % N;
      raw.push({ promptIds: e.promptIds, completionIds: (encoded[j] as (typeof encoded)[number]).completionIds, rowIndex: i, where: `rows[${i}] (KL row, completion of rows[${j}])` });
      completionRowIndex.push(j);
    });
  }
  const batch = assembleRows(raw, cfg, resolvePadId(cfg, cfg.tokenizer), fn);
  return { ...batch, examples: N, labels: encoded.map((e) => (e.label ? 1 : 0)), completionRowIndex };
}

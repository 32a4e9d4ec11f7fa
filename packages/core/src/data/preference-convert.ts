import { z } from "zod";
import { parseConfig, parseInput } from "../config.js";
import { RLError } from "../errors.js";
import { preferencePairSchema, type PreferencePair } from "../schemas/data.js";
import {
  conversationalKtoRecordSchema,
  conversationalPreferenceSchema,
  detectPreferenceFormat,
  implicitConversationalPreferenceSchema,
  implicitPreferenceSchema,
  ktoRecordSchema,
  openAiDpoRecordSchema,
  standardPreferenceSchema,
  type ChatMessage,
  type ConversationalKtoRecord,
  type ConversationalPreference,
  type ImplicitConversationalPreference,
  type ImplicitPreference,
  type KtoRecord,
  type OpenAiDpoRecord,
  type OpenAiMessage,
  type StandardPreference,
} from "./preference-formats.js";

/**
 * How conversations map to {@link PreferencePair}'s strings.
 * - `"text"` (default): the prompt must be one user message and each response one assistant
 *   message; the strings are their contents (what most pair datasets hold).
 * - `"json"`: lossless for multi-turn data: each side is `JSON.stringify(messages)`.
 */
export const messageEncodingConfig = z.object({
  promptEncoding: z.enum(["text", "json"]).default("text"),
});
/** Config of the conversation ↔ pair converters (see {@link messageEncodingConfig}). */
export type MessageEncodingConfig = z.input<typeof messageEncodingConfig>;

function pairExtras(r: { margin?: number | undefined; id?: string | undefined }): Pick<PreferencePair, "margin" | "id"> {
  const out: Pick<PreferencePair, "margin" | "id"> = {};
  if (r.margin !== undefined) out.margin = r.margin;
  if (r.id !== undefined) out.id = r.id;
  return out;
}

/**
 * TRL standard record → core {@link PreferencePair} (`margin`, `id` kept).
 * @example
 * standardToPreferencePair({ prompt: "2+2?", chosen: "4", rejected: "5" });
 * // { prompt: "2+2?", chosen: "4", rejected: "5" }
 */
export function standardToPreferencePair(record: StandardPreference): PreferencePair {
  const r = parseInput(standardPreferenceSchema, record, "standardToPreferencePair", "record");
  return { prompt: r.prompt, chosen: r.chosen, rejected: r.rejected, ...pairExtras(r) };
}

/**
 * Core {@link PreferencePair} → TRL standard record `{ prompt, chosen, rejected }` (+ `margin`, `id`).
 */
export function preferencePairToStandard(pair: PreferencePair): StandardPreference {
  const p = parseInput(preferencePairSchema, pair, "preferencePairToStandard", "pair");
  return { prompt: p.prompt, chosen: p.chosen, rejected: p.rejected, ...pairExtras(p) };
}

function messagesToText(
  messages: readonly ChatMessage[],
  role: "user" | "assistant",
  encoding: "text" | "json",
  fn: string,
  field: string,
): string {
  if (encoding === "json") return JSON.stringify(messages);
  const only = messages[0];
  if (messages.length !== 1 || only === undefined || only.role !== role) {
    throw new RLError(
      "INVALID_INPUT",
      `${fn}: ${field} must be a single ${role} message with promptEncoding "text" ` +
        `(got ${messages.length} message(s), roles ${messages.map((m) => m.role).join(",")}); use promptEncoding "json" for multi-turn data`,
    );
  }
  return only.content;
}

function textToMessages(text: string, role: "user" | "assistant", encoding: "text" | "json", fn: string, field: string): ChatMessage[] {
  if (encoding === "text") return [{ role, content: text }];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new RLError("PARSE", `${fn}: ${field} is not JSON (promptEncoding "json")`, { cause: e });
  }
  return parseInput(z.array(z.looseObject({ role: z.string().min(1), content: z.string() })).min(1), parsed, fn, field);
}

/**
 * TRL conversational record → core {@link PreferencePair}. With `promptEncoding: "text"` (default)
 * the prompt must be a single user message and chosen/rejected single assistant messages;
 * otherwise an `INVALID_INPUT` RLError names the field. `"json"` encodes each side losslessly.
 * @example
 * conversationalToPreferencePair({
 *   prompt: [{ role: "user", content: "2+2?" }],
 *   chosen: [{ role: "assistant", content: "4" }],
 *   rejected: [{ role: "assistant", content: "5" }],
 * }); // { prompt: "2+2?", chosen: "4", rejected: "5" }
 */
export function conversationalToPreferencePair(record: ConversationalPreference, config: MessageEncodingConfig = {}): PreferencePair {
  const fn = "conversationalToPreferencePair";
  const { promptEncoding } = parseConfig(messageEncodingConfig, config, fn);
  const r = parseInput(conversationalPreferenceSchema, record, fn, "record");
  return {
    prompt: messagesToText(r.prompt, "user", promptEncoding, fn, "prompt"),
    chosen: messagesToText(r.chosen, "assistant", promptEncoding, fn, "chosen"),
    rejected: messagesToText(r.rejected, "assistant", promptEncoding, fn, "rejected"),
    ...pairExtras(r),
  };
}

/**
 * Core {@link PreferencePair} → TRL conversational record (the inverse of
 * {@link conversationalToPreferencePair} for the same `promptEncoding`).
 */
export function preferencePairToConversational(pair: PreferencePair, config: MessageEncodingConfig = {}): ConversationalPreference {
  const fn = "preferencePairToConversational";
  const { promptEncoding } = parseConfig(messageEncodingConfig, config, fn);
  const p = parseInput(preferencePairSchema, pair, fn, "pair");
  return {
    prompt: textToMessages(p.prompt, "user", promptEncoding, fn, "prompt"),
    chosen: textToMessages(p.chosen, "assistant", promptEncoding, fn, "chosen"),
    rejected: textToMessages(p.rejected, "assistant", promptEncoding, fn, "rejected"),
    ...pairExtras(p),
  };
}

/** Length of the shared prefix of two sequences under `same`. */
function sharedPrefixLength<T>(a: ArrayLike<T>, b: ArrayLike<T>, same: (x: T, y: T) => boolean): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && same(a[i] as T, b[i] as T)) i++;
  return i;
}

/**
 * Splits a TRL implicit-prompt text record into an explicit one: the prompt is the longest
 * shared prefix of `chosen` and `rejected` (by UTF-16 code unit, never splitting a surrogate
 * pair), moved back by one character when it ends in a space so responses keep their leading
 * space (TRL's `extract_prompt` does the same). Extra keys are kept.
 *
 * Edge cases: identical `chosen` and `rejected` → `INVALID_INPUT`; when one is a prefix of the
 * other, the prompt is the whole shorter one (minus a trailing space) and its response may be
 * empty (TRL, by a loop quirk, leaves the last shared character in the responses instead).
 * @example
 * splitImplicitPrompt({ chosen: "The sky is blue.", rejected: "The sky is green." });
 * // { prompt: "The sky is", chosen: " blue.", rejected: " green." }
 * @remarks Mirrors TRL `extract_prompt` (trl/data_utils.py).
 */
export function splitImplicitPrompt(record: ImplicitPreference): StandardPreference {
  const fn = "splitImplicitPrompt";
  const { chosen, rejected, ...rest } = parseInput(implicitPreferenceSchema, record, fn, "record");
  if (chosen === rejected) throw new RLError("INVALID_INPUT", `${fn}: chosen and rejected are identical`);
  let k = sharedPrefixLength(chosen, rejected, (x, y) => x === y);
  const code = chosen.charCodeAt(k - 1);
  if (k > 0 && code >= 0xd800 && code <= 0xdbff) k--; // never split a surrogate pair
  if (k > 0 && chosen[k - 1] === " ") k--;
  return { ...rest, prompt: chosen.slice(0, k), chosen: chosen.slice(k), rejected: rejected.slice(k) };
}

/**
 * Joins an explicit TRL standard record into the implicit-prompt form:
 * `{ chosen: prompt + chosen, rejected: prompt + rejected }` (extra keys kept, `prompt` dropped).
 * {@link splitImplicitPrompt} of the result gives back the same full texts.
 */
export function joinImplicitPrompt(record: StandardPreference): ImplicitPreference {
  const { prompt, chosen, rejected, ...rest } = parseInput(standardPreferenceSchema, record, "joinImplicitPrompt", "record");
  return { ...rest, chosen: prompt + chosen, rejected: prompt + rejected };
}

function sameMessage(a: ChatMessage, b: ChatMessage): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Splits a TRL implicit-prompt conversational record: the prompt is the longest run of identical
 * leading messages; chosen/rejected are the rest. Both rests must be non-empty
 * (`INVALID_INPUT` otherwise, naming the field).
 * @example
 * splitImplicitConversation({
 *   chosen: [{ role: "user", content: "2+2?" }, { role: "assistant", content: "4" }],
 *   rejected: [{ role: "user", content: "2+2?" }, { role: "assistant", content: "5" }],
 * }); // prompt: [user "2+2?"], chosen: [assistant "4"], rejected: [assistant "5"]
 */
export function splitImplicitConversation(record: ImplicitConversationalPreference): ConversationalPreference {
  const fn = "splitImplicitConversation";
  const { chosen, rejected, ...rest } = parseInput(implicitConversationalPreferenceSchema, record, fn, "record");
  const k = sharedPrefixLength(chosen, rejected, sameMessage);
  if (k === 0) throw new RLError("INVALID_INPUT", `${fn}: chosen and rejected share no leading message (no prompt)`);
  for (const [field, msgs] of [["chosen", chosen], ["rejected", rejected]] as const) {
    if (msgs.length === k) throw new RLError("INVALID_INPUT", `${fn}: ${field} has no messages after the shared prompt`);
  }
  return { ...rest, prompt: chosen.slice(0, k), chosen: chosen.slice(k), rejected: rejected.slice(k) };
}

/**
 * Joins a TRL conversational record into implicit-prompt form (`prompt` prepended to each side).
 */
export function joinImplicitConversation(record: ConversationalPreference): ImplicitConversationalPreference {
  const { prompt, chosen, rejected, ...rest } = parseInput(conversationalPreferenceSchema, record, "joinImplicitConversation", "record");
  return { ...rest, chosen: [...prompt, ...chosen], rejected: [...prompt, ...rejected] };
}

function toChatMessage(m: OpenAiMessage): ChatMessage {
  return { ...m, content: m.content ?? "" };
}

/**
 * OpenAI DPO record → TRL conversational record: `input.messages` becomes the prompt,
 * `preferred_output` / `non_preferred_output` become chosen / rejected. A `null` content (a
 * tool-call-only turn) becomes `""`; extra message keys (`tool_calls`, …) are kept. `input.tools`
 * and other `input` keys are not part of TRL's record and are dropped.
 */
export function openAiDpoToConversational(record: OpenAiDpoRecord): ConversationalPreference {
  const r = parseInput(openAiDpoRecordSchema, record, "openAiDpoToConversational", "record");
  return {
    prompt: r.input.messages.map(toChatMessage),
    chosen: r.preferred_output.map(toChatMessage),
    rejected: r.non_preferred_output.map(toChatMessage),
  };
}

/** Config of {@link conversationalToOpenAiDpo}: optional tool definitions for `input.tools`. */
export const openAiDpoConfig = z.object({
  tools: z.array(z.unknown()).optional(),
});
/** Config of {@link conversationalToOpenAiDpo}. */
export type OpenAiDpoConfig = z.input<typeof openAiDpoConfig>;

function toAssistantOutput(messages: readonly ChatMessage[], fn: string, field: string): OpenAiDpoRecord["preferred_output"] {
  return messages.map((m, i) => {
    if (m.role !== "assistant") {
      throw new RLError("INVALID_INPUT", `${fn}: ${field}.${i}.role: OpenAI DPO outputs must be assistant messages, got "${m.role}"`);
    }
    return { ...m, role: "assistant" as const };
  });
}

/**
 * TRL conversational record → OpenAI DPO JSONL record (`input.messages` = prompt). Every chosen
 * and rejected message must have role `assistant` (`INVALID_INPUT` naming the field otherwise).
 * @example
 * conversationalToOpenAiDpo({
 *   prompt: [{ role: "user", content: "2+2?" }],
 *   chosen: [{ role: "assistant", content: "4" }],
 *   rejected: [{ role: "assistant", content: "5" }],
 * }); // { input: { messages: [...] }, preferred_output: [...], non_preferred_output: [...] }
 */
export function conversationalToOpenAiDpo(record: ConversationalPreference, config: OpenAiDpoConfig = {}): OpenAiDpoRecord {
  const fn = "conversationalToOpenAiDpo";
  const { tools } = parseConfig(openAiDpoConfig, config, fn);
  const r = parseInput(conversationalPreferenceSchema, record, fn, "record");
  return {
    input: tools === undefined ? { messages: r.prompt } : { messages: r.prompt, tools },
    preferred_output: toAssistantOutput(r.chosen, fn, "chosen"),
    non_preferred_output: toAssistantOutput(r.rejected, fn, "rejected"),
  };
}

/**
 * OpenAI DPO record → core {@link PreferencePair} (via {@link openAiDpoToConversational}, then
 * {@link conversationalToPreferencePair} with the same `promptEncoding`).
 */
export function openAiDpoToPreferencePair(record: OpenAiDpoRecord, config: MessageEncodingConfig = {}): PreferencePair {
  parseConfig(messageEncodingConfig, config, "openAiDpoToPreferencePair");
  return conversationalToPreferencePair(openAiDpoToConversational(record), config);
}

/**
 * Core {@link PreferencePair} → OpenAI DPO record: `{ input: { messages: [user prompt] },
 * preferred_output: [assistant chosen], non_preferred_output: [assistant rejected] }`.
 * @example
 * preferencePairToOpenAiDpo({ prompt: "2+2?", chosen: "4", rejected: "5" });
 */
export function preferencePairToOpenAiDpo(pair: PreferencePair, config: MessageEncodingConfig & OpenAiDpoConfig = {}): OpenAiDpoRecord {
  const fn = "preferencePairToOpenAiDpo";
  const { promptEncoding, tools } = parseConfig(messageEncodingConfig.extend(openAiDpoConfig.shape), config, fn);
  const conv = preferencePairToConversational(pair, { promptEncoding });
  return conversationalToOpenAiDpo(conv, tools === undefined ? {} : { tools });
}

/**
 * Core {@link PreferencePair} → two TRL unpaired (KTO, arXiv:2402.01306) records:
 * `{ prompt, completion: chosen, label: true }` and `{ prompt, completion: rejected, label: false }`.
 * Pair them back with `thumbsToPairs` / `ktoToPreferencePairs`.
 * @remarks Mirrors TRL `unpair_preference_dataset` (trl/data_utils.py).
 */
export function preferencePairToKto(pair: PreferencePair): KtoRecord[] {
  const p = parseInput(preferencePairSchema, pair, "preferencePairToKto", "pair");
  return [
    { prompt: p.prompt, completion: p.chosen, label: true },
    { prompt: p.prompt, completion: p.rejected, label: false },
  ];
}

/**
 * TRL conversational unpaired record → text KTO record (prompt: one user message, completion: one
 * assistant message with `promptEncoding: "text"`; `"json"` is lossless).
 * @example
 * conversationalKtoToKto({ prompt: [{ role: "user", content: "2+2?" }], completion: [{ role: "assistant", content: "4" }], label: true });
 * // { prompt: "2+2?", completion: "4", label: true }
 */
export function conversationalKtoToKto(record: ConversationalKtoRecord, config: MessageEncodingConfig = {}): KtoRecord {
  const fn = "conversationalKtoToKto";
  const { promptEncoding } = parseConfig(messageEncodingConfig, config, fn);
  const { prompt, completion, label, ...rest } = parseInput(conversationalKtoRecordSchema, record, fn, "record");
  return {
    ...rest,
    prompt: messagesToText(prompt, "user", promptEncoding, fn, "prompt"),
    completion: messagesToText(completion, "assistant", promptEncoding, fn, "completion"),
    label,
  };
}

/**
 * Text KTO record → TRL conversational unpaired record (inverse of {@link conversationalKtoToKto}).
 */
export function ktoToConversationalKto(record: KtoRecord, config: MessageEncodingConfig = {}): ConversationalKtoRecord {
  const fn = "ktoToConversationalKto";
  const { promptEncoding } = parseConfig(messageEncodingConfig, config, fn);
  const { prompt, completion, label, ...rest } = parseInput(ktoRecordSchema, record, fn, "record");
  return {
    ...rest,
    prompt: textToMessages(prompt, "user", promptEncoding, fn, "prompt"),
    completion: textToMessages(completion, "assistant", promptEncoding, fn, "completion"),
    label,
  };
}

/** Validates a KTO record (see {@link ktoRecordSchema}); re-exported for symmetry. */
export function decodeKtoRecord(record: unknown): KtoRecord {
  return parseInput(ktoRecordSchema, record, "decodeKtoRecord", "record");
}

/**
 * Any paired preference record → core {@link PreferencePair}: detects the format
 * ({@link detectPreferenceFormat}) and converts (implicit records are split first).
 * KTO records are unpaired (`INVALID_INPUT`; use `ktoToPreferencePairs` on a list);
 * unrecognised records are `INVALID_INPUT` too.
 * @example
 * toPreferencePair({ chosen: "Q? yes", rejected: "Q? no" }); // { prompt: "Q?", chosen: " yes", rejected: " no" }
 */
export function toPreferencePair(record: unknown, config: MessageEncodingConfig = {}): PreferencePair {
  const fn = "toPreferencePair";
  parseConfig(messageEncodingConfig, config, fn);
  const format = detectPreferenceFormat(record);
  switch (format) {
    case "standard":
      return standardToPreferencePair(record as StandardPreference);
    case "conversational":
      return conversationalToPreferencePair(record as ConversationalPreference, config);
    case "implicit":
      return standardToPreferencePair(splitImplicitPrompt(record as ImplicitPreference));
    case "implicit-conversational":
      return conversationalToPreferencePair(splitImplicitConversation(record as ImplicitConversationalPreference), config);
    case "openai-dpo":
      return openAiDpoToPreferencePair(record as OpenAiDpoRecord, config);
    case "kto":
    case "kto-conversational":
      throw new RLError("INVALID_INPUT", `${fn}: a KTO record is unpaired; use ktoToPreferencePairs on the whole list`);
    case null:
      throw new RLError("INVALID_INPUT", `${fn}: record matches no known preference format (standard, conversational, implicit, kto, openai-dpo)`);
  }
}

import { z } from "zod";

/**
 * A chat message as TRL's conversational datasets store it: `{ role, content }`.
 * Extra keys (`name`, `tool_calls`, …) are kept.
 */
export const chatMessageSchema = z.looseObject({
  role: z.string().min(1),
  content: z.string(),
});
/** A chat message (see {@link chatMessageSchema}). */
export type ChatMessage = z.output<typeof chatMessageSchema>;

/** A conversation: a non-empty list of {@link ChatMessage}s. */
export const conversationSchema = z.array(chatMessageSchema).min(1);

/**
 * TRL's standard explicit-prompt preference record: `{ prompt, chosen, rejected }` (strings).
 * Optional `margin` and `id` columns are kept (TRL's reward trainer reads `margin`).
 * @example
 * standardPreferenceSchema.parse({ prompt: "2+2?", chosen: " 4", rejected: " 5" });
 */
export const standardPreferenceSchema = z.looseObject({
  prompt: z.string(),
  chosen: z.string(),
  rejected: z.string(),
  margin: z.number().refine(Number.isFinite, { message: "must be a finite number" }).optional(),
  id: z.string().optional(),
});
/** A TRL standard preference record (see {@link standardPreferenceSchema}). */
export type StandardPreference = z.output<typeof standardPreferenceSchema>;

/**
 * TRL's conversational explicit-prompt preference record: `prompt`, `chosen` and `rejected` are
 * lists of `{ role, content }` messages (the prompt ends with the user turn; chosen/rejected are
 * the assistant turns that follow).
 */
export const conversationalPreferenceSchema = z.looseObject({
  prompt: conversationSchema,
  chosen: conversationSchema,
  rejected: conversationSchema,
  margin: z.number().refine(Number.isFinite, { message: "must be a finite number" }).optional(),
  id: z.string().optional(),
});
/** A TRL conversational preference record (see {@link conversationalPreferenceSchema}). */
export type ConversationalPreference = z.output<typeof conversationalPreferenceSchema>;

/**
 * TRL's implicit-prompt preference record (standard text): `{ chosen, rejected }`, each the full
 * text (prompt + response); the prompt is their shared prefix (see `splitImplicitPrompt`).
 */
export const implicitPreferenceSchema = z.looseObject({
  chosen: z.string(),
  rejected: z.string(),
});
/** A TRL implicit-prompt text record (see {@link implicitPreferenceSchema}). */
export type ImplicitPreference = z.output<typeof implicitPreferenceSchema>;

/**
 * TRL's implicit-prompt conversational record: `{ chosen, rejected }`, each a full conversation;
 * the prompt is their shared leading messages.
 */
export const implicitConversationalPreferenceSchema = z.looseObject({
  chosen: conversationSchema,
  rejected: conversationSchema,
});
/** A TRL implicit-prompt conversational record. */
export type ImplicitConversationalPreference = z.output<typeof implicitConversationalPreferenceSchema>;

/**
 * TRL's unpaired preference record, as KTO trains on (arXiv:2402.01306):
 * `{ prompt, completion, label }` where `label: true` marks a desirable completion.
 * @example
 * ktoRecordSchema.parse({ prompt: "2+2?", completion: " 4", label: true });
 */
export const ktoRecordSchema = z.looseObject({
  prompt: z.string(),
  completion: z.string(),
  label: z.boolean(),
});
/** A TRL unpaired (KTO) record (see {@link ktoRecordSchema}). */
export type KtoRecord = z.output<typeof ktoRecordSchema>;

/**
 * TRL's conversational unpaired record: `{ prompt: msg[], completion: msg[], label }`.
 */
export const conversationalKtoRecordSchema = z.looseObject({
  prompt: conversationSchema,
  completion: conversationSchema,
  label: z.boolean(),
});
/** A TRL conversational unpaired (KTO) record (see {@link conversationalKtoRecordSchema}). */
export type ConversationalKtoRecord = z.output<typeof conversationalKtoRecordSchema>;

/**
 * An OpenAI chat message as the DPO fine-tuning format stores it: `role`, `content` (a string,
 * or `null` on an assistant turn that only calls tools) and any extra keys (`tool_calls`, `name`).
 */
export const openAiMessageSchema = z.looseObject({
  role: z.string().min(1),
  content: z.string().nullable().optional(),
});
/** An OpenAI chat message (see {@link openAiMessageSchema}). */
export type OpenAiMessage = z.output<typeof openAiMessageSchema>;

const assistantOutput = z
  .array(openAiMessageSchema.extend({ role: z.literal("assistant") }))
  .min(1);

/**
 * One line of OpenAI's preference (DPO) fine-tuning JSONL, also accepted by Together and
 * Fireworks: `{ input: { messages, tools?, parallel_tool_calls? }, preferred_output: [assistant
 * message], non_preferred_output: [assistant message] }`.
 * @example
 * openAiDpoRecordSchema.parse({
 *   input: { messages: [{ role: "user", content: "2+2?" }] },
 *   preferred_output: [{ role: "assistant", content: "4" }],
 *   non_preferred_output: [{ role: "assistant", content: "5" }],
 * });
 */
export const openAiDpoRecordSchema = z.looseObject({
  input: z.looseObject({
    messages: z.array(openAiMessageSchema).min(1),
    tools: z.array(z.unknown()).optional(),
  }),
  preferred_output: assistantOutput,
  non_preferred_output: assistantOutput,
});
/** One OpenAI DPO JSONL record (see {@link openAiDpoRecordSchema}). */
export type OpenAiDpoRecord = z.output<typeof openAiDpoRecordSchema>;

/** The preference formats {@link detectPreferenceFormat} recognises. */
export const preferenceFormats = [
  "standard",
  "conversational",
  "implicit",
  "implicit-conversational",
  "kto",
  "kto-conversational",
  "openai-dpo",
] as const;
/** A preference record format name. */
export type PreferenceFormat = (typeof preferenceFormats)[number];

/** The schema of each {@link PreferenceFormat}. */
export const preferenceFormatSchemas = {
  standard: standardPreferenceSchema,
  conversational: conversationalPreferenceSchema,
  implicit: implicitPreferenceSchema,
  "implicit-conversational": implicitConversationalPreferenceSchema,
  kto: ktoRecordSchema,
  "kto-conversational": conversationalKtoRecordSchema,
  "openai-dpo": openAiDpoRecordSchema,
} as const;

/**
 * Which preference format a record is in, or `null` when it matches none. The record must
 * validate against that format's schema; the most specific match wins (a record with `prompt`,
 * `chosen` and `rejected` is explicit-prompt, not implicit).
 * @example
 * detectPreferenceFormat({ prompt: "2+2?", chosen: "4", rejected: "5" }); // "standard"
 * detectPreferenceFormat({ chosen: "Q: 2+2? A: 4", rejected: "Q: 2+2? A: 5" }); // "implicit"
 * detectPreferenceFormat({ prompt: "2+2?", completion: "4", label: true }); // "kto"
 */
export function detectPreferenceFormat(record: unknown): PreferenceFormat | null {
  if (typeof record !== "object" || record === null || Array.isArray(record)) return null;
  const r = record as Record<string, unknown>;
  if ("input" in r && "preferred_output" in r) {
    return openAiDpoRecordSchema.safeParse(r).success ? "openai-dpo" : null;
  }
  if ("completion" in r && "label" in r) {
    if (ktoRecordSchema.safeParse(r).success) return "kto";
    return conversationalKtoRecordSchema.safeParse(r).success ? "kto-conversational" : null;
  }
  if ("prompt" in r) {
    if (standardPreferenceSchema.safeParse(r).success) return "standard";
    if (conversationalPreferenceSchema.safeParse(r).success) return "conversational";
    return null;
  }
  if (implicitPreferenceSchema.safeParse(r).success) return "implicit";
  if (implicitConversationalPreferenceSchema.safeParse(r).success) return "implicit-conversational";
  return null;
}

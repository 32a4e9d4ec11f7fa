/**
 * The `@rl/core/data` entry point: schemas for chat, preference and KTO datasets
 * (standard, conversational, implicit and OpenAI formats), and the batch builders that tokenize,
 * truncate (TRL's rules) and pad them for a model.
 * @module @rl/core/data
 */
export {
  chatMessageSchema,
  conversationSchema,
  standardPreferenceSchema,
  conversationalPreferenceSchema,
  implicitPreferenceSchema,
  implicitConversationalPreferenceSchema,
  ktoRecordSchema,
  conversationalKtoRecordSchema,
  openAiMessageSchema,
  openAiDpoRecordSchema,
  preferenceFormats,
  preferenceFormatSchemas,
  detectPreferenceFormat,
  type ChatMessage,
  type StandardPreference,
  type ConversationalPreference,
  type ImplicitPreference,
  type ImplicitConversationalPreference,
  type KtoRecord,
  type ConversationalKtoRecord,
  type OpenAiMessage,
  type OpenAiDpoRecord,
  type PreferenceFormat,
} from "./preference-formats.js";
export {
  messageEncodingConfig,
  openAiDpoConfig,
  standardToPreferencePair,
  preferencePairToStandard,
  conversationalToPreferencePair,
  preferencePairToConversational,
  splitImplicitPrompt,
  joinImplicitPrompt,
  splitImplicitConversation,
  joinImplicitConversation,
  openAiDpoToConversational,
  conversationalToOpenAiDpo,
  openAiDpoToPreferencePair,
  preferencePairToOpenAiDpo,
  preferencePairToKto,
  decodeKtoRecord,
  conversationalKtoToKto,
  ktoToConversationalKto,
  toPreferencePair,
  type MessageEncodingConfig,
  type OpenAiDpoConfig,
} from "./preference-convert.js";
export {
  thumbRatingSchema,
  starRatingSchema,
  draftGroupSchema,
  ratingPairsConfig,
  thumbsToPairs,
  ktoToPreferencePairs,
  starsToPairs,
  draftsToPairs,
  type ThumbRating,
  type StarRating,
  type DraftGroup,
  type RatingPairsConfig,
  type RatingTie,
  type RatingPairsResult,
} from "./rating-pairs.js";
export {
  readJsonlConfig,
  readJsonl,
  readJsonlAll,
  parseJsonlLine,
  type JsonlSource,
  type ReadJsonlConfig,
  type JsonlLineError,
  type JsonlReader,
} from "./jsonl-reader.js";
export { jsonlWriterConfig, openJsonlWriter, toJsonlLine, type JsonlWriterConfig, type JsonlWriter } from "./jsonl-writer.js";
export { writeFileAtomic, writeJsonlAtomic, type AtomicWriteData } from "./atomic-write.js";
export { readParquetConfig, readParquet, type ParquetSource, type ReadParquetConfig } from "./parquet.js";
export { truncationConfig, truncateRow, type TruncationConfig, type TruncatedRow, type SequenceBatch } from "../batch/sequence-batch.js";
export {
  preferenceBatch,
  preferenceBatchConfig,
  type PreferenceBatchConfig,
  type PreferenceBatch,
  type PreferenceRow,
  type TokenizedPreference,
} from "../batch/preference-batch.js";
export { ktoBatch, ktoBatchConfig, type KtoBatchConfig, type KtoBatch, type KtoRow } from "../batch/kto-batch.js";
export { promptCompletionBatch, type PromptCompletionRow } from "../batch/prompt-completion-batch.js";

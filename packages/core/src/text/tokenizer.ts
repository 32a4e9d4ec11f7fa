/** A chat message as a chat template reads it (`role`, `content`, and any extra keys the template uses). */
export interface TemplateMessage {
  readonly role: string;
  readonly content: string;
  readonly [key: string]: unknown;
}

/** Options of {@link Tokenizer.applyChatTemplate}. */
export interface ApplyChatTemplateOptions {
  /** Append the template's opening of an assistant turn (TRL / transformers `add_generation_prompt`). Default false. */
  readonly addGenerationPrompt?: boolean;
}

/**
 * What every `@rl` text function needs from a tokenizer. `@rl/core/tokenizers` adapts
 * `@huggingface/tokenizers` + `@huggingface/jinja` to it; any object with these members works
 * (a character table in a test, a SentencePiece binding, …).
 *
 * Contract, as TRL calls transformers (`tokenizer(text, add_special_tokens=False)`):
 * - `encode(text)` adds **no** special tokens (no BOS/EOS): chat templates write their own.
 * - `decode(ids)` is the inverse on ids that `encode` produced (`decode(encode(x)) === x` for
 *   byte-level BPE tokenizers); special tokens are written out unless `skipSpecialTokens`.
 * - `eosTokenId` ends a completion (TRL appends it to every completion); `padTokenId` pads
 *   (default `eosTokenId` when null, as TRL does).
 * - `applyChatTemplate(messages)` renders a conversation to text with the model's own template.
 */
export interface Tokenizer {
  encode(text: string): number[];
  decode(ids: readonly number[], options?: { readonly skipSpecialTokens?: boolean }): string;
  readonly eosTokenId: number | null;
  readonly bosTokenId: number | null;
  readonly padTokenId: number | null;
  /** Vocabulary size (ids are in `[0, vocabSize)`). */
  readonly vocabSize: number;
  /** Renders a conversation with the model's chat template; absent when the tokenizer has none. */
  applyChatTemplate?(messages: readonly TemplateMessage[], options?: ApplyChatTemplateOptions): string;
}

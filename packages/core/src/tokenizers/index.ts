/**
 * The `@rl/core/tokenizers` entry point: the {@link Tokenizer} interface over Hugging Face
 * tokenizers (`@huggingface/tokenizers`) and chat templates (`@huggingface/jinja`), both optional
 * peer dependencies of `@rl/core` that only this subpath loads.
 * @module @rl/core/tokenizers
 */
export { huggingFaceTokenizer, loadHuggingFaceTokenizer, type HuggingFaceTokenizerFiles, type HuggingFaceTokenizerOptions } from "./huggingface.js";
export type { Tokenizer, TemplateMessage, ApplyChatTemplateOptions } from "../text/tokenizer.js";

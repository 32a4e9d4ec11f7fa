import { RLError } from "../errors.js";
import { describeValue } from "../validate.js";
import { parseInput } from "../config.js";
import { z } from "zod";

/**
 * What a server's per-token log-probs mean.
 *
 * - `kind: "raw"`: `log softmax(z)` of the model's logits `z` over the full vocabulary, before
 *   temperature, top-p / top-k or penalties (vLLM's default `--logprobs-mode raw_logprobs`;
 *   llama.cpp's `logprob` fields, "no sampling method is applied", ggml-org/llama.cpp#10783).
 * - `kind: "processed"`: the log-prob of the distribution actually sampled from, after dividing
 *   the logits by `temperature` and, when `topP < 1` or `topK > 0`, after truncating and
 *   renormalising (vLLM `--logprobs-mode processed_logprobs`; llama.cpp `post_sampling_probs`).
 *
 * `temperature` is the sampling temperature of the request (recorded for both kinds);
 * `topP = 1` and `topK = 0` mean "no truncation".
 */
export const logProbSemanticsSchema = z.object({
  kind: z.enum(["raw", "processed"]),
  temperature: z.number().positive(),
  topP: z.number().gt(0).max(1).default(1),
  topK: z.number().int().nonnegative().default(0),
});
/** Log-prob semantics (see {@link logProbSemanticsSchema}). */
export type LogProbSemantics = z.output<typeof logProbSemanticsSchema>;
/** Log-prob semantics as the caller writes them (`topP`, `topK` optional). */
export type LogProbSemanticsInput = z.input<typeof logProbSemanticsSchema>;

/** One alternative at a token position (an entry of `top_logprobs`). */
export interface TokenAlternative {
  /** Token id, when the server says it (vLLM `token_id:N`, llama.cpp `id`), else `null`. */
  readonly id: number | null;
  /** Token text (`null` when the server only gave an id). */
  readonly text: string | null;
  readonly logProb: number;
}

/** One sampled token with its log-prob. */
export interface SampledToken extends TokenAlternative {
  /** UTF-8 bytes of the token when the server sent them. */
  readonly bytes: readonly number[] | null;
  /** The alternatives the server returned at this position (may be empty). */
  readonly topLogProbs: readonly TokenAlternative[];
}

/** One sampled sequence (one `choice`, or one llama.cpp completion). */
export interface SampledSequence {
  /** The choice's `index` (0 for llama.cpp). */
  readonly index: number;
  /** The decoded text (`message.content` / `content`), `""` when absent. */
  readonly text: string;
  readonly tokens: readonly SampledToken[];
  readonly finishReason: string | null;
}

/**
 * The token batch a parser returns: the sampled sequences of one request and the semantics of
 * their log-probs (one semantics per batch: one request has one temperature).
 */
export interface LogProbBatch {
  readonly sequences: readonly SampledSequence[];
  readonly semantics: LogProbSemantics;
}

/**
 * Whether two semantics describe the same distribution, so log-probs under them can be compared.
 * Raw log-probs equal processed log-probs at temperature 1 without truncation, so
 * `{raw, τ}` matches `{processed, 1, topP 1, topK 0}`; otherwise kind, temperature (to 1e-9),
 * topP and topK must match.
 * @example
 * sameLogProbSemantics({ kind: "raw", temperature: 0.7 }, { kind: "processed", temperature: 1 }); // true
 */
export function sameLogProbSemantics(a: LogProbSemanticsInput, b: LogProbSemanticsInput): boolean {
  const x = canonical(parseInput(logProbSemanticsSchema, a, "sameLogProbSemantics", "a"));
  const y = canonical(parseInput(logProbSemanticsSchema, b, "sameLogProbSemantics", "b"));
  return x.kind === y.kind && Math.abs(x.temperature - y.temperature) <= 1e-9 && x.topP === y.topP && x.topK === y.topK;
}

/** The distribution a semantics denotes: raw ≡ processed at τ = 1 without truncation. */
function canonical(s: LogProbSemantics): LogProbSemantics {
  if (s.kind === "raw") return { kind: "processed", temperature: 1, topP: 1, topK: 0 };
  return s;
}

/** Human-readable semantics for error messages: `processed(τ=0.7, topP=0.9, topK=0)`. */
export function describeSemantics(s: LogProbSemantics): string {
  s = parseInput(logProbSemanticsSchema, s, "describeSemantics", "semantics");
  return s.kind === "raw" ? `raw(τ=${s.temperature})` : `processed(τ=${s.temperature}, topP=${s.topP}, topK=${s.topK})`;
}

/** vLLM's `--return-tokens-as-token-ids` renders a token as `token_id:1234`; returns 1234 or null. */
export function tokenIdFromText(token: string): number | null {
  if (typeof token !== "string") throw new RLError("INVALID_INPUT", `tokenIdFromText: token must be a string, got ${describeValue(token)}`);
  const m = /^token_id:(\d+)$/.exec(token);
  return m?.[1] === undefined ? null : Number(m[1]);
}

import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError, formatIssues } from "../errors.js";
import type { LogProbBatch, SampledToken, TokenAlternative } from "./log-prob-batch.js";

import { logProbValueSchema as logProbValue } from "../schemas/data.js";

const prob = z.number().min(0).max(1);
const bytes = z.array(z.number().int()).nullish();
const id = z.number().int().nonnegative();

/** Current llama.cpp, default (`post_sampling_probs: false`): pre-sampling log-probs with ids. */
const logprobEntry = z.object({
  id,
  token: z.string(),
  logprob: logProbValue,
  bytes,
  top_logprobs: z.array(z.object({ id, token: z.string(), logprob: logProbValue, bytes })).default([]),
});
/** Current llama.cpp with `post_sampling_probs: true`: probabilities after the sampler chain. */
const probEntry = z.object({
  id,
  token: z.string(),
  prob,
  bytes,
  top_probs: z.array(z.object({ id, token: z.string(), prob, bytes })).default([]),
});
/** Older llama.cpp (README of early 2024): `{ content, probs: [{ tok_str, prob }] }`. */
const legacyEntry = z.object({
  content: z.string(),
  probs: z.array(z.object({ tok_str: z.string(), prob })),
});

/**
 * The part of a llama.cpp server `/completion` response the parser reads: `content` and
 * `completion_probabilities` (requested with `n_probs > 0`) in any of its three documented shapes.
 */
export const llamaCppCompletionSchema = z.object({
  content: z.string().default(""),
  stop_type: z.string().nullish(),
  completion_probabilities: z.array(z.union([logprobEntry, probEntry, legacyEntry])),
});

/**
 * Config of {@link parseLlamaCppCompletion}: the request's sampling settings. `temperature` is
 * required; `topP` / `topK` default to llama.cpp's server defaults (0.95 / 40).
 */
export const llamaCppLogProbsConfig = z.object({
  temperature: z.number().positive(),
  topP: z.number().gt(0).max(1).default(0.95),
  topK: z.number().int().nonnegative().default(40),
});
export type LlamaCppLogProbsConfig = z.input<typeof llamaCppLogProbsConfig>;

/**
 * Parses a llama.cpp server `/completion` response into a one-sequence {@link LogProbBatch}.
 * The semantics follow the shape, not the caller:
 *
 * - `{ id, token, logprob, bytes, top_logprobs }` (default) → `kind: "raw"` (pre-sampling,
 *   "no sampling method is applied", ggml-org/llama.cpp#10783);
 * - `{ id, token, prob, bytes, top_probs }` (`post_sampling_probs: true`) → `kind: "processed"`,
 *   `logProb = log(prob)`;
 * - legacy `{ content, probs: [{ tok_str, prob }] }` → `kind: "processed"` (the old README: "the
 *   probabilities of top N tokens ... given the sampling settings"), no token ids; the sampled
 *   token's prob is the `probs` entry whose `tok_str` equals `content`.
 *
 * Errors (`RLError("PARSE")`, naming the field): a shape that matches none of these, shapes mixed
 * within one response, a sampled probability of 0 (log-prob −∞), a legacy entry whose sampled
 * token is not among its `probs`.
 *
 * @example
 * const json = { completion_probabilities: [{ id: 19, token: "4", logprob: -0.25, bytes: [52], top_logprobs: [] }] };
 * parseLlamaCppCompletion(json, { temperature: 0.8 }).sequences[0]?.tokens[0]?.logProb; // -0.25
 */
export function parseLlamaCppCompletion(response: unknown, config: LlamaCppLogProbsConfig): LogProbBatch {
  const fn = "parseLlamaCppCompletion";
  const { temperature, topP, topK } = parseConfig(llamaCppLogProbsConfig, config, fn);
  const parsed = llamaCppCompletionSchema.safeParse(response);
  if (!parsed.success) {
    throw new RLError("PARSE", `${fn}: invalid response: ${formatIssues(parsed.error.issues)}`, { issues: parsed.error.issues });
  }
  const entries = parsed.data.completion_probabilities;
  const shapes = new Set(entries.map(shapeOf));
  if (shapes.size > 1) throw new RLError("PARSE", `${fn}: completion_probabilities mixes shapes (${[...shapes].join(", ")})`);
  const kind = shapes.has("logprob") || shapes.size === 0 ? "raw" : "processed";
  const logOf = (p: number, t: number, field: string): number => {
    if (p <= 0) throw new RLError("PARSE", `${fn}: completion_probabilities.${t}.${field} is 0; its log-prob is -Infinity`);
    return Math.log(p);
  };
  const tokens = entries.map((e, t): SampledToken => {
    if ("logprob" in e) {
      return { id: e.id, text: e.token, logProb: e.logprob, bytes: e.bytes ?? null, topLogProbs: e.top_logprobs.map((a) => ({ id: a.id, text: a.token, logProb: a.logprob })) };
    }
    if ("prob" in e) {
      const top: TokenAlternative[] = e.top_probs.filter((a) => a.prob > 0).map((a) => ({ id: a.id, text: a.token, logProb: Math.log(a.prob) }));
      return { id: e.id, text: e.token, logProb: logOf(e.prob, t, "prob"), bytes: e.bytes ?? null, topLogProbs: top };
    }
    const own = e.probs.find((p) => p.tok_str === e.content);
    if (own === undefined) {
      throw new RLError("PARSE", `${fn}: completion_probabilities.${t}.probs has no entry for the sampled token ${JSON.stringify(e.content)}`);
    }
    return {
      id: null,
      text: e.content,
      logProb: logOf(own.prob, t, "probs"),
      bytes: null,
      topLogProbs: e.probs.filter((p) => p.prob > 0).map((p) => ({ id: null, text: p.tok_str, logProb: Math.log(p.prob) })),
    };
  });
  return {
    sequences: [{ index: 0, text: parsed.data.content, tokens, finishReason: parsed.data.stop_type ?? null }],
    semantics: { kind, temperature, topP, topK },
  };
}

function shapeOf(e: object): "logprob" | "prob" | "legacy" {
  return "logprob" in e ? "logprob" : "prob" in e ? "prob" : "legacy";
}

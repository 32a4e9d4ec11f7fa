import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError, formatIssues } from "../errors.js";
import {
  logProbSemanticsSchema,
  tokenIdFromText,
  type LogProbBatch,
  type SampledSequence,
  type SampledToken,
  type TokenAlternative,
} from "./log-prob-batch.js";

import { logProbValueSchema as logProbValue } from "../schemas/data.js";

const tokenId = z.number().int().nonnegative();

const topLogProbSchema = z.object({
  token: z.string(),
  logprob: logProbValue,
  bytes: z.array(z.number().int()).nullish(),
  id: tokenId.optional(),
});

const contentLogProbSchema = z.object({
  token: z.string(),
  logprob: logProbValue,
  bytes: z.array(z.number().int()).nullish(),
  top_logprobs: z.array(topLogProbSchema).nullish(),
  /** llama.cpp's OpenAI-compatible output adds the token id. */
  id: tokenId.optional(),
});

/**
 * The part of an OpenAI chat-completion response the parser reads (unknown fields are ignored):
 * `choices[].logprobs.content[] = { token, logprob, bytes, top_logprobs[] }` (OpenAI API
 * reference, `ChatCompletionTokenLogprob`), vLLM's `choices[].token_ids` (`return_token_ids`)
 * and llama.cpp's per-entry `id`.
 */
export const chatCompletionResponseSchema = z.object({
  choices: z
    .array(
      z.object({
        index: z.number().int().nonnegative(),
        message: z.object({ content: z.string().nullish() }).nullish(),
        finish_reason: z.string().nullish(),
        logprobs: z.object({ content: z.array(contentLogProbSchema).nullable() }).nullable(),
        token_ids: z.array(tokenId).nullish(),
      }),
    )
    .min(1),
});

/**
 * Config of {@link parseChatCompletionLogProbs}: the semantics of the server's log-probs, which
 * the response does not carry. `kind` defaults to `"raw"` (vLLM's default `raw_logprobs`,
 * llama.cpp's pre-sampling log-probs); `temperature` is required (the request's temperature).
 */
export const chatLogProbsConfig = logProbSemanticsSchema.extend({
  kind: z.enum(["raw", "processed"]).default("raw"),
});
export type ChatLogProbsConfig = z.input<typeof chatLogProbsConfig>;

/** OpenAI's "not in the top 20" sentinel for a log-prob (API reference of `top_logprobs`). */
export const OPENAI_UNLIKELY_LOGPROB = -9999;

/**
 * Parses an OpenAI-compatible chat-completion response with `logprobs: true` into a
 * {@link LogProbBatch}: one sequence per choice, one token per `logprobs.content[]` entry.
 *
 * Token ids, when present, come from (first match wins) the entry's `id` (llama.cpp), a token
 * rendered as `token_id:N` (vLLM `--return-tokens-as-token-ids`), or `choices[].token_ids`
 * (vLLM `return_token_ids: true`); otherwise `id` is `null` and only the text is known.
 *
 * Errors (`RLError("PARSE")`, naming the field): a body that does not match the shape,
 * `logprobs` or `logprobs.content` null (the request did not ask for log-probs),
 * `token_ids` whose length differs from `content`, and a sampled token whose log-prob is
 * OpenAI's `-9999` sentinel ("not in the top 20", not a log-prob).
 *
 * @example
 * const json = { choices: [{ index: 0, logprobs: { content: [{ token: "4", logprob: -0.31725305 }] } }] };
 * const batch = parseChatCompletionLogProbs(json, { temperature: 1 });
 * batch.sequences[0]?.tokens.map((t) => t.logProb); // [-0.31725305, ...]
 */
export function parseChatCompletionLogProbs(response: unknown, config: ChatLogProbsConfig): LogProbBatch {
  const fn = "parseChatCompletionLogProbs";
  const semantics = parseConfig(chatLogProbsConfig, config, fn);
  const parsed = chatCompletionResponseSchema.safeParse(response);
  if (!parsed.success) {
    throw new RLError("PARSE", `${fn}: invalid response: ${formatIssues(parsed.error.issues)}`, { issues: parsed.error.issues });
  }
  const sequences = parsed.data.choices.map((choice, c): SampledSequence => {
    const content = choice.logprobs?.content;
    if (content === null || content === undefined) {
      throw new RLError("PARSE", `${fn}: choices.${c}.logprobs${choice.logprobs === null ? "" : ".content"} is null; request with logprobs: true`);
    }
    const ids = choice.token_ids ?? null;
    if (ids !== null && ids.length !== content.length) {
      throw new RLError("PARSE", `${fn}: choices.${c}.token_ids has ${ids.length} entries, logprobs.content has ${content.length}`);
    }
    const tokens = content.map((e, t): SampledToken => {
      if (e.logprob <= OPENAI_UNLIKELY_LOGPROB) {
        throw new RLError(
          "PARSE",
          `${fn}: choices.${c}.logprobs.content.${t}.logprob is ${e.logprob}, OpenAI's "not in the top 20" sentinel, not a log-prob`,
        );
      }
      return {
        id: e.id ?? tokenIdFromText(e.token) ?? ids?.[t] ?? null,
        text: tokenIdFromText(e.token) === null ? e.token : null,
        logProb: e.logprob,
        bytes: e.bytes ?? null,
        topLogProbs: (e.top_logprobs ?? []).map(alternative),
      };
    });
    return { index: choice.index, text: choice.message?.content ?? "", tokens, finishReason: choice.finish_reason ?? null };
  });
  return { sequences, semantics };
}

function alternative(e: z.output<typeof topLogProbSchema>): TokenAlternative {
  const fromText = tokenIdFromText(e.token);
  return { id: e.id ?? fromText, text: fromText === null ? e.token : null, logProb: e.logprob };
}

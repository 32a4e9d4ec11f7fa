import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError, formatIssues } from "../errors.js";

const positionSchema = z
  .record(
    z.string().regex(/^\d+$/, { message: "keys are token ids" }),
    z.object({
      logprob: z.number().refine((x) => !Number.isNaN(x), { message: "is NaN" }),
      rank: z.number().int().nullish(),
      decoded_token: z.string().nullish(),
    }),
  )
  .nullable();

/**
 * vLLM's prompt log-probs: `prompt_logprobs[i]` is `null` at position 0 (nothing to condition on)
 * and otherwise a map `{ "<token id>": { logprob, rank, decoded_token } }` holding the top-k
 * and always the prompt's own token (appended with rank > k when outside the top-k). On the chat
 * endpoint it sits at the top level of the response, on `/v1/completions` on each choice.
 */
export const vllmPromptLogProbsResponseSchema = z.object({
  prompt_logprobs: z.array(positionSchema).nullish(),
  prompt_token_ids: z.array(z.number().int().nonnegative()).nullish(),
  choices: z.array(z.object({ prompt_logprobs: z.array(positionSchema).nullish() })).optional(),
});

/** Config of {@link parseVllmPromptLogProbs}: the prompt's token ids, when the response lacks them. */
export const vllmPromptLogProbsConfig = z.object({
  promptTokenIds: z.array(z.number().int().nonnegative()).optional(),
});
export type VllmPromptLogProbsConfig = z.input<typeof vllmPromptLogProbsConfig>;

/** The prompt's token ids and each token's log-prob (`null` at position 0). */
export interface PromptLogProbs {
  readonly tokenIds: readonly number[];
  readonly logProbs: readonly (number | null)[];
}

/**
 * Reads vLLM's `prompt_logprobs` (request extension `prompt_logprobs: k`): the log-prob of each
 * prompt token under the model — the reference log-probs of a prompt without a second forward
 * pass. The prompt's own token at position i is found from the prompt token ids (the response's
 * `prompt_token_ids`, vLLM `return_token_ids: true`, else `config.promptTokenIds`); without ids
 * only `prompt_logprobs: 0` (one entry per position) is unambiguous.
 *
 * Errors (`RLError("PARSE")`): no `prompt_logprobs` in the response; ids whose length differs;
 * a position whose map lacks the prompt token; an ambiguous position without ids.
 *
 * @example
 * parseVllmPromptLogProbs({ prompt_token_ids: [791, 6864], prompt_logprobs: [null, { "6864": { logprob: -2.5, rank: 3 } }] });
 * // { tokenIds: [791, 6864], logProbs: [null, -2.5] }
 */
export function parseVllmPromptLogProbs(response: unknown, config: VllmPromptLogProbsConfig = {}): PromptLogProbs {
  const fn = "parseVllmPromptLogProbs";
  const { promptTokenIds } = parseConfig(vllmPromptLogProbsConfig, config, fn);
  const parsed = vllmPromptLogProbsResponseSchema.safeParse(response);
  if (!parsed.success) {
    throw new RLError("PARSE", `${fn}: invalid response: ${formatIssues(parsed.error.issues)}`, { issues: parsed.error.issues });
  }
  const positions = parsed.data.prompt_logprobs ?? parsed.data.choices?.[0]?.prompt_logprobs;
  if (positions === null || positions === undefined) {
    throw new RLError("PARSE", `${fn}: response has no prompt_logprobs; request with prompt_logprobs: 0 (or k)`);
  }
  const ids = parsed.data.prompt_token_ids ?? promptTokenIds ?? null;
  if (ids !== null && ids.length !== positions.length) {
    throw new RLError("PARSE", `${fn}: prompt_token_ids has ${ids.length} entries, prompt_logprobs has ${positions.length}`);
  }
  const tokenIds: number[] = [];
  const logProbs: (number | null)[] = [];
  positions.forEach((pos, i) => {
    const known = ids?.[i];
    if (pos === null) {
      if (known === undefined) throw new RLError("PARSE", `${fn}: prompt_logprobs.${i} is null and no prompt token id is given for it`);
      tokenIds.push(known);
      logProbs.push(null);
      return;
    }
    const keys = Object.keys(pos);
    const key = known !== undefined ? String(known) : keys.length === 1 ? keys[0] : undefined;
    if (key === undefined) {
      throw new RLError("PARSE", `${fn}: prompt_logprobs.${i} has ${keys.length} candidates and no prompt token id says which is the prompt's`);
    }
    const entry = pos[key];
    if (entry === undefined) throw new RLError("PARSE", `${fn}: prompt_logprobs.${i} has no entry for prompt token ${key}`);
    tokenIds.push(Number(key));
    logProbs.push(entry.logprob);
  });
  return { tokenIds, logProbs };
}

import { z } from "zod";
import { parseConfig, parseInput } from "../config.js";
import { RLError } from "../errors.js";
import { rolloutGroupSchema, type RolloutGroup } from "../schemas/data.js";
import type { LogProbBatch } from "./log-prob-batch.js";

const finite = z.number().refine(Number.isFinite, { message: "must be a finite number" });

/**
 * Config of {@link toRolloutGroup}: the prompt's id (and optionally text / token ids) and one
 * reward per sequence (`null` = "no signal", the default; never coerced to 0).
 */
export const toRolloutGroupConfig = z.object({
  promptId: z.string(),
  prompt: z.string().optional(),
  promptTokenIds: z.array(z.number().int().nonnegative()).optional(),
  rewards: z.array(finite.nullable()).optional(),
});
export type ToRolloutGroupConfig = z.input<typeof toRolloutGroupConfig>;

/**
 * Turns a parsed {@link LogProbBatch} (the `n` samples of one prompt) into core's
 * {@link RolloutGroup}, the unit of group credit in `@rl/credit`: per sequence the token ids, the
 * behaviour log-probs and the text; `reward` from `config.rewards` (default `null`).
 *
 * A RolloutGroup needs token ids: a token whose id the server did not return is an
 * `RLError("INVALID_INPUT")` naming the sequence and token (ask vLLM for
 * `--return-tokens-as-token-ids` or `return_token_ids: true`; llama.cpp sends ids). An empty
 * batch (no sequences) is an error too (a group has at least one response).
 *
 * @example
 * const group = toRolloutGroup(batch, { promptId: "q1", rewards: [1, 0] });
 * group.responses[0]?.logProbs; // the sampler's log-probs, ready for importanceLogRatios
 */
export function toRolloutGroup(batch: LogProbBatch, config: ToRolloutGroupConfig): RolloutGroup {
  const fn = "toRolloutGroup";
  const { promptId, prompt, promptTokenIds, rewards } = parseConfig(toRolloutGroupConfig, config, fn);
  if (typeof batch !== "object" || batch === null || !Array.isArray((batch as { sequences?: unknown }).sequences)) {
    throw new RLError("INVALID_INPUT", `${fn}: batch must be a LogProbBatch ({ sequences, semantics })`);
  }
  if (batch.sequences.length === 0) throw new RLError("INVALID_INPUT", `${fn}: batch has no sequences`);
  if (rewards !== undefined && rewards.length !== batch.sequences.length) {
    throw new RLError("INVALID_INPUT", `${fn}: rewards has ${rewards.length} entries, batch has ${batch.sequences.length} sequences`);
  }
  const responses = batch.sequences.map((seq, s) => {
    if (typeof seq !== "object" || seq === null || !Array.isArray(seq.tokens)) throw new RLError("INVALID_INPUT", `${fn}: batch.sequences[${s}] must be { tokens: [...] , … }`);
    const tokenIds = seq.tokens.map((tok, t) => {
      if (tok.id === null) {
        throw new RLError(
          "INVALID_INPUT",
          `${fn}: sequences.${s}.tokens.${t} (${JSON.stringify(tok.text)}) has no token id; ask the server for ids (vLLM --return-tokens-as-token-ids or return_token_ids: true)`,
        );
      }
      return tok.id;
    });
    return { tokenIds, logProbs: seq.tokens.map((tok) => tok.logProb), text: seq.text, finishReason: seq.finishReason, reward: rewards?.[s] ?? null };
  });
  const group = {
    promptId,
    ...(prompt !== undefined ? { prompt } : {}),
    ...(promptTokenIds !== undefined ? { promptTokenIds } : {}),
    responses,
  };
  return parseInput(rolloutGroupSchema, group, fn, "batch (as a rollout group)");
}

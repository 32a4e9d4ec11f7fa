import { z } from "zod";
import { RLError, describeValue, parseInput } from "@rl/core/arrays";
import type { RewardItem } from "./composition.js";

function checkMaxBatch(maxBatch: unknown, fn: string): void {
  if (typeof maxBatch !== "number" || !Number.isInteger(maxBatch) || maxBatch < 1) {
    throw new RLError("INVALID_INPUT", `${fn}: maxBatch must be a positive integer, got ${describeValue(maxBatch)}`);
  }
}

/** A label or verl `ground_truth`: a string, or any JSON value (sent to the reward JSON-encoded). */
const labelValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);

/**
 * The body of `POST /get_reward`, OpenRLHF's remote reward model protocol as its client
 * (`openrlhf/utils/remote_rm_utils.py`) sends it: `query` (prompt + response, chat template
 * applied), and optionally `prompts` and `labels` of the same length. Unknown keys (some forks send
 * `datasources`) are ignored.
 */
export function getRewardRequest(maxBatch: number) {
  checkMaxBatch(maxBatch, "getRewardRequest");
  return z
    .object({
      query: z.array(z.string()).max(maxBatch, { message: `more than ${maxBatch} items (maxBatch); split the batch` }),
      prompts: z.array(z.string()).nullish(),
      labels: z.array(labelValue).nullish(),
    })
    .superRefine((body, ctx) => {
      for (const key of ["prompts", "labels"] as const) {
        const xs = body[key];
        if (xs != null && xs.length !== body.query.length) {
          ctx.addIssue({ code: "custom", path: [key], message: `${key} has ${xs.length} entries, query has ${body.query.length}` });
        }
      }
    });
}
/** The parsed body of `POST /get_reward`. */
export type GetRewardRequest = z.output<ReturnType<typeof getRewardRequest>>;

/** One verl reward call: the arguments of verl's `compute_score(data_source, solution_str, ground_truth, extra_info)`. */
export const computeScoreItem = z.object({
  data_source: z.string().nullish(),
  solution_str: z.string(),
  ground_truth: labelValue.optional(),
  extra_info: z.record(z.string(), z.unknown()).nullish(),
});

/** The body of `POST /compute_score`: a batch of verl reward calls, optionally naming the reward. */
export function computeScoreRequest(maxBatch: number) {
  checkMaxBatch(maxBatch, "computeScoreRequest");
  return z.object({
    items: z.array(computeScoreItem).max(maxBatch, { message: `more than ${maxBatch} items (maxBatch); split the batch` }),
    reward: z.string().optional(),
  });
}
/** The parsed body of `POST /compute_score`. */
export type ComputeScoreRequest = z.output<ReturnType<typeof computeScoreRequest>>;

/** `?reward=name` on either endpoint. */
export const rewardQuerystring = z.object({ reward: z.string().min(1).optional() });

/** A label as the reward sees it: strings as they are, other JSON encoded, absent as `null`. */
export function labelText(label: unknown): string | null {
  if (label === undefined || label === null) return null;
  return typeof label === "string" ? label : JSON.stringify(label);
}

/** The {@link RewardItem}s of an OpenRLHF request. */
export function itemsFromGetReward(body: GetRewardRequest): RewardItem[] {
  body = parseInput(getRewardRequest(Number.MAX_SAFE_INTEGER), body, "itemsFromGetReward", "body");
  return body.query.map((query, i) => {
    const prompt = body.prompts?.[i] ?? null;
    return {
      query,
      prompt,
      response: prompt !== null && query.startsWith(prompt) ? query.slice(prompt.length) : query,
      label: labelText(body.labels?.[i]),
      dataSource: null,
      extraInfo: null,
    };
  });
}

/** The {@link RewardItem}s of a verl batch. */
export function itemsFromComputeScore(body: ComputeScoreRequest): RewardItem[] {
  body = parseInput(computeScoreRequest(Number.MAX_SAFE_INTEGER), body, "itemsFromComputeScore", "body");
  return body.items.map((it) => ({
    query: it.solution_str,
    prompt: null,
    response: it.solution_str,
    label: labelText(it.ground_truth),
    dataSource: it.data_source ?? null,
    extraInfo: it.extra_info ?? null,
  }));
}

import { z } from "zod";
import { parseConfig, parseInput } from "../config.js";
import { RLError, toRLError } from "../errors.js";
import type { RolloutGroup } from "../schemas/data.js";
import type { LogProbSemantics } from "./log-prob-batch.js";
import { postJsonWithRetry, redact } from "./http-retry.js";
import { resolveApiKey } from "./api-key.js";
import { parseChatCompletionLogProbs } from "./openai-chat.js";
import { toRolloutGroup } from "./to-rollout-group.js";
import type { ChatMessage } from "../data/preference-formats.js";

/**
 * A chat message sent to the server: core's one `ChatMessage` (`{ role, content }`, the data
 * formats' type), re-exported here so the clients and the data builders share it.
 */
export type { ChatMessage };

/** A prompt: a string (one user message) or an object with an id and text or messages. */
export type RolloutPrompt = string | { readonly promptId?: string; readonly prompt?: string; readonly messages?: readonly ChatMessage[] };

const messageSchema = z.object({ role: z.string().min(1), content: z.string() });
const promptSchema = z.union([
  z.string(),
  z
    .object({ promptId: z.string().optional(), prompt: z.string().optional(), messages: z.array(messageSchema).min(1).optional() })
    .refine((p) => (p.prompt === undefined) !== (p.messages === undefined), { message: "give exactly one of prompt or messages" }),
]);

/** What a reward function sees: the prompt and one sampled completion. */
export interface RolloutRewardInput {
  readonly promptId: string;
  readonly prompt: string | undefined;
  readonly messages: readonly ChatMessage[];
  readonly text: string;
  /** Index of the sample among the prompt's `n`. */
  readonly index: number;
}
/** A reward function: a finite number, or `null` for "no signal" (never coerced to 0). May be async. */
export type RolloutRewardFn = (input: RolloutRewardInput) => number | null | Promise<number | null>;

/**
 * Config of {@link collectRollouts}. Defaults: `n` 1, `temperature` 1 and `topP` 1 (OpenAI's
 * defaults), `maxTokens` 256, `logProbsMode` "raw" (vLLM's default `raw_logprobs`; set
 * "processed" when the server runs `--logprobs-mode processed_logprobs`; a positive
 * `extraBody.top_k` is recorded as the semantics' `topK`), `apiKeyEnv`
 * "OPENAI_API_KEY" with `apiKeyRequired` false (unset: no `Authorization` header; set but
 * empty: `RLError`; see {@link resolveApiKey}), `concurrency` 4, `timeoutMs` 60 000 per attempt, `maxRetries` 3 (the name
 * the rubric judge uses; `retries` is its deprecated alias and wins when given), `backoffMs`
 * 500, `maxBackoffMs` 30 000, `onError` "throw".
 */
export const collectRolloutsConfig = z.object({
  /** Base URL of the OpenAI-compatible API, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: z.url(),
  model: z.string().min(1),
  n: z.number().int().positive().default(1),
  temperature: z.number().positive().default(1),
  topP: z.number().gt(0).max(1).default(1),
  maxTokens: z.number().int().positive().default(256),
  logProbsMode: z.enum(["raw", "processed"]).default("raw"),
  /** Environment variable holding the API key (read at call time, never logged); `null` = no key. Rule: {@link resolveApiKey}. */
  apiKeyEnv: z.string().min(1).nullable().default("OPENAI_API_KEY"),
  /** Throw when `apiKeyEnv` is unset instead of sending no `Authorization` header. */
  apiKeyRequired: z.boolean().default(false),
  concurrency: z.number().int().positive().default(4),
  timeoutMs: z.number().positive().default(60_000),
  maxRetries: z.number().int().nonnegative().default(3),
  /** @deprecated use `maxRetries` (one name for both HTTP clients); when given it wins. */
  retries: z.number().int().nonnegative().optional(),
  backoffMs: z.number().nonnegative().default(500),
  maxBackoffMs: z.number().nonnegative().default(30_000),
  onError: z.enum(["throw", "skip"]).default("throw"),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, { message: "must be an AbortSignal" }).optional(),
  reward: z.custom<RolloutRewardFn>((v) => typeof v === "function", { message: "must be a function" }).optional(),
  /** Extra request fields, e.g. vLLM's `{ return_token_ids: true }` or `{ top_k: 20 }`. */
  extraBody: z.record(z.string(), z.unknown()).default({}),
});
export type CollectRolloutsConfig = z.input<typeof collectRolloutsConfig>;

/** A prompt that failed (with `onError: "skip"`). */
export interface RolloutFailure {
  readonly index: number;
  readonly promptId: string;
  readonly error: RLError;
}

/** The result of {@link collectRollouts}. */
export interface CollectedRollouts {
  /** One group per successful prompt, in prompt order. */
  readonly groups: readonly RolloutGroup[];
  /** The prompts that failed, in prompt order (empty with `onError: "throw"`). */
  readonly failures: readonly RolloutFailure[];
  /** The semantics of every group's `logProbs`. */
  readonly semantics: LogProbSemantics;
}

/**
 * Samples `n` completions with log-probs for each prompt from an OpenAI-compatible server (vLLM,
 * llama.cpp, SGLang, OpenAI) and returns them as {@link RolloutGroup}s ready for group credit
 * (`@rl/credit`) and `importanceLogRatios`.
 *
 * One `POST {baseUrl}/chat/completions` per prompt with `{ model, messages, n, temperature,
 * top_p, max_tokens, logprobs: true, ...extraBody }`; at most `concurrency` requests in flight;
 * each attempt has `timeoutMs`; 429, 5xx, network errors and timeouts are retried `maxRetries`
 * times with exponential backoff (`backoffMs · 2^k`, jitter in [0.5, 1], capped at
 * `maxBackoffMs`; a `Retry-After` header wins, capped likewise). Other HTTP errors, bodies that
 * are not JSON or not the documented shape (`RLError("PARSE")` naming the field), tokens without
 * ids and reward-function errors fail the prompt at once.
 *
 * `onError: "throw"` rejects with the first failure and aborts the requests in flight;
 * `"skip"` leaves the prompt out of `groups` and reports it in `failures`. Aborting
 * `signal` rejects with `RLError("CANCELLED")` whatever `onError` says.
 *
 * The API key is read from `process.env[apiKeyEnv]` (no header when unset) and is never logged
 * nor put in an error message, even when the server echoes it.
 *
 * @example
 * const { groups, semantics } = await collectRollouts(["2+2?", "3+5?"], {
 *   baseUrl: "http://127.0.0.1:8000/v1", model: "Qwen/Qwen2.5-0.5B-Instruct", n: 4,
 *   extraBody: { return_token_ids: true }, reward: ({ text }) => (text.includes("4") ? 1 : 0),
 * });
 */
export async function collectRollouts(prompts: readonly RolloutPrompt[], config: CollectRolloutsConfig): Promise<CollectedRollouts> {
  const fn = "collectRollouts";
  const cfg = parseConfig(collectRolloutsConfig, config, fn);
  const items = parseInput(z.array(promptSchema), prompts, fn, "prompts").map((p, i) =>
    typeof p === "string"
      ? { promptId: String(i), prompt: p, messages: [{ role: "user", content: p }] }
      : { promptId: p.promptId ?? String(i), prompt: p.prompt, messages: p.messages ?? [{ role: "user", content: p.prompt ?? "" }] },
  );
  const topK = cfg.extraBody.top_k;
  const semantics: LogProbSemantics = {
    kind: cfg.logProbsMode,
    temperature: cfg.temperature,
    topP: cfg.topP,
    topK: typeof topK === "number" && Number.isInteger(topK) && topK > 0 ? topK : 0, // vLLM: -1 / 0 = off
  };
  const secret = resolveApiKey(fn, cfg);
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (secret !== undefined) headers.authorization = `Bearer ${secret}`;
  const url = `${cfg.baseUrl.replace(/\/+$/, "")}/chat/completions`;

  const run = new AbortController();
  const onUserAbort = (): void => run.abort();
  cfg.signal?.addEventListener("abort", onUserAbort, { once: true });
  if (cfg.signal?.aborted === true) run.abort();

  const results: (RolloutGroup | undefined)[] = new Array<RolloutGroup | undefined>(items.length);
  const failures: RolloutFailure[] = [];
  let fatal: RLError | undefined;
  let next = 0;

  const one = async (i: number): Promise<RolloutGroup> => {
    const item = items[i] as (typeof items)[number];
    const where = `${fn}: prompt ${i} (${item.promptId})`;
    const body = {
      model: cfg.model,
      messages: item.messages,
      n: cfg.n,
      temperature: cfg.temperature,
      top_p: cfg.topP,
      max_tokens: cfg.maxTokens,
      logprobs: true,
      ...cfg.extraBody,
    };
    const json = await postJsonWithRetry(url, headers, body, {
      retries: cfg.retries ?? cfg.maxRetries,
      backoffMs: cfg.backoffMs,
      maxBackoffMs: cfg.maxBackoffMs,
      timeoutMs: cfg.timeoutMs,
      signal: run.signal,
      secret,
      where,
    });
    try {
      const batch = parseChatCompletionLogProbs(json, semantics);
      const rewards: (number | null)[] = [];
      for (const [k, seq] of batch.sequences.entries()) {
        const r = cfg.reward === undefined ? null : await cfg.reward({ promptId: item.promptId, prompt: item.prompt, messages: item.messages, text: seq.text, index: k });
        if (r !== null && (typeof r !== "number" || !Number.isFinite(r))) {
          throw new RLError("NON_FINITE", `reward of sample ${k} is ${String(r)}; a reward is a finite number or null`);
        }
        rewards.push(r);
      }
      return toRolloutGroup(batch, { promptId: item.promptId, ...(item.prompt !== undefined ? { prompt: item.prompt } : {}), rewards });
    } catch (e) {
      const err = toRLError(e);
      throw new RLError(err.code, redact(`${where}: ${err.message}`, secret), { issues: err.issues });
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      if (run.signal.aborted) return;
      const i = next++;
      if (i >= items.length) return;
      try {
        results[i] = await one(i);
      } catch (e) {
        const err = toRLError(e);
        if (run.signal.aborted) return;
        if (cfg.onError === "throw") {
          fatal ??= err;
          run.abort();
          return;
        }
        failures.push({ index: i, promptId: (items[i] as (typeof items)[number]).promptId, error: err });
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(cfg.concurrency, items.length) }, worker));
  } finally {
    cfg.signal?.removeEventListener("abort", onUserAbort);
  }
  if (cfg.signal?.aborted === true) throw new RLError("CANCELLED", `${fn}: cancelled`);
  if (fatal !== undefined) throw fatal;
  failures.sort((a, b) => a.index - b.index);
  return { groups: results.filter((g): g is RolloutGroup => g !== undefined), failures, semantics };
}

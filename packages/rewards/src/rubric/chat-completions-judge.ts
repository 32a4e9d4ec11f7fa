import { RLError, parseConfig } from "@rl/core/arrays";
import { resolveApiKey } from "@rl/core/clients";
import { z } from "zod";
import type { RubricCriterion, RubricJudge, RubricVerdict } from "./rubric-schema.js";

/** Config of {@link createChatCompletionsJudge}. */
export const chatCompletionsJudgeConfig = z.object({
  /** Base URL of an OpenAI-compatible API, e.g. `https://api.openai.com/v1` (the judge POSTs to `${baseUrl}/chat/completions`). */
  baseUrl: z.string().url(),
  model: z.string().min(1),
  /**
   * Name of the environment variable holding the API key (read at call time; never logged). `null` = no key.
   * Unset: no `Authorization` header (a local server); set but empty: `RLError`. The rule of every
   * `@rl` HTTP client: `resolveApiKey` in `@rl/core/clients`.
   */
  apiKeyEnv: z.string().min(1).nullable().default("OPENAI_API_KEY"),
  /** Throw when `apiKeyEnv` is unset instead of sending no `Authorization` header (e.g. a hosted API). */
  apiKeyRequired: z.boolean().default(false),
  /** Per-attempt timeout. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** Retries after the first attempt, on 429 / 5xx / network errors / timeouts. */
  maxRetries: z.number().int().nonnegative().default(3),
  /** Backoff before retry k (0-based): `min(maxBackoffMs, backoffMs·2^k)`, or the server's `Retry-After` if larger (capped). */
  backoffMs: z.number().nonnegative().default(500),
  maxBackoffMs: z.number().nonnegative().default(10_000),
  /** Requests in flight at once, across every call of this judge. */
  concurrency: z.number().int().positive().default(4),
  temperature: z.number().min(0).default(0),
  maxTokens: z.number().int().positive().default(256),
  /** The system prompt; the user message holds the criterion, prompt and response. */
  systemPrompt: z
    .string()
    .default(
      'You grade one response against one criterion. Reply with only a JSON object: {"satisfied": true} or {"satisfied": false}, optionally with a "rationale" string. For a pitfall criterion, "satisfied": true means the pitfall occurs.',
    ),
  /** Receives events (`request`, `retry`, `error`); messages never contain the API key. */
  onEvent: z.custom<(e: JudgeEvent) => void>((v) => typeof v === "function").optional(),
});
export type ChatCompletionsJudgeConfig = z.input<typeof chatCompletionsJudgeConfig>;

/** A log event of the judge. */
export interface JudgeEvent {
  type: "request" | "retry" | "error";
  criterionId: string;
  attempt: number;
  message: string;
}

const verdictSchema = z.strictObject({ satisfied: z.boolean(), rationale: z.string().optional() });
const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

/**
 * Strictly parses a judge reply: exactly one JSON object `{"satisfied": boolean, "rationale"?: string}`
 * (surrounding whitespace and a single ```json fence allowed, nothing else). Returns 1 or 0;
 * anything else → `RLError("PARSE")` quoting at most 120 characters of the reply.
 * @example
 * parseJudgeVerdict('{"satisfied": true}'); // 1
 */
export function parseJudgeVerdict(content: string): 0 | 1 {
  if (typeof content !== "string") throw new RLError("INVALID_INPUT", `parseJudgeVerdict: content must be a string, got ${typeof content}`);
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/.exec(content.trim());
  const body = (fenced?.[1] ?? content).trim();
  const fail = (why: string): never => {
    throw new RLError("PARSE", `parseJudgeVerdict: malformed verdict (${why}); expected {"satisfied": true|false}, got ${JSON.stringify(content.slice(0, 120))}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return fail("not JSON");
  }
  const v = verdictSchema.safeParse(raw);
  if (!v.success) return fail("wrong fields");
  return v.data.satisfied ? 1 : 0;
}

function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join("[redacted]") : text;
}

/** Truncates already-redacted text for a message. */
function truncate(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n)}…` : text;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A counting semaphore: at most `limit` tasks run at once. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      active -= 1;
      queue.shift()?.();
    }
  };
}

/**
 * An LLM judge over any OpenAI-compatible chat-completions endpoint, using global `fetch`
 * (docs/rewards/rubric.md; Rubrics-as-Rewards arXiv:2507.17746). Per criterion it sends the system prompt and a
 * user message with the criterion, prompt and response, and strictly parses
 * `{"satisfied": boolean}` ({@link parseJudgeVerdict}).
 *
 * - Timeouts: each attempt is aborted after `timeoutMs` (`AbortSignal.timeout`) → `RLError("TIMEOUT")`.
 * - Retries: 429, 5xx, network errors and timeouts are retried `maxRetries` times with exponential
 *   backoff (`Retry-After` honoured, capped at `maxBackoffMs`); other 4xx fail at once (`NETWORK`).
 * - Concurrency: at most `concurrency` requests in flight per judge.
 * - The key is read from `process.env[apiKeyEnv]` at call time, sent only in the `Authorization`
 *   header, and redacted from every error message and event. Unset: no header (a local server),
 *   unless `apiKeyRequired`; set but empty: `RLError("INVALID_CONFIG")` (`resolveApiKey` in
 *   `@rl/core/clients`, the rule of every `@rl` HTTP client).
 * - A malformed verdict throws `RLError("PARSE")`; `rubricReward` turns it into a `null` verdict.
 *
 * Defaults: timeout 30 s, 3 retries, backoff 500 ms doubling to 10 s, concurrency 4, temperature 0.
 *
 * @example
 * const judge = createChatCompletionsJudge({ baseUrl: "https://api.openai.com/v1", model: "gpt-4o-mini" });
 * await judge("What is 2+2?", "4", { id: "correct", text: "States that the answer is 4", kind: "principle", category: "essential" }); // 1
 */
export function createChatCompletionsJudge(config: ChatCompletionsJudgeConfig): RubricJudge {
  const cfg = parseConfig(chatCompletionsJudgeConfig, config, "createChatCompletionsJudge");
  const request = chatCompletionsRequester(cfg, "chatCompletionsJudge");
  return async (prompt: string, response: string, criterion: RubricCriterion): Promise<RubricVerdict> =>
    request(
      [
        { role: "system", content: cfg.systemPrompt },
        {
          role: "user",
          content: `Criterion (${criterion.kind === "hard_rule" ? "hard rule" : "principle"}${criterion.category === "pitfall" ? ", pitfall" : ""}): ${criterion.text}\n\n<prompt>\n${prompt}\n</prompt>\n\n<response>\n${response}\n</response>`,
        },
      ],
      `criterion "${criterion.id}"`,
      criterion.id,
      cfg.temperature,
      (content, key) => {
        try {
          return parseJudgeVerdict(redact(content, key));
        } catch (e) {
          throw new RLError("PARSE", redact(`chatCompletionsJudge: criterion "${criterion.id}": ${(e as Error).message}`, key));
        }
      },
    );
}

/** One chat message sent to a judge. */
export interface JudgeMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

type ParsedJudgeConfig = z.output<typeof chatCompletionsJudgeConfig>;

/**
 * The request loop shared by the judges of this file: POST with timeout, retries with backoff on
 * 429 / 5xx / network errors / timeouts, a concurrency limit, the key redacted everywhere; `parse`
 * turns the reply's content into the judge's value (a throw there is not retried).
 */
function chatCompletionsRequester(cfg: ParsedJudgeConfig, fn: string) {
  const run = limiter(cfg.concurrency);
  const url = `${cfg.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  return async <T>(messages: readonly JudgeMessage[], what: string, eventId: string, temperature: number, parse: (content: string, key: string | undefined) => T): Promise<T> => {
    const key = resolveApiKey(fn, cfg);
    const emit = (type: JudgeEvent["type"], attempt: number, message: string): void =>
      cfg.onEvent?.({ type, criterionId: eventId, attempt, message: redact(message, key) });
    const body = JSON.stringify({ model: cfg.model, temperature, max_tokens: cfg.maxTokens, messages });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    let lastError: RLError | null = null;
    for (let attempt = 0; attempt <= cfg.maxRetries; attempt++) {
      let retryAfterMs = 0;
      try {
        emit("request", attempt, `POST ${url}`);
        const res = await run(() => fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(cfg.timeoutMs) }).then(async (r) => ({ r, text: await r.text() })));
        // Redact first, then truncate: a key straddling a cut would otherwise leak its first characters.
        const safeText = redact(res.text, key);
        if (res.r.ok) {
          let parsed: z.infer<typeof completionSchema>;
          try {
            const c = completionSchema.safeParse(JSON.parse(res.text));
            if (!c.success) throw new Error("no choices[0].message.content");
            parsed = c.data;
          } catch (e) {
            // JSON.parse's own message quotes a truncated piece of the body: never show it
            const why = e instanceof SyntaxError ? "not JSON" : e instanceof Error ? e.message : String(e);
            throw new RLError("PARSE", `${fn}: ${what}: the server's reply is not a chat completion (${why}): ${truncate(safeText, 200)}`);
          }
          return parse(parsed.choices[0]?.message.content ?? "", key);
        }
        const status = res.r.status;
        const detail = truncate(safeText, 200);
        if (status !== 429 && status < 500) {
          throw new RLError("NETWORK", `${fn}: ${what}: HTTP ${status} from ${url}: ${detail}`);
        }
        const ra = Number(res.r.headers.get("retry-after"));
        if (Number.isFinite(ra) && ra > 0) retryAfterMs = ra * 1000;
        lastError = new RLError("NETWORK", `${fn}: ${what}: HTTP ${status} from ${url} (attempt ${attempt + 1}): ${detail}`);
      } catch (e) {
        if (RLError.isInstance(e)) {
          // Not retryable: a malformed verdict or a 4xx other than 429.
          emit("error", attempt, e.message);
          throw e;
        }
        const name = e instanceof Error ? e.name : "";
        if (name === "TimeoutError" || name === "AbortError") {
          lastError = new RLError("TIMEOUT", `${fn}: ${what}: no reply from ${url} within ${cfg.timeoutMs} ms (attempt ${attempt + 1})`);
        } else {
          const msg = redact(e instanceof Error ? `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ""}` : String(e), key);
          lastError = new RLError("NETWORK", `${fn}: ${what}: request to ${url} failed: ${msg}`);
        }
      }
      if (attempt < cfg.maxRetries) {
        const wait = Math.min(cfg.maxBackoffMs, Math.max(cfg.backoffMs * 2 ** attempt, retryAfterMs));
        emit("retry", attempt, `${lastError?.message ?? "retrying"}; retrying in ${wait} ms`);
        await sleep(wait);
      }
    }
    const err = lastError ?? new RLError("NETWORK", `${fn}: ${what}: request failed`);
    emit("error", cfg.maxRetries, err.message);
    throw err;
  };
}

/** A generative judge: returns the judge model's text for a conversation; `sample` numbers independent samples of the same request. */
export type GenerativeJudge = (messages: readonly JudgeMessage[], sample: number) => Promise<string>;

/** Config of {@link createChatCompletionsGenerativeJudge}: the judge client's settings; `temperature` defaults to 0.7 here (sampling k judgements needs diversity), `maxTokens` to 2048 (principles and critiques are long). */
export const chatCompletionsGenerativeJudgeConfig = chatCompletionsJudgeConfig.extend({
  temperature: z.number().min(0).default(0.7),
  maxTokens: z.number().int().positive().default(2048),
});
export type ChatCompletionsGenerativeJudgeConfig = z.input<typeof chatCompletionsGenerativeJudgeConfig>;

/**
 * The same OpenAI-compatible client as {@link createChatCompletionsJudge} (timeouts, retries,
 * `Retry-After`, concurrency, key redaction), returning the reply's text instead of a verdict: the
 * port of generative reward models such as DeepSeek-GRM ({@link spctReward}). Its `systemPrompt` is
 * not used (the caller sends the whole conversation).
 *
 * @example
 * const judge = createChatCompletionsGenerativeJudge({ baseUrl: "http://localhost:8000/v1", model: "BBQGOD/DeepSeek-GRM-16B", apiKeyEnv: null });
 * await judge([{ role: "user", content: "…" }], 0); // "Specific Criteria: … Scores: \\boxed{7, 4}"
 */
export function createChatCompletionsGenerativeJudge(config: ChatCompletionsGenerativeJudgeConfig): GenerativeJudge {
  const cfg = parseConfig(chatCompletionsGenerativeJudgeConfig, config, "createChatCompletionsGenerativeJudge");
  const request = chatCompletionsRequester(cfg, "chatCompletionsGenerativeJudge");
  return async (messages, sample) => {
    if (!Array.isArray(messages) || messages.length === 0) throw new RLError("INVALID_INPUT", "chatCompletionsGenerativeJudge: messages must be a non-empty array");
    return request(messages, `sample ${sample}`, `sample-${sample}`, cfg.temperature, (content, key) => redact(content, key));
  };
}

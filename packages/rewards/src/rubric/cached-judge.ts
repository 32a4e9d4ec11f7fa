import { parseConfig } from "@rl/core/arrays";
import { z } from "zod";
import type { RubricCriterion, RubricJudge, RubricVerdict } from "./rubric-schema.js";
import type { GenerativeJudge, JudgeMessage } from "./chat-completions-judge.js";

/** Config of {@link cachedJudge}. */
export const cachedJudgeConfig = z.object({
  /** Most verdicts kept; the least recently used is evicted first. Default 10 000. */
  maxEntries: z.number().int().positive().default(10_000),
  /** Whether a `null` verdict ("no usable verdict") is cached too; default false, so it is asked again. */
  cacheNull: z.boolean().default(false),
});
export type CachedJudgeConfig = z.input<typeof cachedJudgeConfig>;

/** A {@link RubricJudge} with a verdict cache, its counters and a way to empty it. */
export interface CachedJudge extends RubricJudge {
  /** `hits` (answered from the cache or from an identical request in flight), `misses` (sent to the judge), `size`. */
  stats(): { hits: number; misses: number; size: number };
  /** Empties the cache (requests in flight still complete). */
  clear(): void;
}

/** The cache key: everything a judge's verdict depends on (the criterion's id is not part of it). */
function verdictKey(prompt: string, response: string, c: RubricCriterion): string {
  return JSON.stringify([prompt, response, c.text, c.kind, c.category]);
}

/**
 * Wraps a rubric judge with an LRU cache of its verdicts, keyed by prompt, response and the
 * criterion's text, kind and category. Rubric rewards ask the same question many times (the same
 * response scored again after a resample, several rubrics sharing criteria, best-of-n reruns), and
 * each question is a paid LLM call; at temperature 0 the answer does not change.
 *
 * Identical requests in flight share one call. A rejected call is not cached (the next request
 * retries it); a `null` verdict is cached only with `cacheNull`. The cache lives in the returned
 * function: make one per judge configuration (model, prompt template, temperature).
 *
 * @example
 * const judge = cachedJudge(createChatCompletionsJudge({ baseUrl, model }), { maxEntries: 50_000 });
 * await rubricReward(prompt, response, rubric, judge);   // asks the model
 * await rubricReward(prompt, response, rubric, judge);   // answered from the cache
 * judge.stats();                                          // { hits: 3, misses: 3, size: 3 } for 3 criteria
 */
export function cachedJudge(judge: RubricJudge, config: CachedJudgeConfig = {}): CachedJudge {
  const { maxEntries, cacheNull } = parseConfig(cachedJudgeConfig, config, "cachedJudge");
  const memo = lruMemo<[string, string, RubricCriterion], RubricVerdict>(
    (prompt, response, criterion) => verdictKey(prompt, response, criterion),
    judge,
    maxEntries,
    (v) => v !== null || cacheNull,
  );
  const cached = ((prompt: string, response: string, criterion: RubricCriterion) => memo.call(prompt, response, criterion)) as CachedJudge;
  cached.stats = memo.stats;
  cached.clear = memo.clear;
  return cached;
}

/**
 * An LRU cache around an async function: identical calls in flight share one promise, a rejection
 * is not cached, `keep(v)` decides whether a value is cached. The one cache of the judges.
 */
function lruMemo<A extends unknown[], V>(keyOf: (...args: A) => string, fn: (...args: A) => Promise<V>, maxEntries: number, keep: (v: V) => boolean) {
  const values = new Map<string, V>();
  const inFlight = new Map<string, Promise<V>>();
  let hits = 0;
  let misses = 0;
  const remember = (key: string, v: V): void => {
    if (!keep(v)) return;
    values.delete(key);
    values.set(key, v);
    if (values.size > maxEntries) values.delete(values.keys().next().value as string);
  };
  const call = async (...args: A): Promise<V> => {
    const key = keyOf(...args);
    if (values.has(key)) {
      hits++;
      const v = values.get(key) as V;
      values.delete(key); // refresh its recency
      values.set(key, v);
      return v;
    }
    const pending = inFlight.get(key);
    if (pending !== undefined) {
      hits++;
      return pending;
    }
    misses++;
    const p = fn(...args).then(
      (v) => {
        inFlight.delete(key);
        remember(key, v);
        return v;
      },
      (e: unknown) => {
        inFlight.delete(key);
        throw e;
      },
    );
    inFlight.set(key, p);
    return p;
  };
  return { call, stats: () => ({ hits, misses, size: values.size }), clear: () => values.clear() };
}

/** A {@link GenerativeJudge} with a text cache, its counters and a way to empty it. */
export interface CachedGenerativeJudge extends GenerativeJudge {
  stats(): { hits: number; misses: number; size: number };
  clear(): void;
}

/** Config of {@link cachedGenerativeJudge}. */
export const cachedGenerativeJudgeConfig = z.object({
  /** Most replies kept; the least recently used is evicted first. Default 10 000. */
  maxEntries: z.number().int().positive().default(10_000),
});
export type CachedGenerativeJudgeConfig = z.input<typeof cachedGenerativeJudgeConfig>;

/**
 * Wraps a generative judge with the same LRU cache as {@link cachedJudge}, keyed by the messages
 * **and the sample index**: sample j of a request is asked once, and k sampled judgements stay k
 * different samples (a cache keyed by the messages alone would collapse SPCT's voting to one vote).
 *
 * @example
 * const judge = cachedGenerativeJudge(async (_m, sample) => `Scores: \\boxed{${sample + 1}}`);
 * await judge([{ role: "user", content: "q" }], 0); // "Scores: \\boxed{1}"
 * await judge([{ role: "user", content: "q" }], 0); // "Scores: \\boxed{1}"
 * judge.stats(); // { hits: 1, misses: 1, size: 1 }
 */
export function cachedGenerativeJudge(judge: GenerativeJudge, config: CachedGenerativeJudgeConfig = {}): CachedGenerativeJudge {
  const { maxEntries } = parseConfig(cachedGenerativeJudgeConfig, config, "cachedGenerativeJudge");
  const memo = lruMemo<[readonly JudgeMessage[], number], string>((messages, sample) => JSON.stringify([messages, sample]), judge, maxEntries, () => true);
  const cached = ((messages: readonly JudgeMessage[], sample: number) => memo.call(messages, sample)) as CachedGenerativeJudge;
  cached.stats = memo.stats;
  cached.clear = memo.clear;
  return cached;
}

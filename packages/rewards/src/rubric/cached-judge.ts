import { parseConfig } from "@rl/core/arrays";
import { z } from "zod";
import type { RubricCriterion, RubricJudge, RubricVerdict } from "./rubric-schema.js";

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
 * @remarks no paper
 */
export function cachedJudge(judge: RubricJudge, config: CachedJudgeConfig = {}): CachedJudge {
  const { maxEntries, cacheNull } = parseConfig(cachedJudgeConfig, config, "cachedJudge");
  const verdicts = new Map<string, RubricVerdict>();
  const inFlight = new Map<string, Promise<RubricVerdict>>();
  let hits = 0;
  let misses = 0;
  const remember = (key: string, verdict: RubricVerdict) => {
    if (verdict === null && !cacheNull) return;
    verdicts.delete(key);
    verdicts.set(key, verdict);
    if (verdicts.size > maxEntries) verdicts.delete(verdicts.keys().next().value as string);
  };
  const cached = (async (prompt: string, response: string, criterion: RubricCriterion): Promise<RubricVerdict> => {
    const key = verdictKey(prompt, response, criterion);
    if (verdicts.has(key)) {
      hits++;
      const v = verdicts.get(key) as RubricVerdict;
      verdicts.delete(key); // refresh its recency
      verdicts.set(key, v);
      return v;
    }
    const pending = inFlight.get(key);
    if (pending !== undefined) {
      hits++;
      return pending;
    }
    misses++;
    const call = judge(prompt, response, criterion).then(
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
    inFlight.set(key, call);
    return call;
  }) as CachedJudge;
  cached.stats = () => ({ hits, misses, size: verdicts.size });
  cached.clear = () => verdicts.clear();
  return cached;
}

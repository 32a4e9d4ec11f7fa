import { RLError, describeValue, toRLError, type Registry } from "@rl/core/arrays";
import type { CachedJudge } from "@rl/rewards/rubric";
import type { RewardTransform } from "@rl/rewards/transforms";

/**
 * One item to score, the same shape whichever protocol brought it.
 *
 * - OpenRLHF (`/get_reward`): `query` is prompt + response with the chat template applied,
 *   `prompt` the templated prompt (or `null` when the trainer sent no `prompts`), `response` the
 *   query with the prompt cut off its front (the whole query when the prompt is not its prefix),
 *   `label` the dataset label (or `null`).
 * - verl (`/compute_score`): `query` and `response` are `solution_str`, `label` is `ground_truth`
 *   (JSON-encoded when it is not a string), `dataSource` and `extraInfo` are passed through.
 */
export interface RewardItem {
  query: string;
  prompt: string | null;
  response: string;
  label: string | null;
  dataSource: string | null;
  extraInfo: Record<string, unknown> | null;
}

/** A score with extras (verl's dict result): `score` plus named numbers logged next to it. */
export interface RewardOutcome {
  score: number | null;
  [extra: string]: number | string | boolean | null;
}

/** What a reward function returns: a number, `null` ("no signal", never silently 0), or an outcome. */
export type RewardValue = number | null | RewardOutcome;

/** What a reward function gets besides its item: the request's deadline as an abort signal. */
export interface RewardCallContext {
  /** Aborted when the request's deadline passes or the client goes away; pass it to judges and fetches. */
  signal: AbortSignal;
}

/** A named reward: scores one item (sync or async). */
export type RewardFunction = (item: RewardItem, context: RewardCallContext) => RewardValue | Promise<RewardValue>;

/**
 * What a `rewards.ts` config module exports (as its default export, or as `rewards`): named reward
 * functions built from `@rl/rewards` (verifiable rewards, rubric + judge, reward models, ensembles,
 * registry plugins), and how requests pick one.
 */
export interface RewardComposition {
  /** Named reward functions. Names are what `?reward=` and verl's `data_source` map to. */
  rewards: Record<string, RewardFunction>;
  /** The reward used when a request names none. Default: the first name in `rewards`. */
  default?: string;
  /** verl `data_source` → reward name; a data source not listed uses `default`. */
  dataSources?: Record<string, string>;
  /**
   * A batch transform from `@rl/rewards` (normalisation, group z-score, chains) applied to the
   * scores of one `/get_reward` request to give its `rewards` (its `scores` stay raw). Its state
   * is kept across requests, as a training loop would.
   */
  transform?: RewardTransform<unknown>;
  /** Cached judges whose hits and misses `/metrics` reports (`rl_serve_judge_cache_*`). */
  judges?: Record<string, CachedJudge>;
}

/**
 * Checks a composition and returns it typed: at least one reward, every name a function, and
 * `default` / `dataSources` naming rewards that exist. The identity on a valid composition.
 *
 * @example
 * export default defineRewards({
 *   rewards: { gsm8k: (item) => gsm8kReward(item.response, item.label ?? "") },
 * });
 */
export function defineRewards(composition: RewardComposition): RewardComposition {
  const fn = "defineRewards";
  if (typeof composition !== "object" || composition === null || typeof composition.rewards !== "object" || composition.rewards === null) {
    throw new RLError("INVALID_CONFIG", `${fn}: expected { rewards: { name: function } }`);
  }
  const names = Object.keys(composition.rewards);
  if (names.length === 0) throw new RLError("INVALID_CONFIG", `${fn}: rewards is empty; name at least one reward function`);
  for (const name of names) {
    if (typeof composition.rewards[name] !== "function") {
      throw new RLError("INVALID_CONFIG", `${fn}: rewards.${name} is ${typeof composition.rewards[name]}; expected a function (item, context) => score`);
    }
  }
  if (composition.default !== undefined && !names.includes(composition.default)) {
    throw new RLError("INVALID_CONFIG", `${fn}: default names "${composition.default}"; rewards has ${names.join(", ")}`);
  }
  for (const [source, name] of Object.entries(composition.dataSources ?? {})) {
    if (!names.includes(name)) {
      throw new RLError("INVALID_CONFIG", `${fn}: dataSources.${source} names "${name}"; rewards has ${names.join(", ")}`);
    }
  }
  return composition;
}

/** The reward name a request resolves to, or `RLError("REGISTRY_NOT_FOUND")` naming the known ones. */
export function resolveRewardName(composition: RewardComposition, requested: string | null | undefined, dataSource: string | null = null): string {
  defineRewards(composition);
  if (requested !== null && requested !== undefined && typeof requested !== "string") throw new RLError("INVALID_INPUT", `resolveRewardName: requested must be a reward name, got ${describeValue(requested)}`);
  const names = Object.keys(composition.rewards);
  const name = requested ?? (dataSource !== null ? composition.dataSources?.[dataSource] : undefined) ?? composition.default ?? names[0]!;
  if (!Object.hasOwn(composition.rewards, name)) {
    throw new RLError("REGISTRY_NOT_FOUND", `unknown reward "${name}"; this server has ${names.join(", ")}`);
  }
  return name;
}

/**
 * Wraps a `reward-function` plugin from a `@rl/core` registry as a named reward: the plugin's
 * implementation (made with `registry.create(kind, name, config)`, config validated by its zod
 * schema) is called as `(item, context)`.
 *
 * @example
 * const registry = createRegistry().register(lengthPenaltyDefinition);
 * export default defineRewards({ rewards: { length: registryReward(registry, "acme/length-penalty", { max: 512 }) } });
 */
export function registryReward(registry: Registry, name: string, config?: unknown): RewardFunction {
  if (typeof registry !== "object" || registry === null || typeof registry.create !== "function") {
    throw new RLError("INVALID_INPUT", `registryReward: registry must be a Registry (createRegistry()), got ${describeValue(registry)}`);
  }
  if (typeof name !== "string") throw new RLError("INVALID_INPUT", `registryReward: name must be a string, got ${describeValue(name)}`);
  let implementation: unknown;
  try {
    implementation = registry.create<unknown>("reward-function", name, config);
  } catch (e) {
    throw toRLError(e);
  }
  if (typeof implementation !== "function") {
    throw new RLError("PLUGIN_OUTPUT", `registryReward: reward-function "${name}" created a ${typeof implementation}; expected a function (item, context) => score`);
  }
  return implementation as RewardFunction;
}

/** A scored item: the number (`null` = no signal), its numeric extras, and the reason when `null` came from a failure. */
export interface ScoredItem {
  score: number | null;
  extras: Record<string, number>;
  /** Why the score is `null` when a failure (not the reward itself) made it so: `"timeout"`, `"error: …"`, `"retries exhausted: …"`. */
  reason?: string;
}

/** Turns what a reward function returned into a {@link ScoredItem}; NaN or ±Infinity is an error, never passed on. */
export function toScoredItem(value: RewardValue, name: string): ScoredItem {
  if (value === null) return { score: null, extras: {} };
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RLError("NON_FINITE", `reward "${name}" returned ${value}; expected a finite number or null`);
    return { score: value, extras: {} };
  }
  if (typeof value !== "object" || !("score" in value)) {
    throw new RLError("PLUGIN_OUTPUT", `reward "${name}" returned ${typeof value}; expected a number, null or { score, ...extras }`);
  }
  const { score, ...rest } = value;
  if (score !== null && (typeof score !== "number" || !Number.isFinite(score))) {
    throw new RLError("NON_FINITE", `reward "${name}" returned score ${String(score)}; expected a finite number or null`);
  }
  const extras: Record<string, number> = {};
  for (const [k, v] of Object.entries(rest)) {
    if (typeof v === "number" && Number.isFinite(v)) extras[k] = v;
    else if (typeof v === "boolean") extras[k] = v ? 1 : 0;
  }
  return { score, extras };
}

/**
 * Scores items with one named reward, at most `concurrency` at a time, results in input order.
 * Stops early (rejecting with `RLError("TIMEOUT")` / `"CANCELLED"`) when `signal` aborts.
 * A reward that throws rejects the whole batch with its error.
 */
export async function scoreItems(
  composition: RewardComposition,
  name: string,
  items: readonly RewardItem[],
  options: { signal?: AbortSignal; concurrency?: number; gate?: Semaphore } = {},
): Promise<ScoredItem[]> {
  defineRewards(composition);
  if (!Array.isArray(items) || items.some((it) => typeof it !== "object" || it === null || typeof it.response !== "string")) {
    throw new RLError("INVALID_INPUT", "scoreItems: items must be an array of { query, prompt, response, label, dataSource, extraInfo }");
  }
  if (typeof options !== "object" || options === null) throw new RLError("INVALID_INPUT", `scoreItems: options must be an object, got ${describeValue(options)}`);
  if (typeof name !== "string") throw new RLError("INVALID_INPUT", `scoreItems: name must be a reward name, got ${describeValue(name)}`);
  if (!Object.hasOwn(composition.rewards, name)) resolveRewardName(composition, name);
  const reward = composition.rewards[name];
  if (typeof reward !== "function") throw new RLError("INVALID_INPUT", `scoreItems: reward "${name}" is not a function`);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new RLError("INVALID_INPUT", `scoreItems: options.signal must be an AbortSignal, got ${describeValue(options.signal)}`);
  }
  if (options.concurrency !== undefined && (typeof options.concurrency !== "number" || Number.isNaN(options.concurrency))) {
    throw new RLError("INVALID_INPUT", `scoreItems: options.concurrency must be a number, got ${describeValue(options.concurrency)}`);
  }
  if (options.gate !== undefined && (typeof options.gate !== "object" || options.gate === null || typeof options.gate.acquire !== "function" || typeof options.gate.release !== "function")) {
    throw new RLError("INVALID_INPUT", `scoreItems: options.gate must be a Semaphore (acquire(), release()), got ${describeValue(options.gate)}`);
  }
  const signal = options.signal ?? new AbortController().signal;
  const concurrency = Math.max(1, options.concurrency ?? 64);
  const out = new Array<ScoredItem>(items.length);
  let next = 0;
  const aborted = () => abortReason(signal);
  const lane = async () => {
    while (next < items.length) {
      if (signal.aborted) throw aborted();
      const i = next++;
      if (options.gate !== undefined) await options.gate.acquire(signal);
      try {
        const value = reward(items[i]!, { signal });
        out[i] = toScoredItem(value instanceof Promise ? await raceAbort(value, signal) : value, name);
      } finally {
        options.gate?.release();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return out;
}

/** The RLError an aborted signal stands for (`TIMEOUT` for a deadline, else `CANCELLED`). */
export function abortReason(signal: AbortSignal): RLError {
  if (!(signal instanceof AbortSignal)) throw new RLError("INVALID_INPUT", `abortReason: signal must be an AbortSignal, got ${describeValue(signal)}`);
  const r: unknown = signal.reason;
  if (RLError.isInstance(r)) return r;
  if (r instanceof Error && r.name === "TimeoutError") return new RLError("TIMEOUT", "deadline exceeded");
  return new RLError("CANCELLED", "request cancelled");
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** A counting semaphore shared by all requests of a server: at most `permits` reward calls run at once. */
export class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly permits: number) {
    if (!Number.isInteger(permits) || permits < 1) throw new RLError("INVALID_CONFIG", `Semaphore: permits is ${permits}; expected a positive integer`);
    this.free = permits;
  }
  /** Waits for a permit; rejects when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        const k = this.waiting.indexOf(grant);
        if (k >= 0) this.waiting.splice(k, 1);
        reject(abortReason(signal!));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(grant);
    });
  }
  /** Returns a permit (to the longest waiter, if any). */
  release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.free++;
  }
}

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { RLError } from "@rl/core/arrays";
import { Job, Queue, QueueEvents, Worker, type ConnectionOptions } from "bullmq";
import { abortReason, scoreItems, type RewardComposition, type RewardItem, type ScoredItem } from "./composition.js";

/** Where Redis is: a `redis://host:port/db` URL or ioredis-style options. */
export type RedisConnection = string | { host: string; port: number; db?: number; password?: string };

/** The data of one job: a batch of items and what every item of it shares (the reward's name, a rollout's settings). */
export interface BatchJobData<P, I> {
  payload: P;
  items: I[];
}

/** One item's result: its value, or `null` ("no signal") with the reason when its job exhausted its retries. */
export type BatchResult<O> = { ok: true; value: O } | { ok: false; value: null; reason: string };

/** Options of a batch producer ({@link rewardQueue}, {@link rolloutQueue}). */
export interface BatchQueueOptions {
  /** Items per job. Default 256. */
  jobSize?: number;
  /** Attempts per job (BullMQ `attempts`; 1 = no retry). Default 3. */
  attempts?: number;
  /** Delay before a retry, ms (exponential backoff base). Default 500. */
  backoffMs?: number;
  /** How long finished jobs (and their results) stay in Redis, seconds. Default 3600. */
  keepSeconds?: number;
  /** How often unsettled jobs are looked up (recovers events missed while Redis was away), ms. Default 1000. */
  pollMs?: number;
}

/** Options of one {@link BatchQueue.run} call. */
export interface BatchRunOptions {
  /** The idempotency key: job ids are `<key>.<chunk>`, so running the same key again reuses the jobs (and their results) instead of adding new ones. Default: a random UUID. */
  key?: string;
  /** Cancels the wait and removes the run's jobs that no worker has taken yet. */
  signal?: AbortSignal;
}

/** A producer of batch jobs on one BullMQ queue. */
export interface BatchQueue<P, I, O> {
  /** The BullMQ queue (for dashboards, `getJobCounts`, `obliterate`). */
  readonly queue: Queue;
  /** Splits `items` into jobs, adds them (idempotently) and resolves with one result per item, in input order. */
  run(payload: P, items: readonly I[], options?: BatchRunOptions): Promise<BatchResult<O>[]>;
  /** Job counts by state (`waiting`, `active`, `delayed`, `failed`, `completed`, `prioritized`). */
  depth(): Promise<Record<string, number>>;
  /** Closes the queue and its event stream. */
  close(): Promise<void>;
}

/** Options of a batch worker ({@link rewardWorker}, {@link rolloutWorker}). */
export interface BatchWorkerOptions {
  /** Jobs processed at once by this worker. Default 1. */
  concurrency?: number;
  /** Items of one job processed at once (async scorers: judges, sandboxes). Default 64. */
  itemConcurrency?: number;
  /** A job's lock, ms: a worker that dies holds it this long before the job is seen as stalled and retried. Default 30 000. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for, ms. Default 30 000. */
  stalledIntervalMs?: number;
  /** How many times a job may stall (its worker died) before it fails. Default 5. */
  maxStalledCount?: number;
  /** This worker's name, stored on every job it takes (BullMQ `processedBy`). Default `rl-serve-<host>-<pid>`. */
  name?: string;
  /** A line per finished batch (items, ms, items/s). Default: to stderr. `false` silences it. */
  log?: ((line: string) => void) | false;
}

/** A worker that processes batch jobs, with a graceful {@link BatchWorker.close}. */
export interface BatchWorker {
  /** The BullMQ worker. */
  readonly worker: Worker;
  /** Items processed so far by this worker. */
  processed(): number;
  /** Stops taking jobs, finishes the current ones (or, past `graceMs`, returns them to the queue) and disconnects. */
  close(graceMs?: number): Promise<void>;
}

/** ioredis options from a {@link RedisConnection}; `maxRetriesPerRequest: null` as BullMQ workers require. */
export function redisOptions(connection: RedisConnection): ConnectionOptions {
  if (typeof connection !== "string") return { ...connection, maxRetriesPerRequest: null };
  let url: URL;
  try {
    url = new URL(connection);
  } catch {
    throw new RLError("INVALID_CONFIG", `queue: "${connection}" is not a URL; expected redis://host:port[/db]`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new RLError("INVALID_CONFIG", `queue: "${url.protocol}" URL; expected redis://host:port[/db]`);
  }
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname,
    port: url.port === "" ? 6379 : Number(url.port),
    db,
    ...(url.password !== "" ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.username !== "" ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.protocol === "rediss:" ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/**
 * A producer of batch jobs on the BullMQ queue `name`: the building block of {@link rewardQueue}
 * and {@link rolloutQueue}. A run is split into jobs of `jobSize` items; job `k` has id
 * `<key>.<k>`, so a retried run (same key) never adds a job twice, and a job that BullMQ retries
 * (a failure, or a stalled job whose worker died) still has one result. Results come back in input
 * order; a job that exhausts its `attempts` gives its items `null` with the reason, never 0.
 *
 * Delivery is at-least-once (a job may run twice when a worker dies mid-job) and results are
 * exactly-once (a job has one return value). While Redis is unreachable the commands wait for it
 * (ioredis reconnects); jobs that a Redis restart lost are added again by the poll.
 */
export function createBatchQueue<P, I, O>(name: string, connection: RedisConnection, options: BatchQueueOptions = {}): BatchQueue<P, I, O> {
  const jobSize = options.jobSize ?? 256;
  const attempts = options.attempts ?? 3;
  const backoffMs = options.backoffMs ?? 500;
  const keepSeconds = options.keepSeconds ?? 3600;
  const pollMs = options.pollMs ?? 1000;
  if (!Number.isInteger(jobSize) || jobSize < 1) throw new RLError("INVALID_CONFIG", `createBatchQueue: jobSize is ${jobSize}; expected a positive integer`);
  if (!Number.isInteger(attempts) || attempts < 1) throw new RLError("INVALID_CONFIG", `createBatchQueue: attempts is ${attempts}; expected a positive integer`);
  const conn = redisOptions(connection);
  const queue = new Queue(name, { connection: conn });
  const events = new QueueEvents(name, { connection: conn });
  type Waiter = { settle: (r: { ok: true; value: O[] } | { ok: false; reason: string }) => void };
  const waiters = new Map<string, Waiter>();
  // Swallow connection errors here: ioredis reconnects on its own and the poll recovers.
  queue.on("error", () => undefined);
  events.on("error", () => undefined);
  events.on("completed", ({ jobId, returnvalue }) => {
    const w = waiters.get(jobId);
    if (w === undefined) return;
    const value: unknown = typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue;
    w.settle({ ok: true, value: value as O[] });
  });
  events.on("failed", ({ jobId }) => {
    if (waiters.has(jobId)) void check(jobId);
  });
  const jobOptions = {
    attempts,
    backoff: { type: "exponential", delay: backoffMs },
    removeOnComplete: { age: keepSeconds },
    removeOnFail: { age: keepSeconds },
  };
  const specs = new Map<string, { data: BatchJobData<P, I> }>();
  const add = (id: string) => queue.add(name, specs.get(id)!.data, { ...jobOptions, jobId: id });
  async function check(id: string): Promise<void> {
    const w = waiters.get(id);
    if (w === undefined) return;
    // The state first, then the job: a job that completes in between is read with its result.
    const state = await queue.getJobState(id);
    if (state === "unknown") {
      await add(id); // lost (a Redis restart without persistence): add it again under the same id
      return;
    }
    if (state !== "completed" && state !== "failed") return;
    const job = await Job.fromId<BatchJobData<P, I>, O[]>(queue, id);
    if (job === undefined) return;
    if (state === "completed") w.settle({ ok: true, value: job.returnvalue });
    else w.settle({ ok: false, reason: `retries exhausted (${job.attemptsMade} attempts): ${job.failedReason}` });
  }
  const ready = events.waitUntilReady();
  return {
    queue,
    async run(payload, items, runOptions = {}) {
      const key = (runOptions.key ?? randomUUID()).replaceAll(":", "_"); // BullMQ job ids cannot hold ':'
      const signal = runOptions.signal;
      if (signal?.aborted) throw abortReason(signal);
      await ready;
      const chunks: { id: string; start: number; size: number }[] = [];
      for (let start = 0, k = 0; start < items.length; start += jobSize, k++) {
        chunks.push({ id: `${key}.${k}`, start, size: Math.min(jobSize, items.length - start) });
      }
      const out = new Array<BatchResult<O>>(items.length);
      const done = chunks.map(
        (c) =>
          new Promise<void>((resolve) => {
            waiters.set(c.id, {
              settle: (r) => {
                if (!waiters.delete(c.id)) return;
                specs.delete(c.id);
                for (let i = 0; i < c.size; i++) {
                  const v = r.ok ? r.value[i] : undefined;
                  out[c.start + i] = r.ok && v !== undefined ? { ok: true, value: v } : { ok: false, value: null, reason: r.ok ? "job returned too few results" : r.reason };
                }
                resolve();
              },
            });
            specs.set(c.id, { data: { payload, items: items.slice(c.start, c.start + c.size) } });
          }),
      );
      const ids = chunks.map((c) => c.id);
      const poll = setInterval(() => {
        for (const id of ids) if (waiters.has(id)) void check(id).catch(() => undefined);
      }, pollMs);
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        if (signal === undefined) return;
        onAbort = () => {
          for (const id of ids) {
            if (waiters.delete(id)) {
              specs.delete(id);
              void queue.remove(id).catch(() => undefined); // a job a worker holds cannot be removed; its result is dropped
            }
          }
          reject(abortReason(signal));
        };
        signal.addEventListener("abort", onAbort, { once: true });
      });
      try {
        await Promise.race([
          (async () => {
            await queue.addBulk(chunks.map((c) => ({ name, data: specs.get(c.id)!.data, opts: { ...jobOptions, jobId: c.id } })));
            // Jobs that finished before this run subscribed (a retried key) settle here.
            await Promise.all(ids.map((id) => check(id)));
            await Promise.all(done);
          })(),
          aborted,
        ]);
        return out;
      } finally {
        clearInterval(poll);
        if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
      }
    },
    async depth() {
      return queue.getJobCounts("waiting", "active", "delayed", "failed", "completed", "prioritized");
    },
    async close() {
      await events.close();
      await queue.close();
    },
  };
}

/**
 * A worker for the BullMQ queue `name` that runs `processBatch` on each job's items and returns
 * one result per item (checked). A job that throws is retried by BullMQ (`attempts` of the
 * producer); a worker that dies mid-job leaves a lock that expires after `lockDurationMs`, and
 * the job is picked up again (stalled-job recovery). Logs a line per batch.
 */
export function createBatchWorker<P, I, O>(
  name: string,
  connection: RedisConnection,
  processBatch: (payload: P, items: I[], context: { signal: AbortSignal; jobId: string }) => Promise<O[]>,
  options: BatchWorkerOptions = {},
): BatchWorker {
  const log = options.log === false ? () => undefined : (options.log ?? ((line: string) => process.stderr.write(`${line}\n`)));
  const stop = new AbortController();
  const workerName = options.name ?? `rl-serve-${hostname()}-${process.pid}`;
  let processed = 0;
  const worker = new Worker<BatchJobData<P, I>, O[]>(
    name,
    async (job) => {
      const t0 = performance.now();
      const { payload, items } = job.data;
      const results = await processBatch(payload, items, { signal: stop.signal, jobId: job.id ?? "" });
      if (results.length !== items.length) {
        throw new RLError("PLUGIN_OUTPUT", `worker ${name}: job ${job.id} has ${items.length} items, the batch function returned ${results.length} results`);
      }
      processed += items.length;
      const ms = performance.now() - t0;
      log(`[${workerName}] ${name} job ${job.id}: ${items.length} items in ${ms.toFixed(0)} ms (${((items.length / Math.max(ms, 1e-3)) * 1000).toFixed(0)} items/s), attempt ${job.attemptsMade + 1}, ${processed} items so far`);
      return results;
    },
    {
      connection: redisOptions(connection),
      name: workerName,
      concurrency: options.concurrency ?? 1,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: options.maxStalledCount ?? 5,
    },
  );
  worker.on("error", () => undefined); // connection errors: ioredis reconnects
  return {
    worker,
    processed: () => processed,
    async close(graceMs = 30_000) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const graceful = worker.close();
      const forced = new Promise<"forced">((resolve) => {
        timer = setTimeout(() => resolve("forced"), graceMs);
      });
      if ((await Promise.race([graceful, forced])) === "forced") {
        stop.abort(new RLError("CANCELLED", `worker ${name}: shutting down`));
        await worker.close(true); // the job's lock lapses and another worker retries it
      }
      clearTimeout(timer);
    },
  };
}

/** The queue name of reward jobs. */
export const REWARD_QUEUE = "rl-rewards";
/** The queue name of rollout jobs. */
export const ROLLOUT_QUEUE = "rl-rollouts";

/** What a reward job shares: the reward's name. */
export interface RewardJobPayload {
  reward: string;
}

/** A producer of reward jobs: {@link createBatchQueue} on {@link REWARD_QUEUE}, with `score` returning {@link ScoredItem}s. */
export interface RewardQueue extends BatchQueue<RewardJobPayload, RewardItem, ScoredItem> {
  /** Scores items with the named reward on the workers; failed jobs' items are `{ score: null, reason }`. */
  score(reward: string, items: readonly RewardItem[], options?: BatchRunOptions): Promise<ScoredItem[]>;
}

/**
 * The reward-job producer: batches of {@link RewardItem}s scored by {@link rewardWorker}s.
 *
 * @example
 * const rq = rewardQueue("redis://127.0.0.1:6379", { jobSize: 128 });
 * const scored = await rq.score("gsm8k", items, { key: `step-${step}` });   // in input order
 */
export function rewardQueue(connection: RedisConnection, options: BatchQueueOptions = {}): RewardQueue {
  const q = createBatchQueue<RewardJobPayload, RewardItem, ScoredItem>(REWARD_QUEUE, connection, options);
  return {
    ...q,
    async score(reward, items, runOptions) {
      const results = await q.run({ reward }, items, runOptions);
      return results.map((r) => (r.ok ? r.value : { score: null, extras: {}, reason: r.reason }));
    },
  };
}

/**
 * A reward worker: scores reward jobs with the composition's named rewards (the same config
 * module the server loads), `itemConcurrency` items at a time.
 *
 * @example
 * const w = rewardWorker("redis://127.0.0.1:6379", composition);
 * process.on("SIGTERM", () => void w.close().then(() => process.exit(0)));
 */
export function rewardWorker(connection: RedisConnection, composition: RewardComposition, options: BatchWorkerOptions = {}): BatchWorker {
  return createBatchWorker<RewardJobPayload, RewardItem, ScoredItem>(
    REWARD_QUEUE,
    connection,
    (payload, items, { signal }) => scoreItems(composition, payload.reward, items, { signal, concurrency: options.itemConcurrency ?? 64 }),
    options,
  );
}

/** A rollout function: one prompt (or task) to one rollout, e.g. a call to a vLLM server. */
export type RolloutFunction<I, O, P = Record<string, unknown>> = (item: I, context: { payload: P; signal: AbortSignal }) => Promise<O>;

/**
 * The rollout-job producer: batches of prompts (any JSON) turned into rollouts by
 * {@link rolloutWorker}s, e.g. one worker per vLLM endpoint.
 *
 * @example
 * const ro = rolloutQueue<{ prompt: string }, { text: string }>("redis://127.0.0.1:6379");
 * const rollouts = await ro.run({ temperature: 1 }, prompts.map((prompt) => ({ prompt })));
 */
export function rolloutQueue<I, O, P = Record<string, unknown>>(connection: RedisConnection, options: BatchQueueOptions = {}): BatchQueue<P, I, O> {
  return createBatchQueue<P, I, O>(ROLLOUT_QUEUE, connection, options);
}

/**
 * A rollout worker: runs `rollout` on every item of a job, `itemConcurrency` at a time, results in order.
 *
 * @example
 * rolloutWorker("redis://127.0.0.1:6379", async ({ prompt }, { payload, signal }) => generate(prompt, payload, signal));
 */
export function rolloutWorker<I, O, P = Record<string, unknown>>(
  connection: RedisConnection,
  rollout: RolloutFunction<I, O, P>,
  options: BatchWorkerOptions = {},
): BatchWorker {
  const lanes = options.itemConcurrency ?? 64;
  return createBatchWorker<P, I, O>(
    ROLLOUT_QUEUE,
    connection,
    async (payload, items, { signal }) => {
      const out = new Array<O>(items.length);
      let next = 0;
      const lane = async () => {
        while (next < items.length) {
          const i = next++;
          out[i] = await rollout(items[i]!, { payload, signal });
        }
      };
      await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
      return out;
    },
    options,
  );
}

import { randomUUID, timingSafeEqual } from "node:crypto";
import { RLError, parseConfig } from "@rl/core/arrays";
import { z } from "zod";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from "fastify";
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { Semaphore, defineRewards, resolveRewardName, scoreItems, type RewardComposition, type RewardItem, type ScoredItem } from "./composition.js";
import { createServeMetrics, type ServeMetrics } from "./metrics.js";
import { computeScoreRequest, getRewardRequest, itemsFromComputeScore, itemsFromGetReward, rewardQuerystring } from "./protocol.js";
import type { RewardQueue } from "./queue.js";

/** Options of {@link createRewardServer}. */
export interface RewardServerOptions {
  /** Bearer token every scoring and metrics request must send (`Authorization: Bearer <key>`); never logged. Default: none (open). */
  apiKey?: string;
  /** Largest request body, bytes; larger → 413. Default 64 MiB. */
  bodyLimit?: number;
  /** Most items in one request; more → 413 naming the field. Default 16 384. */
  maxBatch?: number;
  /** Per-request deadline, ms; past it the work is cancelled and the answer is 504. Default 170 000 (OpenRLHF's client gives up at 180 s). */
  deadlineMs?: number;
  /** Reward calls running at once across all requests (bounded concurrency for async judges). Default 64. */
  concurrency?: number;
  /** Items admitted (running or waiting) across all requests; a request that would pass it gets 429 with `Retry-After`. Default 65 536. */
  maxPendingItems?: number;
  /** `Retry-After` of a 429, seconds. Default 1. */
  retryAfterSeconds?: number;
  /**
   * What `/get_reward` puts in `rewards` and `scores` for an item with no signal (`null`). Default
   * `null` (sent as JSON null, which OpenRLHF cannot turn into a tensor: choose a number deliberately
   * if the trainer cannot skip). `extra_logs.no_signal` marks such items with 1 either way.
   */
  nullReward?: number | null;
  /** Queue mode: score on {@link rewardWorker}s through this producer instead of in this process. */
  queue?: RewardQueue;
  /** Fastify's logger: `false` (default), `true`, or pino options (the `Authorization` header is always redacted). */
  logger?: boolean | Record<string, unknown>;
}

/** The numeric limits of {@link RewardServerOptions}, with their defaults (zod; checked once by {@link createRewardServer}). */
export const rewardServerLimits = z.object({
  bodyLimit: z.number().int().positive().default(64 * 1024 * 1024),
  maxBatch: z.number().int().positive().default(16_384),
  deadlineMs: z.number().int().positive().default(170_000),
  concurrency: z.number().int().positive().default(64),
  maxPendingItems: z.number().int().positive().default(65_536),
  retryAfterSeconds: z.number().int().nonnegative().default(1),
  nullReward: z.number().finite().nullable().default(null),
});

/** The JSON body of every error answer: a stable `code`, a message, and the offending `field` when there is one. */
export interface ServeErrorBody {
  error: { code: string; message: string; field?: string };
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly kind: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * Creates the reward server (Fastify, request bodies validated by zod schemas through
 * `fastify-type-provider-zod`). Routes:
 *
 * - `POST /get_reward[?reward=name]`: OpenRLHF's remote reward model protocol,
 *   `{query, prompts?, labels?}` → `{rewards, scores, extra_logs}`.
 * - `POST /compute_score[?reward=name]`: verl-style batch, `{items: [{data_source, solution_str,
 *   ground_truth, extra_info}]}` → `{results: [{score, ...extras}]}` in input order.
 * - `GET /health` (never needs the key) and `GET /metrics` (Prometheus text).
 *
 * Bad input gets a JSON error, never a stack: 400 (malformed JSON, a wrong type — the `field` is
 * named — or an unknown reward), 401 (missing or wrong key), 413 (body over `bodyLimit`, batch over
 * `maxBatch`), 429 with `Retry-After` (over `maxPendingItems`), 504 (deadline passed; the work is
 * cancelled through the reward's `AbortSignal`), 502 (a reward threw).
 *
 * @example
 * const app = createRewardServer(composition, { apiKey: process.env.RM_KEY });
 * await app.listen({ port: 5000, host: "0.0.0.0" });
 */
export function createRewardServer(composition: RewardComposition, options: RewardServerOptions = {}): FastifyInstance {
  const { maxBatch, deadlineMs, maxPendingItems: maxPending, retryAfterSeconds: retryAfter, nullReward, concurrency, bodyLimit } = parseConfig(
    rewardServerLimits,
    Object.fromEntries(Object.entries(options).filter(([k, v]) => k in rewardServerLimits.shape && v !== undefined)),
    "createRewardServer",
  );
  defineRewards(composition);
  const gate = new Semaphore(concurrency);
  const queue = options.queue;
  const metrics: ServeMetrics = createServeMetrics({
    ...(composition.judges !== undefined ? { judges: composition.judges } : {}),
    ...(queue !== undefined ? { queueDepth: () => queue.depth() } : {}),
  });
  const logger =
    options.logger === undefined || options.logger === false
      ? false
      : { ...(typeof options.logger === "object" ? options.logger : {}), redact: { paths: ["req.headers.authorization", "headers.authorization"], censor: "[redacted]" } };
  const app = Fastify({ bodyLimit, logger, genReqId: () => randomUUID() });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate("rlMetrics", metrics);
  let transformState = composition.transform?.init();
  let pending = 0;

  const expectedKey = options.apiKey !== undefined ? Buffer.from(`Bearer ${options.apiKey}`) : undefined;
  app.addHook("onRequest", async (request) => {
    (request as unknown as { t0: number }).t0 = performance.now();
    if (expectedKey === undefined || request.url === "/health") return;
    const got = Buffer.from(request.headers.authorization ?? "");
    if (got.length !== expectedKey.length || !timingSafeEqual(got, expectedKey)) {
      throw new HttpError(401, "UNAUTHORIZED", "unauthorized", "missing or wrong API key; send Authorization: Bearer <key>");
    }
  });
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unknown";
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, (performance.now() - (request as unknown as { t0: number }).t0) / 1000);
  });

  app.setErrorHandler((error: FastifyError | HttpError | RLError, request, reply) => {
    const sent = toErrorAnswer(error);
    metrics.errors.inc({ kind: sent.kind });
    if (sent.status >= 500 && sent.kind !== "timeout") request.log.error({ code: sent.body.error.code, message: error.message }, "request failed");
    if (sent.status === 429) void reply.header("Retry-After", String(retryAfter));
    return reply.status(sent.status).send(sent.body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: "NOT_FOUND", message: `no route ${request.method} ${request.url}; routes: POST /get_reward, POST /compute_score, GET /health, GET /metrics` } }),
  );

  /** Scores items under admission control, the deadline and the shared concurrency gate (or on the queue). */
  async function score(name: string, items: RewardItem[], reply: FastifyReply, key: string | undefined): Promise<ScoredItem[]> {
    if (pending + items.length > maxPending) {
      throw new HttpError(429, "BUSY", "busy", `server busy: ${pending} items pending, limit ${maxPending} (maxPendingItems); retry after ${retryAfter} s`);
    }
    pending += items.length;
    metrics.inFlight.set(pending);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new RLError("TIMEOUT", `deadline of ${deadlineMs} ms exceeded`)), deadlineMs);
    const onClose = () => {
      if (!reply.raw.writableFinished) controller.abort(new RLError("CANCELLED", "client closed the connection"));
    };
    reply.raw.on("close", onClose);
    try {
      const scored = queue !== undefined
        ? await queue.score(name, items, { signal: controller.signal, ...(key !== undefined ? { key } : {}) })
        : await scoreItems(composition, name, items, { signal: controller.signal, gate });
      metrics.items.inc({ reward: name }, items.length);
      const failed = scored.filter((s) => s.reason !== undefined).length;
      if (failed > 0) metrics.itemFailures.inc({ reward: name }, failed);
      return scored;
    } finally {
      clearTimeout(timer);
      reply.raw.off("close", onClose);
      pending -= items.length;
      metrics.inFlight.set(pending);
    }
  }

  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.post("/get_reward", { schema: { body: getRewardRequest(maxBatch), querystring: rewardQuerystring } }, async (request, reply) => {
    const name = resolveRewardName(composition, request.query.reward ?? null);
    const key = request.headers["idempotency-key"];
    return openRlhfAnswer(await score(name, itemsFromGetReward(request.body), reply, typeof key === "string" ? key : undefined));
  });
  typed.post("/compute_score", { schema: { body: computeScoreRequest(maxBatch), querystring: rewardQuerystring } }, async (request, reply) => {
    const items = itemsFromComputeScore(request.body);
    const requested = request.body.reward ?? request.query.reward ?? null;
    const names = items.map((it) => resolveRewardName(composition, requested, it.dataSource));
    const byName = new Map<string, number[]>();
    names.forEach((n, i) => byName.set(n, [...(byName.get(n) ?? []), i]));
    const results = new Array<Record<string, number | string | null>>(items.length);
    const key = request.headers["idempotency-key"];
    await Promise.all(
      [...byName].map(async ([name, idx]) => {
        const scored = await score(name, idx.map((i) => items[i]!), reply, typeof key === "string" ? `${key}:${name}` : undefined);
        scored.forEach((s, j) => {
          results[idx[j]!] = { score: s.score, ...s.extras, ...(s.reason !== undefined ? { reason: s.reason } : {}) };
        });
      }),
    );
    return { results };
  });
  app.get("/health", async () => ({ status: "ok", rewards: Object.keys(composition.rewards), mode: queue !== undefined ? "queue" : "in-process" }));
  app.get("/metrics", async (_request, reply) => {
    void reply.header("Content-Type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  /** OpenRLHF's answer: `scores` raw, `rewards` after the composition's transform, `extra_logs` per item. */
  function openRlhfAnswer(scored: ScoredItem[]) {
    const raw = scored.map((s) => s.score);
    let rewards = raw;
    if (composition.transform !== undefined) {
      const step = composition.transform.update({ rewards: raw }, transformState);
      transformState = step.state;
      rewards = step.output;
    }
    const extraLogs: Record<string, number[]> = { no_signal: raw.map((r) => (r === null ? 1 : 0)) };
    const extraNames = new Set(scored.flatMap((s) => Object.keys(s.extras)));
    for (const k of extraNames) extraLogs[k] = scored.map((s) => s.extras[k] ?? 0);
    const fill = (xs: (number | null)[]) => xs.map((x) => x ?? nullReward);
    return { rewards: fill(rewards), scores: fill(raw), extra_logs: extraLogs };
  }
  return app;
}

/** The metrics of a server made by {@link createRewardServer}. */
export function serverMetrics(app: FastifyInstance): ServeMetrics {
  const m = (app as unknown as { rlMetrics?: ServeMetrics }).rlMetrics;
  if (m === undefined) throw new RLError("INVALID_INPUT", "serverMetrics: not a server made by createRewardServer");
  return m;
}

/** Maps anything thrown in a request to its status, error kind (a metrics label) and JSON body. Never a stack. */
function toErrorAnswer(error: unknown): { status: number; kind: string; body: ServeErrorBody } {
  const answer = (status: number, code: string, kind: string, message: string, field?: string) => ({
    status,
    kind,
    body: { error: { code, message, ...(field !== undefined ? { field } : {}) } },
  });
  if (error instanceof HttpError) return answer(error.statusCode, error.code, error.kind, error.message, error.field);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0]!;
    const field = first.instancePath.replace(/^\//, "").replaceAll("/", ".") || "(body)";
    const tooBig = error.validation.find((v) => v.keyword === "too_big" && /^\/(query|items)$/.test(v.instancePath));
    if (tooBig !== undefined) {
      const name = tooBig.instancePath.slice(1);
      return answer(413, "BATCH_TOO_LARGE", "batch_too_large", `${name}: ${tooBig.message}`, name);
    }
    const where = error.validationContext === "querystring" ? "query string " : "";
    return answer(400, "INVALID_INPUT", "validation", `${where}${field}: ${first.message}`, field);
  }
  if (RLError.isInstance(error)) {
    if (error.code === "REGISTRY_NOT_FOUND") return answer(400, "UNKNOWN_REWARD", "unknown_reward", error.message, "reward");
    if (error.code === "TIMEOUT") return answer(504, "TIMEOUT", "timeout", error.message);
    if (error.code === "CANCELLED") return answer(499, "CANCELLED", "cancelled", error.message);
    return answer(502, error.code, "reward_error", `a reward failed: ${error.message}`);
  }
  const e = error as FastifyError;
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") return answer(413, "BODY_TOO_LARGE", "body_too_large", `request body is larger than the server's limit (bodyLimit)`);
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    const kind = e.statusCode === 415 ? "unsupported_media_type" : "malformed";
    const code = e.code === "FST_ERR_CTP_EMPTY_JSON_BODY" || e.code === "FST_ERR_CTP_INVALID_JSON_BODY" || e instanceof SyntaxError ? "MALFORMED_JSON" : (e.code ?? "BAD_REQUEST");
    return answer(e.statusCode, code, kind, e.message);
  }
  if (e instanceof Error && !(error instanceof RLError)) return answer(502, "REWARD_ERROR", "reward_error", `a reward failed: ${e.message}`);
  return answer(500, "INTERNAL", "internal", "internal error");
}

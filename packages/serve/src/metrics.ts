import { RLError, describeValue } from "@rl/core/arrays";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CachedJudge } from "@rl/rewards/rubric";

/** The Prometheus metrics of one reward server (`GET /metrics`). All names start with `rl_serve_`. */
export interface ServeMetrics {
  /** The prom-client registry behind `/metrics`. */
  readonly registry: Registry;
  /** `rl_serve_requests_total{route,status}`. */
  readonly requests: Counter<"route" | "status">;
  /** `rl_serve_request_duration_seconds{route}`: latency histogram. */
  readonly latency: Histogram<"route">;
  /** `rl_serve_errors_total{kind}`: `validation`, `body_too_large`, `batch_too_large`, `unknown_reward`, `unauthorized`, `busy`, `timeout`, `reward_error`, `queue`, `internal`. */
  readonly errors: Counter<"kind">;
  /** `rl_serve_items_total{reward}`: items scored (throughput = its rate). */
  readonly items: Counter<"reward">;
  /** `rl_serve_item_failures_total{reward}`: items answered `null` because their job exhausted its retries. */
  readonly itemFailures: Counter<"reward">;
  /** `rl_serve_items_in_flight`: items admitted and not yet answered. */
  readonly inFlight: Gauge;
}

/** Options of {@link createServeMetrics}: what the collect-time gauges read. */
export interface ServeMetricsSources {
  /** Cached judges: `rl_serve_judge_cache_hits` / `_misses` / `_size{judge}`. */
  judges?: Record<string, CachedJudge>;
  /** Queue job counts by state: `rl_serve_queue_jobs{state}` (queue depth). */
  queueDepth?: () => Promise<Record<string, number>>;
}

/**
 * Creates the server's metrics on a fresh prom-client registry (never the global one, so two
 * servers in a process do not collide). Judge-cache and queue-depth gauges are read at scrape time.
 */
export function createServeMetrics(sources: ServeMetricsSources = {}): ServeMetrics {
  if (typeof sources !== "object" || sources === null) throw new RLError("INVALID_INPUT", `createServeMetrics: sources must be an object, got ${describeValue(sources)}`);
  const registry = new Registry();
  const judges = sources.judges ?? {};
  const judgeGauge = (what: "hits" | "misses" | "size", help: string) =>
    new Gauge({
      name: `rl_serve_judge_cache_${what}`,
      help,
      labelNames: ["judge"],
      registers: [registry],
      collect() {
        for (const [name, judge] of Object.entries(judges)) this.set({ judge: name }, judge.stats()[what]);
      },
    });
  judgeGauge("hits", "Judge verdicts answered from the cache (or an identical request in flight).");
  judgeGauge("misses", "Judge verdicts sent to the judge.");
  judgeGauge("size", "Verdicts held in the judge cache.");
  const queueDepth = sources.queueDepth;
  if (queueDepth !== undefined) {
    new Gauge({
      name: "rl_serve_queue_jobs",
      help: "Reward jobs on the queue by state (waiting + active + delayed = depth).",
      labelNames: ["state"],
      registers: [registry],
      async collect() {
        try {
          for (const [state, n] of Object.entries(await queueDepth())) this.set({ state }, n);
        } catch {
          // Redis unreachable: keep the last values rather than fail the scrape
        }
      },
    });
  }
  return {
    registry,
    requests: new Counter({ name: "rl_serve_requests_total", help: "HTTP requests by route and status.", labelNames: ["route", "status"], registers: [registry] }),
    latency: new Histogram({
      name: "rl_serve_request_duration_seconds",
      help: "Request latency by route.",
      labelNames: ["route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180],
      registers: [registry],
    }),
    errors: new Counter({ name: "rl_serve_errors_total", help: "Errors by kind.", labelNames: ["kind"], registers: [registry] }),
    items: new Counter({ name: "rl_serve_items_total", help: "Items scored, by reward.", labelNames: ["reward"], registers: [registry] }),
    itemFailures: new Counter({ name: "rl_serve_item_failures_total", help: "Items answered null after their job exhausted its retries.", labelNames: ["reward"], registers: [registry] }),
    inFlight: new Gauge({ name: "rl_serve_items_in_flight", help: "Items admitted and not yet answered.", registers: [registry] }),
  };
}

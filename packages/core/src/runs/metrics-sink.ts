import { RLError } from "../errors.js";
import { openJsonlWriter, type JsonlWriterConfig } from "../data/jsonl-writer.js";

/** One logged step: `step` and the metrics, by TRL's names (`loss`, `grad_norm`, `learning_rate`, `rewards/chosen`, …). */
export type MetricsRecord = { readonly step: number } & Readonly<Record<string, number>>;

/** Where a training loop sends its metrics, one call per step. */
export interface MetricsSink {
  log(step: number, metrics: Readonly<Record<string, number>>): Promise<void>;
  close(): Promise<void>;
}

/** `@rl` metric names that TRL spells differently (`trainStep`'s metrics → TRL's `log_history` keys). */
export const trlMetricNames: Readonly<Record<string, string>> = { gradNorm: "grad_norm", learningRate: "learning_rate" };

/**
 * One record per step, with TRL's metric names ({@link trlMetricNames} renamed, others kept) and
 * every value checked finite (`RLError("NON_FINITE")` naming the metric: a NaN loss is a bug to
 * see, not a line to skip).
 * @example
 * metricsRecord(3, { loss: 0.5, gradNorm: 1.2 }); // { step: 3, loss: 0.5, grad_norm: 1.2 }
 */
export function metricsRecord(step: number, metrics: Readonly<Record<string, number>>): MetricsRecord {
  if (!Number.isInteger(step) || step < 0) throw new RLError("INVALID_INPUT", `metricsRecord: step must be a non-negative integer, got ${step}`);
  const out: Record<string, number> = { step };
  for (const [k, v] of Object.entries(metrics)) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new RLError("NON_FINITE", `metricsRecord: metric ${k} at step ${step} is ${String(v)}`);
    const name = trlMetricNames[k] ?? k;
    if (name === "step") throw new RLError("INVALID_INPUT", `metricsRecord: "step" is reserved`);
    out[name] = v;
  }
  return out as MetricsRecord;
}

/**
 * The default sink: a JSONL file, one {@link metricsRecord} line per step (Node; appends by
 * default, so a resumed run continues its log). Lines are whole even after a crash (core's JSONL
 * writer). The example writes the line `{"step":1,"loss":0.69}`.
 * @example
 * const sink = await jsonlMetricsSink("metrics.jsonl");
 * await sink.log(1, { loss: 0.69 });
 * await sink.close();
 */
export async function jsonlMetricsSink(path: string, config: JsonlWriterConfig = {}): Promise<MetricsSink> {
  const writer = await openJsonlWriter(path, undefined, config);
  return {
    log: (step, metrics) => writer.write(metricsRecord(step, metrics)),
    close: () => writer.close(),
  };
}

/**
 * A sink that keeps the records in memory (`records`), for tests, notebooks and recipes.
 * @example
 * const sink = memoryMetricsSink();
 * await sink.log(1, { loss: 0.5 });
 * sink.records; // [{ step: 1, loss: 0.5 }]
 */
export function memoryMetricsSink(): MetricsSink & { readonly records: MetricsRecord[] } {
  const records: MetricsRecord[] = [];
  return {
    records,
    log: (step, metrics) => {
      records.push(metricsRecord(step, metrics));
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

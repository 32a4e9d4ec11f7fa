import { RLError, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import type { ParameterOptimizer } from "../training/adamw.js";
import { applyStepGradients, checkTrainBatches } from "../training/step-parts.js";
import { trainStepConfig, type TrainBatch, type TrainStepMetrics } from "../training/train-step.js";
import { checkParams, poolInternals, type DataParallelPool } from "./pool.js";
import type { Request, WireBatch, WireTensor } from "./protocol.js";

/** Config of {@link dataParallelStep}: `trainStep`'s (`maxGradNorm`, `schedule`, `temperature`) plus the shard weighting. */
export const dataParallelStepConfig = z.object({
  maxGradNorm: trainStepConfig.shape.maxGradNorm,
  schedule: trainStepConfig.shape.schedule,
  temperature: trainStepConfig.shape.temperature,
  /**
   * How shard gradients combine, to match the loss's aggregation over the whole batch:
   * `"tokens"` (w_k = tokens in shard k / tokens in the batch: token-mean losses, e.g. grpoLoss
   * `"dapo"`/`"bnpo"`, ppoPolicyLoss's default), `"rows"` (w_k = rows_k / B: per-sequence means,
   * grpoLoss `"grpo"`, `"dr_grpo"`, DPO) or `"sum"` (w_k = 1: losses already normalised by a global
   * count). Tokens are counted on `lossMask` with position 0 cleared (the loss's mask). Default `"tokens"`.
   */
  shardWeight: z.enum(["tokens", "rows", "sum"]).default("tokens"),
});
export type DataParallelStepConfig = z.input<typeof dataParallelStepConfig>;

/** Options of {@link dataParallelStep}. */
export interface DataParallelStepOptions<S extends { step: number }> extends DataParallelStepConfig {
  /** The name of a `TrainLoss` export of the pool's model module (a function cannot cross threads). */
  loss: string;
  /** The main thread's optimizer; its `params` must match the replicas' parameters one to one. */
  optimizer: ParameterOptimizer<S>;
  /** The optimizer state. */
  state: S;
}

/** Metrics of one {@link dataParallelStep}: `trainStep`'s, plus the shards. */
export interface DataParallelStepMetrics extends TrainStepMetrics {
  /** Rows of each shard (worker order; 0 = the worker sat out). */
  shardRows: number[];
  /** Weight of each shard's gradient (sums to 1 unless `shardWeight: "sum"`). */
  shardWeights: number[];
}

/**
 * Contiguous row ranges of `rows` rows over `workers` shards, as even as possible (the first
 * `rows mod workers` shards get one row more): `[start, end)` each; empty shards when rows < workers.
 * @example
 * shardRows(10, 3); // [[0, 4], [4, 7], [7, 10]]
 */
export function shardRows(rows: number, workers: number): [number, number][] {
  if (!Number.isInteger(rows) || rows < 0) throw new RLError("INVALID_INPUT", `shardRows: rows must be a non-negative integer, got ${rows}`);
  if (!Number.isInteger(workers) || workers < 1) throw new RLError("INVALID_INPUT", `shardRows: workers must be a positive integer, got ${workers}`);
  const base = Math.floor(rows / workers);
  const extra = rows % workers;
  const out: [number, number][] = [];
  let start = 0;
  for (let k = 0; k < workers; k++) {
    const n = base + (k < extra ? 1 : 0);
    out.push([start, start + n]);
    start += n;
  }
  return out;
}

/**
 * One data-parallel optimisation step, equal (to float32 rounding) to `trainStep` on the whole batch
 * in one process: the batch's rows are split into one contiguous shard per replica
 * ({@link shardRows}); each worker computes its shard's loss L_k and gradient g_k with its replica
 * (same forward and loss as `trainStep`); the main thread combines
 *
 *   g = Σ_k w_k g_k,   L = Σ_k w_k L_k,   w_k = n_k / Σ_j n_j   (n = tokens or rows, `shardWeight`)
 *
 * then clips by global norm and applies one optimizer update in place (as `trainStep`), and copies
 * the new weights into every replica, so the replicas stay identical to the main model (the copy is
 * posted without waiting for it: every worker loads it before its next request, and the next use
 * of the pool waits for it and reports a failed load). The main thread's parameters are the source of truth: when they are not the ones last sent, they are sent
 * first (call `pool.setWeights` after changing them by other means).
 *
 * Every tensor field of the batch whose first dimension is B is split by rows; other tensors are
 * sent whole, other fields structured-cloned. Leak-free in the main thread and in the workers.
 * An error in a worker rejects with an `RLError` carrying the worker's message (and its code when
 * it was an RLError); a non-finite gradient norm throws `RLError("NON_FINITE")` before any update.
 *
 * @example
 * const pool = await createDataParallel({ workers: 2, modelModule: new URL("./model.js", import.meta.url), factoryName: "createReplica", factoryArgs: [model.config] });
 * const opt = adamW(vars, { learningRate: 1e-3 });
 * let state = opt.init();
 * const out = await dataParallelStep(pool, batch, { loss: "policyLoss", optimizer: opt, state, shardWeight: "rows" });
 * state = out.state; // out.metrics: trainStep's metrics + shardRows, shardWeights
 */
export async function dataParallelStep<B extends TrainBatch, S extends { step: number }>(
  pool: DataParallelPool,
  batch: B,
  options: DataParallelStepOptions<S>,
): Promise<{ state: S; metrics: DataParallelStepMetrics }> {
  const where = "dataParallelStep";
  const inner = poolInternals(pool, where);
  const { loss, optimizer, state, ...rest } = options;
  if (typeof loss !== "string" || loss.length === 0) throw new RLError("INVALID_INPUT", `${where}: loss must be the name of a TrainLoss export of the model module`);
  if (optimizer === undefined || !Array.isArray(optimizer.params)) throw new RLError("INVALID_INPUT", `${where}: optimizer must be a ParameterOptimizer (e.g. adamW)`);
  const cfg = parseConfig(dataParallelStepConfig, rest, where);
  checkTrainBatches([batch], where);
  const params = optimizer.params;
  checkParams(pool.params, params, where);
  const B = batch.tokenIds.shape[0];
  const T = batch.tokenIds.shape[1];
  const ranges = shardRows(B, pool.workers);

  // Shard weights from the loss mask (position 0 cleared, as the loss sees it).
  const maskData = batch.lossMask.dataSync();
  const counts = ranges.map(([s, e]) => {
    if (cfg.shardWeight !== "tokens") return e - s;
    let n = 0;
    for (let r = s; r < e; r++) for (let t = 1; t < T; t++) if (maskData[r * T + t] !== 0) n++;
    return n;
  });
  const totalCount = counts.reduce((a, b) => a + b, 0);
  const weights = counts.map((n) => (cfg.shardWeight === "sum" ? (n > 0 ? 1 : 0) : totalCount > 0 ? n / totalCount : 0));
  if (cfg.shardWeight === "tokens" && totalCount === 0) throw new RLError("INVALID_INPUT", `${where}: lossMask selects no token (after position 0); nothing to train on`);

  if (!sameVars(inner.syncedWith, params)) await pool.setWeights(params);

  const wire = wireShards(batch, ranges, where);
  const active = ranges.map((_, k) => k).filter((k) => (weights[k] as number) > 0);
  // The previous step's weight loads were posted without waiting; each worker runs them before
  // these requests, and awaiting them here surfaces a failed load instead of stale gradients.
  const [replies] = await Promise.all([
    Promise.all(
      active.map((k) => {
        const shard = wire[k] as { batch: WireBatch; transfer: ArrayBuffer[] };
        return inner.request(k, { type: "grads", id: 0, batch: shard.batch, loss, temperature: cfg.temperature } as Request, shard.transfer);
      }),
    ),
    inner.pending(),
  ]);

  // g = Σ w_k g_k (float64 accumulation), L and metrics likewise.
  const total = inner.total;
  const sum = new Float64Array(total);
  const present = params.map(() => false);
  let lossValue = 0;
  const lossMetrics: Record<string, number> = {};
  replies.forEach((reply, j) => {
    const k = active[j] as number;
    const w = weights[k] as number;
    const flat = reply.flat ?? inner.gradsView(k);
    if (flat === null) throw new RLError("INTERNAL", `${where}: worker ${k} returned no gradients`);
    for (let i = 0; i < total; i++) sum[i] = (sum[i] as number) + w * (flat[i] as number);
    reply.present?.forEach((p, i) => { if (p) present[i] = true; });
    lossValue += w * (reply.loss ?? 0);
    for (const [name, v] of Object.entries(reply.metricSums ?? {})) lossMetrics[name] = (lossMetrics[name] ?? 0) + w * v;
  });
  let off = 0;
  const grads = params.map((p, i) => {
    const n = p.size;
    const g = present[i] ? tf.tensor(new Float32Array(sum.subarray(off, off + n)), p.shape, "float32") : null;
    off += n;
    return g;
  });
  let next: { state: S; gradNorm: number; learningRate: number };
  try {
    next = applyStepGradients(grads, optimizer, state, { maxGradNorm: cfg.maxGradNorm, schedule: cfg.schedule, where });
  } finally {
    for (const g of grads) g?.dispose();
  }
  // Post the new weights to every replica without waiting: the next use of the pool waits for them.
  inner.sendWeights(params);
  return {
    state: next.state,
    metrics: {
      loss: lossValue,
      gradNorm: next.gradNorm,
      learningRate: next.learningRate,
      step: next.state.step,
      lossMetrics,
      shardRows: ranges.map(([s, e]) => e - s),
      shardWeights: weights,
    },
  };
}

function sameVars(a: readonly tf.Variable[] | null, b: readonly tf.Variable[]): boolean {
  return a !== null && a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Each shard's tensors as plain arrays (row slices of every `[B, ...]` tensor) and the buffers to transfer. */
function wireShards(batch: TrainBatch, ranges: readonly [number, number][], where: string): { batch: WireBatch; transfer: ArrayBuffer[] }[] {
  const B = batch.tokenIds.shape[0];
  const shards = ranges.map(() => ({ batch: { tensors: {}, values: {} } as WireBatch, transfer: [] as ArrayBuffer[] }));
  for (const [key, value] of Object.entries(batch)) {
    if (value instanceof tf.Tensor) {
      const dtype = value.dtype;
      if (dtype !== "float32" && dtype !== "int32" && dtype !== "bool") throw new RLError("INVALID_INPUT", `${where}: batch.${key} is ${dtype}; only float32, int32 and bool tensors can be sharded`);
      const data = value.dataSync() as Float32Array | Int32Array | Uint8Array;
      const byRows = value.rank >= 1 && value.shape[0] === B;
      const rowSize = byRows ? value.size / Math.max(1, B) : 0;
      ranges.forEach(([s, e], k) => {
        const part = byRows ? data.slice(s * rowSize, e * rowSize) : data.slice();
        const shape = byRows ? [e - s, ...value.shape.slice(1)] : [...value.shape];
        const shard = shards[k] as { batch: WireBatch; transfer: ArrayBuffer[] };
        shard.batch.tensors[key] = { data: part, shape, dtype } satisfies WireTensor;
        shard.transfer.push(part.buffer as ArrayBuffer);
      });
    } else {
      for (const shard of shards) shard.batch.values[key] = value;
    }
  }
  return shards;
}

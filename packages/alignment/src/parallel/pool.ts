import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { RLError, parseConfig, tf, type RLErrorCode } from "@rl/core";
import { z } from "zod";
import type { PolicyModel } from "../training/model-log-probs.js";
import type { ParamInfo, Reply, Request, TransferMode, WireError } from "./protocol.js";

export type { TransferMode } from "./protocol.js";

/**
 * What the model factory of a data-parallel pool returns, in each worker: the model and the
 * parameters it trains, **in the order of the main thread's optimizer** (`optimizer.params`).
 * Functions exported by the same module for `pool.map` receive it as their first argument.
 */
export interface Replica {
  /** The model, as `trainStep` takes it (a LayersModel or a function over `params`). */
  model: PolicyModel;
  /** Its trainable variables (float32), in the main optimizer's order. */
  params: readonly tf.Variable[];
  /** Anything else the module's functions need (a tokenizer, a config). */
  [key: string]: unknown;
}

/** Config of {@link createDataParallel}. */
export const dataParallelConfig = z.object({
  /** Replicas (worker threads). At least 1; one per core is the usual choice. */
  workers: z.number().int().min(1).max(256),
  /**
   * The ES module each worker imports to build its replica: a `URL` (`new URL("./model.js", import.meta.url)`),
   * a `file:`/`data:` URL string, or a file path (relative paths resolve against `process.cwd()`).
   * It must be plain JavaScript that Node can import (a built `.js`/`.mjs`, not TypeScript).
   */
  modelModule: z.union([z.instanceof(URL), z.string().min(1)]),
  /** The export that builds a {@link Replica}: `(...factoryArgs) => Replica | Promise<Replica>`. Default `"default"`. */
  factoryName: z.string().min(1).default("default"),
  /** Arguments of the factory (structured-cloneable: numbers, strings, plain objects, typed arrays). Default `[]`. */
  factoryArgs: z.array(z.unknown()).default([]),
  /** tfjs backend of the workers (core's `ready`). Default: the main thread's active backend. */
  backend: z.string().min(1).optional(),
  /**
   * How gradients and weights cross threads: `"shared"` (one SharedArrayBuffer for the weights,
   * one region per replica for its gradients: nothing is copied per message) or `"transfer"`
   * (transferable ArrayBuffers, one weight copy per replica). Default `"shared"` (see docs/core-decisions.md).
   */
  transfer: z.enum(["shared", "transfer"]).default("shared"),
});
export type DataParallelConfig = z.input<typeof dataParallelConfig>;

/** A pool of model replicas in worker threads, from {@link createDataParallel}. */
export interface DataParallelPool {
  /** Replicas. */
  readonly workers: number;
  /** How gradients and weights cross threads. */
  readonly transfer: TransferMode;
  /** The replicas' parameters (name, shape, dtype), in the factory's order. */
  readonly params: readonly ParamInfo[];
  /**
   * Copies `params` (the main thread's variables, same order and shapes as the replicas') into every
   * replica. `dataParallelStep` does this itself; call it after changing the weights outside it.
   */
  setWeights(params: readonly tf.Variable[]): Promise<void>;
  /**
   * Runs the model module's export `name` as `fn(replica, input)` for every input, input `i` on
   * worker `i mod workers` (each worker runs its inputs in order), and returns the results in input
   * order. Inputs and results are structured-cloned. For sharded sampling pass one input per worker
   * (its prompts and a seed). A throw in the worker rejects with an `RLError` carrying its message.
   */
  map<I, O>(name: string, inputs: readonly I[]): Promise<O[]>;
  /** Terminates the workers (idempotent). The pool cannot be used afterwards. */
  close(): Promise<void>;
}

/** @internal What `dataParallelStep` needs of a pool. */
export interface PoolInternals {
  request(worker: number, req: Request, transfer?: ArrayBuffer[]): Promise<Reply & { ok: true }>;
  syncedWith: readonly tf.Variable[] | null;
  /** Floats in all parameters together. */
  total: number;
  /** Shared mode: replica `k`'s gradient region (written by the worker before it replies); else null. */
  gradsView(k: number): Float32Array | null;
  /**
   * Writes `vars` for every replica and posts the loads without waiting for them (each worker runs
   * its requests in order, so a later request sees the new weights); `pending()` settles when they are done.
   */
  sendWeights(vars: readonly tf.Variable[]): void;
  /** The weight loads posted by `sendWeights` and not yet awaited (rejects with a worker's error). */
  pending(): Promise<void>;
}

const internals = new WeakMap<DataParallelPool, PoolInternals>();

/** @internal */
export function poolInternals(pool: DataParallelPool, where: string): PoolInternals {
  const i = internals.get(pool);
  if (i === undefined) throw new RLError("INVALID_INPUT", `${where}: not a pool from createDataParallel`);
  return i;
}

/** The compiled worker script (from the sources under vitest, the package's dist). */
function workerScript(): URL {
  const here = new URL(import.meta.url);
  const url = here.pathname.endsWith(".ts") ? new URL("../../dist/parallel/worker.js", here) : new URL("./worker.js", here);
  if (url.protocol === "file:" && !existsSync(fileURLToPath(url))) {
    throw new RLError("IO", `createDataParallel: the worker script ${fileURLToPath(url)} is missing; build @rl/alignment first (pnpm build)`);
  }
  return url;
}

function moduleHref(m: URL | string): string {
  if (m instanceof URL) return m.href;
  if (/^(file|data|https?):/.test(m)) return m;
  return pathToFileURL(isAbsolute(m) ? m : resolve(process.cwd(), m)).href;
}

/** Node flags a worker must not inherit: export conditions (a test runner's "@rl/source") would load TypeScript sources. */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--conditions" || a === "-C") { i++; continue; }
    if (a.startsWith("--conditions=") || a.startsWith("-C=")) continue;
    out.push(a);
  }
  return out;
}

/**
 * A worker with the parent's flags (minus export conditions); when Node rejects one of them for a
 * worker (process-wide V8 flags such as `--max-old-space-size`: ERR_WORKER_INVALID_EXEC_ARGV), with none.
 */
function startWorker(script: URL, w: number): Worker {
  const name = `@rl/alignment replica ${w}`;
  try {
    return new Worker(script, { execArgv: workerExecArgv(), name });
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw error;
    return new Worker(script, { execArgv: [], name });
  }
}

/** An RLError from a worker's serialised error: its code when it was an RLError, else `INTERNAL`; its message. */
function fromWire(worker: number, error: WireError): RLError {
  const code = (error.code ?? "INTERNAL") as RLErrorCode;
  const e = new RLError(code, `worker ${worker}: ${error.message}`);
  if (error.stack !== undefined) e.stack = `${e.name}: ${e.message}\n    --- in worker ${worker} ---\n${error.stack}`;
  return e;
}

/**
 * Starts `workers` worker threads, each holding one replica of the model, built by the export
 * `factoryName` of `modelModule` (called with `factoryArgs`). The replicas start from whatever
 * weights the factory gives; the first `dataParallelStep` (or `pool.setWeights`) copies the main
 * thread's weights into them.
 *
 * Why plain `worker_threads` and no pool library (piscina, tinypool): a replica is stateful (its
 * weights) and every step must reach every replica (a broadcast), while those libraries hand a
 * task to whichever worker is idle. Workers are `unref`'d while idle, so a forgotten pool does not
 * keep the process alive; still, call `close()`.
 *
 * @example
 * // model.js exports createReplica(config) → { model, params } and the TrainLoss "policyLoss"
 * const pool = await createDataParallel({ workers: 2, modelModule: new URL("./model.js", import.meta.url), factoryName: "createReplica", factoryArgs: [model.config] });
 * try {
 *   const opt = adamW(vars);
 *   const out = await dataParallelStep(pool, batch, { loss: "policyLoss", optimizer: opt, state: opt.init() });
 * } finally {
 *   await pool.close();
 * }
 */
export async function createDataParallel(config: DataParallelConfig): Promise<DataParallelPool> {
  const cfg = parseConfig(dataParallelConfig, config, "createDataParallel");
  const script = workerScript();
  const backend = cfg.backend ?? tf.getBackend();
  const href = moduleHref(cfg.modelModule);
  const pending = new Map<number, { worker: number; resolve: (r: Reply & { ok: true }) => void; reject: (e: RLError) => void }>();
  const busy = new Array<number>(cfg.workers).fill(0);
  let nextId = 1;
  let closed = false;
  let failure: RLError | null = null;
  const threads: Worker[] = [];

  const fail = (worker: number, error: RLError) => {
    failure ??= error;
    for (const [id, p] of pending) {
      if (p.worker === worker) {
        pending.delete(id);
        p.reject(error);
      }
    }
  };
  for (let w = 0; w < cfg.workers; w++) {
    const t = startWorker(script, w);
    t.on("message", (reply: Reply) => {
      const p = pending.get(reply.id);
      if (p === undefined) return;
      pending.delete(reply.id);
      busy[w] = (busy[w] as number) - 1;
      if (busy[w] === 0) t.unref();
      if (reply.ok) p.resolve(reply);
      else p.reject(fromWire(w, reply.error));
    });
    t.on("error", (e: Error) => fail(w, new RLError("INTERNAL", `worker ${w}: ${e.message}`, { cause: e })));
    t.on("exit", (code) => {
      if (!closed) fail(w, new RLError("INTERNAL", `worker ${w} exited (code ${code})`));
    });
    threads.push(t);
  }

  const request = (worker: number, req: Omit<Request, "id">, transfer: ArrayBuffer[] = []): Promise<Reply & { ok: true }> => {
    if (closed) return Promise.reject(new RLError("INVALID_INPUT", "data-parallel pool: already closed"));
    if (failure !== null) return Promise.reject(failure);
    const id = nextId++;
    const t = threads[worker] as Worker;
    return new Promise((resolveReply, reject) => {
      pending.set(id, { worker, resolve: resolveReply, reject });
      if (busy[worker] === 0) t.ref();
      busy[worker] = (busy[worker] as number) + 1;
      try {
        t.postMessage({ ...req, id }, transfer);
      } catch (error) {
        pending.delete(id);
        busy[worker] = (busy[worker] as number) - 1;
        reject(new RLError("INVALID_INPUT", `data-parallel pool: could not send to worker ${worker}: ${String(error)}`, { cause: error }));
      }
    });
  };

  const close = async () => {
    if (closed) return;
    closed = true;
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new RLError("CANCELLED", "data-parallel pool: closed"));
    }
    await Promise.all(threads.map((t) => t.terminate()));
  };

  let params: ParamInfo[];
  try {
    const replies = await Promise.all(
      threads.map((_, w) => request(w, { type: "init", modelModule: href, factoryName: cfg.factoryName, factoryArgs: cfg.factoryArgs, backend } as Omit<Request, "id">)),
    );
    params = replies[0]?.params ?? [];
    const bad = params.find((p) => p.dtype !== "float32");
    if (bad !== undefined) throw new RLError("INVALID_CONFIG", `createDataParallel: parameter ${bad.name} is ${bad.dtype}; replicas train float32 parameters only`);
    if (params.length === 0) throw new RLError("INVALID_CONFIG", `createDataParallel: ${cfg.factoryName}(...) returned no params`);
  } catch (error) {
    await close();
    throw error;
  }
  const total = params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  let shared: { weights: SharedArrayBuffer; grads: SharedArrayBuffer } | null =
    cfg.transfer === "shared" ? { weights: new SharedArrayBuffer(total * 4), grads: new SharedArrayBuffer(total * 4 * cfg.workers) } : null;
  let sharedSent = false;

  // Weight loads posted and not yet awaited: every later use of the pool awaits them (an error in a
  // worker surfaces there), and nothing writes the shared weights while a worker may still read them.
  let inFlight: Promise<void> = Promise.resolve();
  const postWeights = (vars: readonly tf.Variable[]): Promise<void> => {
    checkParams(params, vars, "setWeights");
    let sent: Promise<unknown>;
    if (shared !== null) {
      writeFlat(vars, new Float32Array(shared.weights));
      const send = sharedSent ? undefined : shared;
      sent = Promise.all(threads.map((_, w) => request(w, { type: "setWeights", ...(send !== undefined ? { shared: { ...send, slot: w } } : {}) } as Omit<Request, "id">)));
      sharedSent = true;
    } else {
      const first = new Float32Array(total);
      writeFlat(vars, first);
      // One copy per replica, all made before the first transfer detaches `first`.
      const copies = threads.map((_, w) => (w === 0 ? first : first.slice()));
      sent = Promise.all(copies.map((flat, w) => request(w, { type: "setWeights", flat } as Omit<Request, "id">, [flat.buffer as ArrayBuffer])));
    }
    inner.syncedWith = [...vars];
    const done = sent.then(() => undefined);
    done.catch(() => undefined); // awaited by the next use of the pool; not an unhandled rejection meanwhile
    inFlight = done;
    return done;
  };

  const inner: PoolInternals = {
    request: (w, req, transfer) => request(w, req as Omit<Request, "id">, transfer),
    syncedWith: null,
    total,
    gradsView: (k) => (shared === null ? null : new Float32Array(shared.grads, k * total * 4, total)),
    sendWeights: (vars) => {
      void postWeights(vars);
    },
    pending: () => inFlight,
  };

  const pool: DataParallelPool = {
    workers: cfg.workers,
    transfer: cfg.transfer,
    params,
    async setWeights(vars) {
      checkParams(params, vars, "setWeights");
      await inFlight.catch(() => undefined); // a failed earlier load is superseded by this one
      await postWeights(vars);
    },
    async map<I, O>(name: string, inputs: readonly I[]): Promise<O[]> {
      if (typeof name !== "string" || name.length === 0) throw new RLError("INVALID_INPUT", "pool.map: name must be the name of a function export of the model module");
      const calls = Promise.all(inputs.map((input, i) => request(i % cfg.workers, { type: "call", name, input } as Omit<Request, "id">)));
      const [replies] = await Promise.all([calls, inFlight]);
      return replies.map((r) => r.value as O);
    },
    async close() {
      shared = null;
      await close();
    },
  };
  internals.set(pool, inner);
  for (const t of threads) t.unref();
  return pool;
}

/** Throws unless `vars` match the replicas' parameters one to one (count and shapes). */
export function checkParams(params: readonly ParamInfo[], vars: readonly tf.Variable[], where: string): void {
  if (vars.length !== params.length) {
    throw new RLError("SHAPE_MISMATCH", `${where}: ${vars.length} parameters given, the replicas have ${params.length}`);
  }
  vars.forEach((v, i) => {
    const p = params[i] as ParamInfo;
    if (v.shape.length !== p.shape.length || v.shape.some((d, j) => d !== p.shape[j])) {
      throw new RLError("SHAPE_MISMATCH", `${where}: parameter ${i} (${v.name}) is [${v.shape.join(",")}], the replicas' (${p.name}) is [${p.shape.join(",")}]`);
    }
    if (v.dtype !== "float32") throw new RLError("INVALID_INPUT", `${where}: parameter ${i} (${v.name}) is ${v.dtype}, expected float32`);
  });
}

/** Writes the variables one after another into `flat`. */
function writeFlat(vars: readonly tf.Variable[], flat: Float32Array): void {
  let off = 0;
  for (const v of vars) {
    const data = v.dataSync() as Float32Array;
    flat.set(data, off);
    off += data.length;
  }
}

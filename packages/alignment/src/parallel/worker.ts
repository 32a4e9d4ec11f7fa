// The replica worker: builds the model from the user's module, loads weights, computes the
// gradients of its shard and runs named functions (sampling). Started by `createDataParallel`.
import { parentPort } from "node:worker_threads";
import { RLError, ready, tf } from "@rl/core";
import { computeStepGradients } from "../training/step-parts.js";
import type { TrainBatch, TrainLoss } from "../training/train-step.js";
import type { ParamInfo, Reply, Request, WireBatch } from "./protocol.js";
import type { Replica } from "./pool.js";

if (parentPort === null) throw new RLError("INVALID_INPUT", "@rl/alignment parallel worker: must run in a worker_threads Worker");
const port = parentPort;

let replica: Replica | null = null;
let userModule: Record<string, unknown> = {};
let shared: { weights: Float32Array; grads: Float32Array } | null = null;
let sizes: number[] = [];
let total = 0;

function need(): Replica {
  if (replica === null) throw new RLError("INTERNAL", "parallel worker: not initialised");
  return replica;
}

function exported<T>(name: string, what: string): T {
  const f = userModule[name];
  if (typeof f !== "function") throw new RLError("INVALID_CONFIG", `parallel worker: the model module has no function export "${name}" (${what})`);
  return f as T;
}

function loadWeights(flat: Float32Array): void {
  const params = need().params;
  let off = 0;
  params.forEach((p, i) => {
    const n = sizes[i] as number;
    const t = tf.tensor(flat.slice(off, off + n), p.shape, "float32");
    p.assign(t);
    t.dispose();
    off += n;
  });
}

function toBatch(wire: WireBatch): TrainBatch & Record<string, unknown> {
  const out: Record<string, unknown> = { ...wire.values };
  for (const [k, w] of Object.entries(wire.tensors)) out[k] = tf.tensor(w.data, w.shape, w.dtype);
  return out as TrainBatch & Record<string, unknown>;
}

async function handle(req: Request): Promise<{ reply: Reply; transfer: ArrayBuffer[] }> {
  switch (req.type) {
    case "init": {
      await ready({ backend: req.backend as "wasm" });
      userModule = (await import(req.modelModule)) as Record<string, unknown>;
      const factory = exported<(...args: unknown[]) => Replica | Promise<Replica>>(req.factoryName, "the model factory");
      const r = await factory(...req.factoryArgs);
      if (r === null || typeof r !== "object" || !Array.isArray(r.params) || r.model === undefined) {
        throw new RLError("INVALID_CONFIG", `parallel worker: ${req.factoryName}(...) must return { model, params } (params: the tf.Variables in the optimizer's order)`);
      }
      replica = r;
      sizes = r.params.map((p) => p.size);
      total = sizes.reduce((a, b) => a + b, 0);
      const params: ParamInfo[] = r.params.map((p) => ({ name: p.name, shape: [...p.shape], dtype: p.dtype }));
      return { reply: { id: req.id, ok: true, params }, transfer: [] };
    }
    case "setWeights": {
      if (req.shared !== undefined) {
        shared = {
          weights: new Float32Array(req.shared.weights, 0, total),
          grads: new Float32Array(req.shared.grads, req.shared.slot * total * 4, total),
        };
      }
      const flat = req.flat ?? shared?.weights;
      if (flat === undefined) throw new RLError("INTERNAL", "parallel worker: setWeights without weights");
      loadWeights(flat);
      return { reply: { id: req.id, ok: true }, transfer: [] };
    }
    case "grads": {
      const r = need();
      const loss = exported<TrainLoss<TrainBatch>>(req.loss, "the loss");
      const batch = toBatch(req.batch);
      try {
        const parts = computeStepGradients(r.model, [batch], loss, r.params, { temperature: req.temperature, scale: 1, where: "dataParallelStep (worker)" });
        const present = parts.grads.map((g) => g !== null);
        const flat = shared?.grads ?? new Float32Array(total);
        let off = 0;
        parts.grads.forEach((g, i) => {
          const n = sizes[i] as number;
          if (g === null) flat.fill(0, off, off + n);
          else flat.set(g.dataSync() as Float32Array, off);
          g?.dispose();
          off += n;
        });
        const reply: Reply = { id: req.id, ok: true, loss: parts.loss, metricSums: parts.metricSums, present };
        if (shared !== null) return { reply, transfer: [] };
        return { reply: { ...reply, flat }, transfer: [flat.buffer as ArrayBuffer] };
      } finally {
        for (const v of Object.values(batch)) if (v instanceof tf.Tensor) v.dispose();
      }
    }
    case "call": {
      const f = exported<(replica: Replica, input: unknown) => unknown>(req.name, "pool.map");
      const value = await f(need(), req.input);
      return { reply: { id: req.id, ok: true, value }, transfer: [] };
    }
  }
}

// One request at a time, in arrival order (an async `pool.map` function never overlaps a step).
let queue: Promise<void> = Promise.resolve();
port.on("message", (req: Request) => {
  queue = queue.then(() => handle(req)).then(
    ({ reply, transfer }) => port.postMessage(reply, transfer),
    (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      const code = RLError.isInstance(error) ? error.code : undefined;
      port.postMessage({ id: req.id, ok: false, error: { name: e.name, message: e.message, ...(code !== undefined ? { code } : {}), ...(e.stack !== undefined ? { stack: e.stack } : {}) } } satisfies Reply);
    },
  );
});

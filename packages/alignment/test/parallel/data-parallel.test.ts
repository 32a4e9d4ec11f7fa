import { RLError, createRng, generate, tf } from "@rl/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adamW, trainStep, type ParameterOptimizer, type TrainBatch } from "../../src/index.js";
import { createDataParallel, dataParallelStep, shardRows, type DataParallelPool } from "../../src/parallel/index.js";
// @ts-expect-error plain-JS fixture (workers import it too)
import * as fixture from "./fixtures/tiny-replica.mjs";

const modelModule = new URL("./fixtures/tiny-replica.mjs", import.meta.url);
const V = 7;
const d = 5;
const cfg = { V, d, seed: 3 };

type Replica = { model: (ids: tf.Tensor2D) => tf.Tensor3D; params: tf.Variable[] };
const createReplica = (fixture as { createReplica: (c: typeof cfg) => Replica }).createReplica;
const lossOf = fixture as Record<string, Parameters<typeof trainStep>[2]>;

interface AdvBatch extends TrainBatch {
  advantages: tf.Tensor2D;
}

/** Plain SGD θ ← θ − lr·g: the update is linear in g, so it shows the gradient itself. */
function sgd(params: readonly tf.Variable[], lr = 0.5): ParameterOptimizer<{ step: number }> {
  return {
    params,
    init: () => ({ step: 0 }),
    update: ({ grads, learningRate }, s) => {
      const rate = learningRate ?? lr;
      grads.forEach((g, i) => {
        if (g === null) return;
        const p = params[i] as tf.Variable;
        const next = tf.tidy(() => tf.sub(p, tf.mul(g, rate)));
        p.assign(next);
        next.dispose();
      });
      return { output: { learningRate: rate }, state: { step: s.step + 1 } };
    },
    dispose: () => undefined,
  };
}

function makeBatch(rows: number, T: number, seed: number, maskDensity = 0.7): AdvBatch {
  const rng = createRng(seed);
  const ids = Array.from({ length: rows }, () => Array.from({ length: T }, () => rng.int(V)));
  const mask = ids.map(() => Array.from({ length: T }, (_, t) => (t === 0 ? 0 : rng.uniform() < maskDensity ? 1 : 0)));
  mask[0]![T - 1] = 1; // at least one token
  const adv = ids.map(() => Array.from({ length: T }, () => rng.uniform() * 2 - 1));
  return { tokenIds: tf.tensor2d(ids, [rows, T], "int32"), lossMask: tf.tensor2d(mask), advantages: tf.tensor2d(adv) };
}
const disposeBatch = (b: AdvBatch) => tf.dispose([b.tokenIds, b.lossMask, b.advantages]);
const values = (vs: readonly tf.Variable[]) => vs.map((v) => Array.from(v.dataSync()));

function expectClose(a: number[][], b: number[][], tol = 2e-5) {
  a.forEach((row, i) => row.forEach((x, j) => expect(Math.abs(x - (b[i]![j] as number))).toBeLessThanOrEqual(tol * (1 + Math.abs(x)))));
}

describe("shardRows", () => {
  it("splits rows contiguously, the first shards one larger", () => {
    expect(shardRows(10, 3)).toEqual([[0, 4], [4, 7], [7, 10]]);
    expect(shardRows(1, 3)).toEqual([[0, 1], [1, 1], [1, 1]]);
    expect(() => shardRows(3, 0)).toThrow(RLError);
  });
});

describe("dataParallelStep", () => {
  let pool2: DataParallelPool;
  let pool3: DataParallelPool;
  beforeAll(async () => {
    [pool2, pool3] = await Promise.all([
      createDataParallel({ workers: 2, modelModule, factoryName: "createReplica", factoryArgs: [cfg] }),
      createDataParallel({ workers: 3, modelModule, factoryName: "createReplica", factoryArgs: [cfg], transfer: "transfer" }),
    ]);
  });
  afterAll(async () => {
    await pool2?.close();
    await pool3?.close();
  });

  it("the workers start and report the factory's parameters", () => {
    expect(pool2.workers).toBe(2);
    expect(pool2.params.map((p) => p.shape)).toEqual([[V, d], [d, V], [V]]);
    expect(pool3.transfer).toBe("transfer");
  });

  const cases: [string, "tokens" | "rows", string][] = [
    ["token-mean loss, shards weighted by tokens", "tokens", "tokenMeanLoss"],
    ["per-sequence loss, shards weighted by rows", "rows", "seqMeanLoss"],
  ];
  for (const [title, shardWeight, loss] of cases) {
    it(`equals trainStep on the whole batch (${title}; uneven shards; shared and transfer)`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 2, max: 5 }), fc.integer({ min: 0, max: 1e6 }), fc.boolean(), async (rows, T, seed, useShared) => {
          const pool = useShared ? pool2 : pool3;
          const main = createReplica(cfg);
          const ref = createReplica(cfg);
          const batch = makeBatch(rows, T, seed);
          try {
            const optMain = sgd(main.params);
            const optRef = sgd(ref.params);
            const before = tf.memory().numTensors;
            const par = await dataParallelStep(pool, batch, { loss, optimizer: optMain, state: optMain.init(), shardWeight, maxGradNorm: null });
            expect(tf.memory().numTensors).toBe(before);
            const one = trainStep(ref.model, batch, lossOf[loss]!, optRef, optRef.init(), { maxGradNorm: null });
            expectClose(values(main.params), values(ref.params));
            expect(par.metrics.loss).toBeCloseTo(one.metrics.loss, 5);
            expect(par.metrics.gradNorm).toBeCloseTo(one.metrics.gradNorm, 4);
            expect(par.metrics.shardRows.reduce((a, b) => a + b, 0)).toBe(rows);
            // The replicas now hold the updated weights.
            const sums = await pool.map<null, number[]>("weightSum", new Array(pool.workers).fill(null));
            const mainSums = main.params.map((p) => {
              const t = tf.sum(p);
              const x = t.dataSync()[0] as number;
              t.dispose();
              return x;
            });
            for (const s of sums) s.forEach((x, i) => expect(x).toBeCloseTo(mainSums[i]!, 4));
          } finally {
            disposeBatch(batch);
            tf.dispose([...main.params, ...ref.params]);
          }
        }),
        { numRuns: 12 },
      );
    });
  }

  it("matches trainStep + adamW over several steps (replicas stay in sync)", async () => {
    const main = createReplica(cfg);
    const ref = createReplica(cfg);
    const optMain = adamW(main.params, { learningRate: 1e-2 });
    const optRef = adamW(ref.params, { learningRate: 1e-2 });
    let sMain = optMain.init();
    let sRef = optRef.init();
    try {
      for (let step = 0; step < 4; step++) {
        const batch = makeBatch(6, 4, 100 + step);
        try {
          sMain = (await dataParallelStep(pool2, batch, { loss: "tokenMeanLoss", optimizer: optMain, state: sMain })).state;
          sRef = trainStep(ref.model, batch, lossOf.tokenMeanLoss!, optRef, sRef).state;
        } finally {
          disposeBatch(batch);
        }
      }
      expectClose(values(main.params), values(ref.params), 1e-4);
      expect(sMain.step).toBe(4);
    } finally {
      optMain.dispose(sMain);
      optRef.dispose(sRef);
      tf.dispose([...main.params, ...ref.params]);
    }
  });

  it("leaves no tensor behind in the main thread or in the workers", async () => {
    const main = createReplica(cfg);
    const opt = adamW(main.params);
    let state = opt.init();
    const batch = makeBatch(5, 4, 9);
    try {
      state = (await dataParallelStep(pool2, batch, { loss: "tokenMeanLoss", optimizer: opt, state })).state;
      const before = tf.memory().numTensors;
      const inWorkers = await pool2.map<null, number>("tensorCount", [null, null]);
      for (let i = 0; i < 3; i++) state = (await dataParallelStep(pool2, batch, { loss: "tokenMeanLoss", optimizer: opt, state })).state;
      expect(tf.memory().numTensors).toBe(before);
      expect(await pool2.map<null, number>("tensorCount", [null, null])).toEqual(inWorkers);
    } finally {
      disposeBatch(batch);
      opt.dispose(state);
      tf.dispose(main.params);
    }
  });

  it("an error in a worker becomes an RLError with the worker's message (and its code)", async () => {
    const main = createReplica(cfg);
    const opt = sgd(main.params);
    const batch = makeBatch(4, 3, 1);
    try {
      const err = await dataParallelStep(pool2, batch, { loss: "throwingLoss", optimizer: opt, state: opt.init() }).catch((e: unknown) => e);
      expect(RLError.isInstance(err)).toBe(true);
      expect((err as RLError).message).toContain("boom in the worker loss");
      const err2 = await dataParallelStep(pool2, batch, { loss: "rlErrorLoss", optimizer: opt, state: opt.init() }).catch((e: unknown) => e);
      expect((err2 as RLError).code).toBe("SHAPE_MISMATCH");
      expect((err2 as RLError).message).toContain("shard has the wrong shape");
      const err3 = await dataParallelStep(pool2, batch, { loss: "noSuchLoss", optimizer: opt, state: opt.init() }).catch((e: unknown) => e);
      expect((err3 as RLError).code).toBe("INVALID_CONFIG");
      // The pool still works after a failed step.
      await expect(pool2.map("weightSum", [null])).resolves.toHaveLength(1);
    } finally {
      disposeBatch(batch);
      tf.dispose(main.params);
    }
  });

  it("rejects bad input with RLError", async () => {
    const other = createReplica({ V: V + 1, d, seed: 1 });
    const opt = sgd(other.params);
    const batch = makeBatch(2, 3, 2);
    try {
      await expect(dataParallelStep(pool2, batch, { loss: "tokenMeanLoss", optimizer: opt, state: opt.init() })).rejects.toMatchObject({ code: "SHAPE_MISMATCH" });
      const noTokens = { ...batch, lossMask: tf.zerosLike(batch.lossMask) as tf.Tensor2D };
      const opt2 = sgd(createReplica(cfg).params);
      await expect(dataParallelStep(pool2, noTokens, { loss: "tokenMeanLoss", optimizer: opt2, state: opt2.init() })).rejects.toMatchObject({ code: "INVALID_INPUT" });
      tf.dispose([noTokens.lossMask, ...opt2.params]);
      await expect(dataParallelStep({} as DataParallelPool, batch, { loss: "tokenMeanLoss", optimizer: opt, state: opt.init() })).rejects.toBeInstanceOf(RLError);
      await expect(createDataParallel({ workers: 0, modelModule })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    } finally {
      disposeBatch(batch);
      tf.dispose(other.params);
    }
  });

  it("pool.map shards sampling across workers, equal to sampling in one process", async () => {
    const main = createReplica(cfg);
    try {
      await pool2.setWeights(main.params);
      const inputs = [0, 1].map((k) => ({ prompts: [[1, 2], [3, 4]].map((p) => p.map((x) => x + k)), seed: 10 + k, maxNewTokens: 3 }));
      const sharded = await pool2.map<(typeof inputs)[number], number[][]>("sample", inputs);
      const local = inputs.map((inp) => generate(main.model, inp.prompts, { maxNewTokens: inp.maxNewTokens, rng: createRng(inp.seed) }).tokenIds);
      expect(sharded).toEqual(local);
    } finally {
      tf.dispose(main.params);
    }
  });
});

describe("createDataParallel lifecycle", () => {
  it("a factory error rejects with the worker's message and frees the workers", async () => {
    await expect(createDataParallel({ workers: 1, modelModule, factoryName: "nope" })).rejects.toThrow(/no function export "nope"/);
  });

  it("a crashed worker rejects pending work; close() frees the threads and is idempotent", async () => {
    const pool = await createDataParallel({ workers: 2, modelModule, factoryName: "createReplica", factoryArgs: [cfg] });
    const err = await pool.map("crash", [null]).catch((e: unknown) => e);
    expect(RLError.isInstance(err)).toBe(true);
    expect((err as RLError).message).toMatch(/worker 0 exited/);
    await pool.close();
    await pool.close();
    await expect(pool.map("weightSum", [null])).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });

  it("close() lets the process go: no worker thread stays alive", async () => {
    const pool = await createDataParallel({ workers: 2, modelModule, factoryName: "createReplica", factoryArgs: [cfg] });
    const handles = () => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().filter((h) => (h as { constructor?: { name?: string } }).constructor?.name === "MessagePort" || String((h as object).constructor?.name).includes("Worker")).length;
    await pool.close();
    expect(handles()).toBe(0);
  });
});

// Data-parallel training (@rl/alignment/parallel): one step of a small causal LM in process
// (trainStep) against dataParallelStep on 1 and N workers, and the cost of broadcasting the weights
// with a SharedArrayBuffer against transferred ArrayBuffers at a larger parameter count.
// `node data-parallel.bench.mjs [--workers=N] [--rows=256] [--smoke]`
import { availableParallelism } from "node:os";
import { adamW, trainStep } from "@rl/alignment";
import { createDataParallel, dataParallelStep } from "@rl/alignment/parallel";
import { createRng, ready, tf } from "@rl/core";
import { timeMs } from "./harness.mjs";
import * as replica from "./parallel-replica.mjs";

const flag = (name, dflt) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt);
const smoke = process.argv.includes("--smoke");
const workers = flag("workers", Math.max(2, Math.min(availableParallelism(), 4)));
const rows = flag("rows", smoke ? 8 : 256);
const T = 12;
const runs = smoke ? 1 : 5;
await ready({ backend: "wasm" });
const modelModule = new URL("./parallel-replica.mjs", import.meta.url);

function batchOf(V) {
  const rng = createRng(1);
  const ids = Int32Array.from({ length: rows * T }, () => rng.int(V));
  const mask = Float32Array.from({ length: rows * T }, (_, k) => (k % T >= 4 ? 1 : 0));
  const adv = Float32Array.from({ length: rows * T }, () => rng.normal(0, 1));
  return { tokenIds: tf.tensor2d(ids, [rows, T], "int32"), lossMask: tf.tensor2d(mask, [rows, T]), advantages: tf.tensor2d(adv, [rows, T]) };
}

async function stepTimes(cfg, transfer) {
  const main = replica.createReplica(cfg);
  const opt = adamW(main.params, { learningRate: 1e-3 });
  let state = opt.init();
  const batch = batchOf(cfg.V);
  const out = {};
  out.inProcess = await timeMs(() => { state = trainStep(main.model, batch, replica.policyLoss, opt, state).state; }, { runs });
  for (const n of [1, workers]) {
    const pool = await createDataParallel({ workers: n, modelModule, factoryName: "createReplica", factoryArgs: [cfg], transfer });
    try {
      out[`workers${n}`] = await timeMs(async () => {
        state = (await dataParallelStep(pool, batch, { loss: "policyLoss", optimizer: opt, state, shardWeight: "rows" })).state;
      }, { runs });
      out[`setWeights${n}`] = await timeMs(() => pool.setWeights(main.params), { runs });
    } finally {
      await pool.close();
    }
  }
  opt.dispose(state);
  tf.dispose([...main.params, batch.tokenIds, batch.lossMask, batch.advantages]);
  return out;
}

const shapes = smoke ? [{ V: 16, d: 8, seed: 0 }] : [{ V: 16, d: 48, seed: 0 }, { V: 4096, d: 512, seed: 0 }];
console.log(`data-parallel step, ${rows} rows x ${T} tokens, ${workers} workers (cores: ${availableParallelism()})`);
console.log("params | transfer | in-process ms | 1 worker ms | N workers ms | speed-up N vs 1 | weight broadcast ms (1 / N)");
for (const cfg of shapes) {
  const params = 2 * cfg.V * cfg.d;
  for (const transfer of ["shared", "transfer"]) {
    const r = await stepTimes(cfg, transfer);
    const N = `workers${workers}`;
    console.log(
      `${params} | ${transfer} | ${r.inProcess.toFixed(1)} | ${r.workers1.toFixed(1)} | ${r[N].toFixed(1)} | ${(r.workers1 / r[N]).toFixed(2)}x | ${r.setWeights1.toFixed(2)} / ${r[`setWeights${workers}`].toFixed(2)}`,
    );
  }
}

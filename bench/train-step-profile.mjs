// Profile of the demo's trainStep (bench:peers' demo row, same inputs): wall and CPU ms per step
// (min / p25 / median: CPU time is the figure to compare on a loaded machine), the tensors left
// behind, and with --kernels the tfjs kernels per step (tf.profile).
// `node bench/train-step-profile.mjs [--kernels] [--runs=N]`; run under `node --cpu-prof` for a CPU profile.
import * as alignment from "@rl/alignment";
import * as core from "@rl/core";
import { rlPolicyLoss } from "../examples/dist/demo/replica.js";
import { demoCase } from "./demo-case.mjs";

const { createRng, ready, tf } = core;
await ready({ backend: "wasm" });
const RUNS = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 30);
const rng = createRng(0);
const { policy, batch } = demoCase({ rows: 256, T: 10, V: 14, d: 48, H: 4, L: 2 }, rng, createRng(1));
const opt = alignment.adamW(policy.variables, { learningRate: 5e-4, weightDecay: 0 });
let state = opt.init();
const step = () => { state = alignment.trainStep((x) => policy.logits(x), batch, rlPolicyLoss, opt, state).state; };
for (let i = 0; i < 5; i++) step();
const n0 = tf.memory().numTensors;
const times = [];
const cpu = [];
for (let i = 0; i < RUNS; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  step();
  times.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
}
const stats = (xs) => { xs.sort((a, b) => a - b); return `min ${xs[0].toFixed(1)} p25 ${xs[Math.floor(xs.length / 4)].toFixed(1)} median ${xs[Math.floor(xs.length / 2)].toFixed(1)}`; };
console.log(`trainStep wall ms: ${stats(times)}; CPU ms: ${stats(cpu)}; tensors leaked ${tf.memory().numTensors - n0}`);
if (process.argv.includes("--kernels")) {
  const agg = new Map();
  const K = 5;
  for (let r = 0; r < K; r++) {
    const info = await tf.profile(step);
    for (const k of info.kernels) {
      const a = agg.get(k.name) ?? { n: 0, ms: 0 };
      a.n += 1; a.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
      agg.set(k.name, a);
    }
  }
  const list = [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms);
  let total = 0; let count = 0;
  for (const [, a] of list) { total += a.ms / K; count += a.n / K; }
  console.log(`kernels per step: ${count}, kernel ms per step ${total.toFixed(1)}`);
  for (const [name, a] of list.slice(0, 30)) console.log(`${name.padEnd(24)} n ${String(a.n / K).padStart(5)}  ms ${(a.ms / K).toFixed(2)}`);
}
opt.dispose(state);
policy.dispose();

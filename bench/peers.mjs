// `pnpm bench:peers`: the issue-13 shapes in @rl (wasm backend) side by side with PyTorch CPU
// (bench/peers.py, Debian's python3-torch, at 1 thread and at all threads) and, for the advantages,
// verl's grpo_vectorized / rloo_vectorized re-expressed in torch. Prints one table: work, @rl ms,
// torch 1t ms, torch all-threads ms, @rl / torch 1t, target, met / not met, and peak extra memory / logits.
// Targets are printed, never asserted. APIs another change adds (lmHeadLogProbs, fusedPolicyLoss)
// are detected; absent ones print "n/a".
// `node bench/peers.mjs [--smoke] [--no-peer] [--runs=N] [--only=demo,policy,…]`; PEER_PYTHON overrides
// /usr/bin/python3. `--only` runs those groups only (lp_grad, lp_fwd, lm_head, policy, demo, adv), in
// both columns: e.g. `pnpm bench:peers -- --only=demo` for the demo's GRPO-step rows.
import { spawnSync } from "node:child_process";
import { availableParallelism, cpus } from "node:os";
import * as alignment from "@rl/alignment";
import { createDataParallel, dataParallelStep } from "@rl/alignment/parallel";
import * as core from "@rl/core";
import { grpoAdvantages, rlooAdvantages } from "@rl/credit";
import { timeMs } from "./harness.mjs";
// The demo's policy (examples is built by `pnpm bench:peers` before this runs).
import { replicaModule, rlPolicyLoss } from "../examples/dist/demo/replica.js";
import { demoCase } from "./demo-case.mjs";

const { Matrix, createRng, gatherLogProbs, generate, ready, tf } = core;
const smoke = process.argv.includes("--smoke");
const noPeer = process.argv.includes("--no-peer");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const GROUPS = ["lp_grad", "lp_fwd", "lm_head", "policy", "demo", "adv"];
const unknown = (only ?? []).filter((g) => !GROUPS.includes(g));
if (unknown.length > 0) throw new Error(`bench:peers: unknown group(s) ${unknown.join(", ")} in --only (groups: ${GROUPS.join(", ")})`);
const run = (group) => only === undefined || only.includes(group);
const RUNS = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? (smoke ? 1 : 5));
const S = {
  lp_grad: smoke ? [2, 8, 16] : [8, 128, 512],
  lp_fwd: smoke ? [2, 8, 64] : [4, 512, 32000],
  lm_head: smoke ? [64, 16, 128] : [2048, 512, 32000],
  policy: smoke ? [4, 16] : [256, 1024],
  demo: smoke ? { rows: 8, T: 10, V: 14, d: 16, H: 2, L: 1 } : { rows: 256, T: 10, V: 14, d: 48, H: 4, L: 2 },
  adv: smoke ? [4, 4, 8] : [256, 8, 512],
};
await ready({ backend: "wasm" });
const rng = createRng(0);
const randn = (n, s = 1, m = 0) => Float32Array.from({ length: n }, () => rng.normal(m, s));
const time = (fn, runs = RUNS) => timeMs(fn, { runs, warmup: smoke ? 0 : 2 });
/** Peak bytes tfjs holds beyond what it held before `fn` (tf.profile). */
async function extraBytes(fn) {
  const before = tf.memory().numBytes;
  const info = await tf.profile(fn);
  return Math.max(0, info.peakBytes - before);
}

const rl = {};
const mem = {};

// 1. log-probs of given ids + gradient, [8,128,512]
if (run("lp_grad")) {
  const [B, T, V] = S.lp_grad;
  const logits = tf.tensor3d(randn(B * T * V, 2), [B, T, V]);
  const ids = tf.tensor2d(Int32Array.from({ length: B * T }, () => rng.int(V)), [B, T], "int32");
  const f = tf.grad((x) => tf.sum(gatherLogProbs(x, ids)));
  // wasm and cpu run synchronously: the gradient exists when f returns. Like the peer (it returns
  // x.grad, no copy), the row does not copy the 2 MB gradient into a new JS array: under load that
  // copy took as long as the gradient itself (docs/core-decisions.md). Other backends are synced.
  const synchronous = ["wasm", "cpu"].includes(tf.getBackend());
  rl.lp_grad = await time(() => { const g = f(logits); if (!synchronous) g.dataSync(); g.dispose(); });
  tf.dispose([logits, ids]);
}
// 2. log-probs forward [4,512,32000]: time and peak extra memory / logits
if (run("lp_fwd")) {
  const [B, T, V] = S.lp_fwd;
  const logits = tf.tensor3d(randn(B * T * V, 2), [B, T, V]);
  const ids = tf.tensor2d(Int32Array.from({ length: B * T }, () => rng.int(V)), [B, T], "int32");
  const run = () => { const lp = gatherLogProbs(logits, ids); lp.dataSync(); lp.dispose(); };
  rl.lp_fwd = await time(run, Math.min(RUNS, 3));
  mem.lp_fwd = (await extraBytes(run)) / (B * T * V * 4);
  tf.dispose([logits, ids]);
}
// 3. log-probs straight from hidden states (lmHeadLogProbs, when core has it), forward + gradient
if (run("lm_head") && typeof core.lmHeadLogProbs === "function") {
  const [N, d, V] = S.lm_head;
  const hidden = tf.tensor3d(randn(N * d, 0.1), [1, N, d]);
  const W = tf.tensor2d(randn(d * V, 0.05), [d, V]);
  const ids = tf.tensor2d(Int32Array.from({ length: N }, () => rng.int(V)), [1, N], "int32");
  const f = tf.grads((h, w) => tf.sum(core.lmHeadLogProbs({ hidden: h, weight: w, ids })));
  const run = () => { const gs = f([hidden, W]); gs.forEach((g) => g.dataSync()); tf.dispose(gs); };
  try {
    rl.lm_head = await time(run, Math.min(RUNS, 3));
    // the memory target is the forward's (the gradient of W alone is d·V floats, 0.25x the logits here)
    const forward = () => { const lp = core.lmHeadLogProbs({ hidden, weight: W, ids }); lp.dataSync(); lp.dispose(); };
    mem.lm_head = (await extraBytes(forward)) / (N * V * 4);
  } catch (error) {
    rl.lm_head = `n/a (${String(error).slice(0, 40)})`;
  }
  tf.dispose([hidden, W, ids]);
}
// 4. token policy losses + gradient [256,1024]
if (run("policy")) {
  const [B, T] = S.policy;
  const lp0 = randn(B * T, 0.3, -1.5);
  const t = {
    old: tf.tensor2d(lp0.map((x) => x + rng.normal(0, 0.05)), [B, T]),
    adv: tf.tensor2d(randn(B * T), [B, T]),
    mask: tf.tensor2d(Float32Array.from({ length: B * T }, () => (rng.uniform() < 0.9 ? 1 : 0)), [B, T]),
    lp: tf.tensor2d(lp0, [B, T]),
  };
  // Same warm-up, run count and statistic as the peer's token-loss rows (peers.py POLICY_RUNS /
  // POLICY_WARMUP): the fastest of 41 runs after 10 warm-ups. A 2-10 ms call is shorter than a
  // scheduler slice, so on a shared machine the median measured the neighbours (torch's own median
  // moved 2.5x between two rows of the same work); the minimum is stable to a few %. As in row 1, the gradient is not copied into
  // a JS array on wasm / cpu (it exists when f returns; the peer returns lp.grad without a copy).
  const synchronous = ["wasm", "cpu"].includes(tf.getBackend());
  const timeLoss = (lossFn) => {
    const f = tf.valueAndGrad((x) => { const out = lossFn({ logProbs: x, oldLogProbs: t.old, advantages: t.adv, mask: t.mask }); tf.dispose(out.perToken); return out.loss; });
    return timeMs(() => { const { value, grad } = f(t.lp); value.dataSync(); if (!synchronous) grad.dataSync(); tf.dispose([value, grad]); }, { runs: smoke ? 1 : 41, warmup: smoke ? 0 : 10, stat: "min" });
  };
  rl.ppo = await timeLoss((x) => alignment.ppoPolicyLoss(x));
  rl.grpo_loss = await timeLoss((x) => alignment.grpoLoss(x, { lossType: "grpo" }));
  rl.fused = typeof core.fusedPolicyLoss === "function" ? await timeLoss((x) => core.fusedPolicyLoss(x)) : "n/a";
  // the composite chain the losses used before (the tfjs flag switches the fused path off)
  tf.env().set("RL_FUSED_POLICY_LOSS", false);
  rl.ppo_composite = await timeLoss((x) => alignment.ppoPolicyLoss(x));
  tf.env().set("RL_FUSED_POLICY_LOSS", true);
  tf.dispose(Object.values(t));
}
// 5. the demo's GRPO step: trainStep, sampling 4 tokens, and trainStep on 1 vs 2 workers
if (run("demo")) {
  const { rows, T } = S.demo;
  const { config, policy, ids, P, batch } = demoCase(S.demo, rng, createRng(1));
  const opt = alignment.adamW(policy.variables, { learningRate: 5e-4, weightDecay: 0 });
  let state = opt.init();
  rl.demo_step = await time(() => { state = alignment.trainStep((x) => policy.logits(x), batch, rlPolicyLoss, opt, state).state; });
  const prompts = Array.from({ length: rows }, (_, b) => Array.from(ids.subarray(b * T, b * T + P)));
  const sampleRng = createRng(2);
  // the demo samples through its KV-cached decoder (policy.decoder), as `pnpm demo` does
  rl.demo_sample = await time(() => generate(policy.decoder ?? policy.logits, prompts, { maxNewTokens: 4, rng: sampleRng }));
  rl.demo_grpo_step = rl.demo_step + rl.demo_sample;
  const workerStep = async (n) => {
    const pool = await createDataParallel({ workers: n, modelModule: replicaModule(), factoryName: "createPolicyReplica", factoryArgs: [config] });
    try {
      // a fresh pool's first steps compile its workers' JS and grow their wasm heaps: time the steady
      // state (1 s of warm-up), over more runs than the other rows (two threads per core under load)
      const step = async () => { state = (await dataParallelStep(pool, batch, { loss: "rlPolicyLoss", optimizer: opt, state, shardWeight: "rows" })).state; };
      return await timeMs(step, { runs: Math.max(RUNS, smoke ? 1 : 9), warmup: smoke ? 0 : 3, warmupMs: smoke ? 0 : 1000 });
    } finally {
      await pool.close();
    }
  };
  rl.workers1 = await workerStep(1);
  rl.workers2 = await workerStep(2);
  opt.dispose(state);
  policy.dispose();
  tf.dispose(Object.values(batch));
}
// 6. GRPO / RLOO advantages over 1M tokens (float32 in, no widening)
if (run("adv")) {
  const [G, K, T] = S.adv;
  const B = G * K;
  const rewards = new Float32Array(B * T);
  for (let b = 0; b < B; b++) rewards[b * T + T - 1] = rng.uniform() < 0.5 ? 1 : 0;
  const batch = { tokenRewards: new Matrix(rewards, [B, T]), mask: new Matrix(new Float32Array(B * T).fill(1), [B, T]), groups: Array.from({ length: B }, (_, b) => Math.floor(b / K)) };
  // Steady state: a 4 MB output per call, freed only when V8 collects it, so the first ~15 calls
  // of a process (and bursts later) get fresh pages from malloc and page-fault each one (1,024
  // faults, 13-100 ms per call on the loaded VM). 60 calls and half a second settle GC and
  // glibc's reuse; the median of 30 then skips the bursts (docs/core-decisions.md).
  const opts = { runs: smoke ? 1 : Math.max(RUNS * 6, 30), warmup: smoke ? 0 : 60, warmupMs: smoke ? 0 : 500 };
  rl.grpo_adv = await timeMs(() => grpoAdvantages(batch), opts);
  rl.rloo_adv = await timeMs(() => rlooAdvantages(batch), opts);
  // the same with a reused output buffer (`out`): no allocation at all
  const out = new Float32Array(B * T);
  rl.grpo_adv_out = await timeMs(() => grpoAdvantages(batch, { out }), opts);
  rl.rloo_adv_out = await timeMs(() => rlooAdvantages(batch, { out }), opts);
}

// The peer.
let peer = { available: false, reason: "--no-peer" };
if (!noPeer) {
  const python = process.env.PEER_PYTHON ?? "/usr/bin/python3";
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE; // the peer's own tuning, not this machine's override
  delete env.OPENBLAS_L2_SIZE;
  const res = spawnSync(python, [new URL("./peers.py", import.meta.url).pathname, ...(smoke ? ["--smoke"] : []), ...(only !== undefined ? [`--only=${only.join(",")}`] : [])], { env, encoding: "utf8", maxBuffer: 1 << 20 });
  try {
    peer = JSON.parse(res.stdout.trim().split("\n").at(-1) ?? "");
  } catch {
    peer = { available: false, reason: `${python} failed: ${(res.stderr || String(res.error ?? "")).trim().split("\n").at(-1)}` };
  }
}
const t1 = peer.available ? peer.threads["1"] : {};
const tAll = peer.available ? peer.threads.all : {};

const fmt = (x) => (typeof x === "number" ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) : (x ?? "n/a"));
const [lb, lt, lv] = S.lp_grad;
const [fb, ft, fv] = S.lp_fwd;
const [hn, hd, hv] = S.lm_head;
const [pb, pt] = S.policy;
const [ag, ak, at] = S.adv;
const dm = S.demo;
const rows = [
  // [work, key, target ratio vs torch 1t, memory target (x logits)]
  [`log-probs + gradient [${lb},${lt},${lv}]`, "lp_grad", 1.5],
  [`log-probs forward [${fb},${ft},${fv}]`, "lp_fwd", 1.0, 0.1],
  [`lmHeadLogProbs V ${hv}, d ${hd}, ${hn} tokens (+ grad; memory: forward)`, "lm_head", null, 0.25],
  [`PPO clipped loss (dual clip 3) + gradient [${pb},${pt}]`, "ppo", 1.5],
  [`GRPO loss (grpo) + gradient [${pb},${pt}]`, "grpo_loss", 1.5],
  [`fusedPolicyLoss (no dual clip) + gradient [${pb},${pt}]`, "fused", 1.5],
  [`PPO loss, composite tfjs chain (fused off) [${pb},${pt}]`, "ppo_composite", null, null, "ppo"],
  [`demo trainStep (${dm.rows} rows, d ${dm.d}, ${dm.L} layers)`, "demo_step", null],
  [`demo sampling 4 tokens (${dm.rows} rows)`, "demo_sample", null],
  [`demo GRPO step: sampling + trainStep`, "demo_grpo_step", 2.0],
  [`GRPO advantages ${ag}x${ak}x${at} vs verl grpo_vectorized`, "grpo_adv", 1.5],
  [`RLOO advantages ${ag}x${ak}x${at} vs verl rloo_vectorized`, "rloo_adv", 1.5],
  [`GRPO advantages, reused \`out\` buffer`, "grpo_adv_out", null, null, "grpo_adv"],
  [`RLOO advantages, reused \`out\` buffer`, "rloo_adv_out", null, null, "rloo_adv"],
];
const header = ["work", "@rl ms", "torch 1t ms", `torch ${peer.allThreads ?? "all"}t ms`, "@rl / torch 1t", "target", "met?", "peak extra / logits"];
const table = rows.filter(([, key]) => only === undefined || rl[key] !== undefined).map(([work, key, target, memTarget, peerKey]) => {
  const ours = rl[key];
  const theirs = t1[peerKey ?? key];
  const ratio = typeof ours === "number" && typeof theirs === "number" ? ours / theirs : null;
  const m = mem[key];
  const okTime = target === null || target === undefined ? null : ratio === null ? null : ratio <= target;
  const okMem = memTarget === undefined || memTarget === null ? null : typeof m === "number" ? m <= memTarget : null;
  const targets = [target ? `≤ ${target}x` : null, memTarget ? `mem ≤ ${memTarget}x` : null].filter(Boolean).join(", ") || "—";
  const checks = [okTime, okMem].filter((x) => x !== null);
  const met = checks.length === 0 ? (targets === "—" ? "—" : "n/a") : checks.every(Boolean) ? "met" : "not met";
  return [work, fmt(ours), fmt(theirs), fmt(tAll[peerKey ?? key]), ratio === null ? "n/a" : `${ratio.toFixed(2)}x`, targets, met, typeof m === "number" ? `${m.toFixed(2)}x` : "—"];
});
const speedUp = typeof rl.workers1 === "number" && typeof rl.workers2 === "number" ? rl.workers1 / rl.workers2 : null;
if (run("demo")) table.push([`demo trainStep, 2 workers vs 1 (${fmt(rl.workers1)} → ${fmt(rl.workers2)} ms)`, fmt(rl.workers2), "—", "—", speedUp === null ? "n/a" : `${speedUp.toFixed(2)}x faster`, "≥ 1.7x faster", speedUp === null ? "n/a" : speedUp >= 1.7 ? "met" : "not met", "—"]);
if (run("lp_fwd") && peer.available && typeof peer.memory?.lp_fwd === "number") {
  table.push([`torch log-probs forward, peak extra / logits (maxrss)`, "—", "—", "—", "—", "—", "—", `${(peer.memory.lp_fwd / (fb * ft * fv * 4)).toFixed(2)}x`]);
}
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => String(r[i]).length)));
const line = (r) => `| ${r.map((c, i) => String(c).padEnd(widths[i])).join(" | ")} |`;
console.log(`@rl ${tf.getBackend()} (1 thread per worker), Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"})`);
console.log(peer.available ? `peer: PyTorch ${peer.torch} CPU, 1 thread and ${peer.allThreads} threads; verl advantages re-expressed in torch` : `peer: not run (${peer.reason})`);
if (smoke) console.log("smoke mode: tiny shapes, one run each: the numbers mean nothing");
console.log([line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...table.map(line)].join("\n"));

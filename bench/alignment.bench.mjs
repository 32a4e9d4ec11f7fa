// Loss + gradient of the token-level policy losses at [256, 1024] and of DPO at 64 pairs
// (per-sequence log-probs summed from [64, 512] token log-probs), on the wasm backend, with the
// pure-JS cpu backend as the in-process baseline. Prints ms, tokens/s and the wasm/cpu ratio.
// `node alignment.bench.mjs`
import { createRng, ready, sequenceLogProbs, tf } from "@rl/core";
import { dpoLoss, grpoLoss, ppoPolicyLoss } from "@rl/alignment";
import { timeMs } from "./harness.mjs";

const rng = createRng(0);
const randn = (n, s = 1, m = 0) => Float32Array.from({ length: n }, () => m + s * rng.normal());

function policyCase(B, T) {
  const lp = randn(B * T, 0.3, -1.5);
  const old = Float32Array.from(lp, (v) => v + 0.05 * rng.normal());
  const adv = Float32Array.from({ length: B * T }, (_, k) => (Math.floor(k / T) % 2 === 0 ? 1 : -1) * rng.uniform());
  const mask = Float32Array.from({ length: B * T }, (_, k) => (k % T < T - rng.int(64) ? 1 : 0));
  return (lossFn) => {
    const t = { lp: tf.tensor2d(lp, [B, T]), old: tf.tensor2d(old, [B, T]), adv: tf.tensor2d(adv, [B, T]), mask: tf.tensor2d(mask, [B, T]) };
    const run = () => {
      const { value, grad } = tf.valueAndGrad((x) => {
        const out = lossFn({ logProbs: x, oldLogProbs: t.old, advantages: t.adv, mask: t.mask });
        tf.dispose(out.perToken);
        return out.loss;
      })(t.lp);
      value.dataSync();
      grad.dataSync();
      tf.dispose([value, grad]);
    };
    return { run, dispose: () => tf.dispose(Object.values(t)) };
  };
}

function dpoCase(P, T) {
  const data = { pc: randn(P * T, 0.3, -1.5), pr: randn(P * T, 0.3, -1.6), rc: randn(P), rr: randn(P) };
  return () => {
    const t = { pc: tf.tensor2d(data.pc, [P, T]), pr: tf.tensor2d(data.pr, [P, T]), m: tf.ones([P, T]), rc: tf.tensor1d(data.rc), rr: tf.tensor1d(data.rr) };
    const run = () => {
      const { value, grads } = tf.valueAndGrads((pc, pr) => {
        const out = dpoLoss({ policyChosen: sequenceLogProbs(pc, t.m), policyRejected: sequenceLogProbs(pr, t.m), refChosen: t.rc, refRejected: t.rr });
        tf.dispose([out.losses, out.chosenRewards, out.rejectedRewards]);
        return out.loss;
      })([t.pc, t.pr]);
      value.dataSync();
      tf.dispose([value, ...grads]);
    };
    return { run, dispose: () => tf.dispose(Object.values(t)) };
  };
}

const cases = [
  ["PPO clipped surrogate [256, 1024]", 256 * 1024, policyCase(256, 1024), (x) => ppoPolicyLoss(x)],
  ["GRPO loss (TRL grpo) [256, 1024]", 256 * 1024, policyCase(256, 1024), (x) => grpoLoss(x)],
];
const results = [];
for (const backend of ["wasm", "cpu"]) {
  await ready({ backend });
  for (const [name, tokens, make, lossFn] of cases) {
    const c = make(lossFn);
    const ms = await timeMs(c.run, { runs: 5 });
    c.dispose();
    results.push({ backend, name, ms, tokens });
  }
  const d = dpoCase(64, 512)();
  results.push({ backend, name: "DPO sigmoid, 64 pairs × 512 tokens", ms: await timeMs(d.run, { runs: 5 }), tokens: 2 * 64 * 512 });
  d.dispose();
}
for (const r of results.filter((x) => x.backend === "wasm")) {
  const cpu = results.find((x) => x.backend === "cpu" && x.name === r.name);
  console.log(`  ${r.name.padEnd(36)} wasm ${r.ms.toFixed(1).padStart(7)} ms  ${(r.tokens / r.ms / 1e3).toFixed(1).padStart(6)} M tokens/s   cpu ${cpu.ms.toFixed(1).padStart(7)} ms   wasm ${(cpu.ms / r.ms).toFixed(1)}x faster`);
}

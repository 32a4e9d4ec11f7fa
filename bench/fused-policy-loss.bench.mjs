// Loss + gradient of the PPO-family token losses over [256, 1024] tokens on the wasm backend:
// the fused path (core's fusedPolicyLoss, one pass with a hand-written backward) against the
// composite tfjs chain (the same losses with the RL_FUSED_POLICY_LOSS flag off), same process.
// Prints ms per loss + gradient and the composite / fused ratio.
// `node fused-policy-loss.bench.mjs [B T] [--backend=cpu]`
import { createRng, fusedPolicyLossAvailable, fusedPolicyLossFlag, ready, tf } from "@rl/core";
import { cispoLoss, grpoLoss, gspoLoss, ppoPolicyLoss, sapoLoss } from "@rl/alignment";

// median wall-clock and CPU milliseconds of `fn` over `runs` runs after `warmup` runs (CPU time is
// steadier than wall time on a shared machine: the wasm backend runs on this one thread)
function timeBoth(fn, { runs = 7, warmup = 2 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const wall = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { wall: median(wall), cpu: median(cpu) };
}

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const backend = process.argv.find((a) => a.startsWith("--backend="))?.slice(10) ?? "wasm";
const [B, T] = args.length === 2 ? args.map(Number) : [256, 1024];
await ready({ backend });

const rng = createRng(0);
const lp = Float32Array.from({ length: B * T }, () => -1.5 + 0.3 * rng.normal());
const old = Float32Array.from(lp, (v) => v + 0.2 * rng.normal());
const adv = Float32Array.from({ length: B * T }, (_, k) => (Math.floor(k / T) % 2 === 0 ? 1 : -1) * rng.uniform());
const mask = Float32Array.from({ length: B * T }, (_, k) => (k % T < T - rng.int(64) ? 1 : 0));
const t = { lp: tf.tensor2d(lp, [B, T]), old: tf.tensor2d(old, [B, T]), adv: tf.tensor2d(adv, [B, T]), mask: tf.tensor2d(mask, [B, T]) };

const runOf = (lossFn) => () => {
  const { value, grad } = tf.valueAndGrad((x) => {
    const out = lossFn({ logProbs: x, oldLogProbs: t.old, advantages: t.adv, mask: t.mask });
    tf.dispose(out.perToken);
    return out.loss;
  })(t.lp);
  value.dataSync();
  grad.dataSync();
  tf.dispose([value, grad]);
};

const losses = [
  ["ppoPolicyLoss", (x) => ppoPolicyLoss(x)],
  ["grpoLoss dapo", (x) => grpoLoss(x)],
  ["grpoLoss grpo", (x) => grpoLoss(x, { lossType: "grpo" })],
  ["gspoLoss", (x) => gspoLoss(x)],
  ["cispoLoss", (x) => cispoLoss(x)],
  ["sapoLoss", (x) => sapoLoss(x)],
];

fusedPolicyLossAvailable();
const before = tf.memory().numTensors;
console.log(`backend ${tf.getBackend()}, [${B}, ${T}] tokens, loss + gradient w.r.t. logProbs (median of 7; wall ms / CPU ms)`);
for (const [name, fn] of losses) {
  tf.env().set(fusedPolicyLossFlag, true);
  const fused = timeBoth(runOf(fn));
  tf.env().set(fusedPolicyLossFlag, false);
  const composite = timeBoth(runOf(fn));
  tf.env().set(fusedPolicyLossFlag, true);
  const f = (x) => `${x.wall.toFixed(1).padStart(7)} / ${x.cpu.toFixed(1).padStart(6)}`;
  console.log(`  ${name.padEnd(15)} fused ${f(fused)} ms   composite ${f(composite)} ms   composite / fused (CPU) ${(composite.cpu / fused.cpu).toFixed(1)}x`);
}
tf.dispose(Object.values(t));
if (tf.memory().numTensors !== before - 4) throw new Error("benchmark leaked tensors");

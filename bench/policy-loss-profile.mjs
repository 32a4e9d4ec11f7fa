// `node bench/policy-loss-profile.mjs [name…]`: loss + gradient of the token policy losses over
// [256,1024] on the wasm backend (the bench:peers shape): median and min CPU ms of 10 runs after 3
// warm-ups (CPU time: the machine may be shared).
// Run under `node --cpu-prof` to see where the time outside the kernel goes.
import * as alignment from "@rl/alignment";
import * as core from "@rl/core";

const { createRng, ready, tf } = core;
await ready({ backend: "wasm" });
const rng = createRng(0);
const [B, T] = [256, 1024];
const randn = (n, s = 1, m = 0) => Float32Array.from({ length: n }, () => rng.normal(m, s));
const lp0 = randn(B * T, 0.3, -1.5);
const t = {
  old: tf.tensor2d(lp0.map((x) => x + rng.normal(0, 0.05)), [B, T]),
  adv: tf.tensor2d(randn(B * T), [B, T]),
  mask: tf.tensor2d(Float32Array.from({ length: B * T }, () => (rng.uniform() < 0.9 ? 1 : 0)), [B, T]),
  lp: tf.tensor2d(lp0, [B, T]),
};
const losses = {
  fused: (x) => core.fusedPolicyLoss(x),
  ppo: (x) => alignment.ppoPolicyLoss(x),
  grpo: (x) => alignment.grpoLoss(x, { lossType: "grpo" }),
  dapo: (x) => alignment.grpoLoss(x),
  gspo: (x) => alignment.gspoLoss(x),
  cispo: (x) => alignment.cispoLoss(x),
  sapo: (x) => alignment.sapoLoss(x),
};
const pick = process.argv.slice(2).filter((a) => !a.startsWith("-"));
for (const [name, lossFn] of Object.entries(losses)) {
  if (pick.length > 0 && !pick.includes(name)) continue;
  const f = tf.valueAndGrad((x) => { const out = lossFn({ logProbs: x, oldLogProbs: t.old, advantages: t.adv, mask: t.mask }); tf.dispose(out.perToken); return out.loss; });
  const run = () => { const { value, grad } = f(t.lp); value.dataSync(); grad.dataSync(); tf.dispose([value, grad]); };
  for (let k = 0; k < 3; k++) run();
  const times = [];
  for (let k = 0; k < 10; k++) { const s = process.cpuUsage(); run(); const u = process.cpuUsage(s); times.push((u.user + u.system) / 1000); }
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(6)} median ${times[5].toFixed(2)} ms  min ${times[0].toFixed(2)} ms`);
}

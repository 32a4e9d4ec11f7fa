// Log-probs of given ids straight from hidden states, at vocabulary 32,000, hidden 512 and 2,048
// tokens ([4, 512]) on the wasm backend: core's lmHeadLogProbs (row chunks, the [B, T, V] logits
// never exist) against the composite gatherLogProbs(linear(hidden, W), ids) (`--composite`; it
// needs ~1.5 GB). Prints time and the peak extra tensor memory (tf.profile's high-water mark of
// tf.memory().numBytes above the inputs) as a multiple of the logits it avoids; the backward's
// peak is reported without the gradients it returns (they are W- and hidden-sized outputs).
// `node lm-head.bench.mjs [B T d V] [--chunk=N] [--composite] [--backend=cpu]`
import { createRng, gatherLogProbs, linear, lmHeadLogProbs, ready, tf } from "@rl/core";
import { mib } from "./harness.mjs";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const flag = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const backend = flag("backend") ?? "wasm";
const chunk = flag("chunk") !== undefined ? Number(flag("chunk")) : undefined;
const withComposite = process.argv.includes("--composite");
const [B, T, d, V] = args.length === 4 ? args.map(Number) : [4, 512, 512, 32000];
await ready({ backend });

const rng = createRng(0);
const hidden = tf.tensor3d(Float32Array.from({ length: B * T * d }, () => rng.normal(0, 1)), [B, T, d]);
const weight = tf.variable(tf.tensor2d(Float32Array.from({ length: d * V }, () => rng.normal(0, 0.05)), [d, V])); // model weights
const ids = tf.tensor2d(Int32Array.from({ length: B * T }, () => rng.int(V)), [B, T], "int32");
const upstream = tf.tensor2d(Float32Array.from({ length: B * T }, () => rng.normal(0, 1)), [B, T]);
const logitsBytes = B * T * V * 4;
const cfg = chunk !== undefined ? { chunkSize: chunk } : {};

async function measure(label, fn, outputBytes = 0) {
  const base = tf.memory().numBytes;
  const t0 = performance.now();
  const info = await tf.profile(fn);
  const ms = performance.now() - t0;
  const extra = info.peakBytes - base - outputBytes;
  console.log(`  ${label.padEnd(34)} ${ms.toFixed(0).padStart(7)} ms   peak extra ${mib(extra).padStart(8)} = ${(extra / logitsBytes).toFixed(3)}x the logits`);
  return extra;
}

const before = tf.memory().numTensors;
console.log(`backend ${tf.getBackend()}, hidden [${B}, ${T}, ${d}], W [${d}, ${V}], logits would be ${mib(logitsBytes)}; one run each, under load`);
const fwd = await measure("lmHeadLogProbs forward", () => {
  const lp = lmHeadLogProbs({ hidden, weight, ids }, cfg);
  lp.dataSync();
  lp.dispose();
});
const gradBytes = (B * T * d + d * V) * 4;
const bwd = await measure("lmHeadLogProbs forward + backward", () => {
  const g = tf.grads((h, w) => tf.sum(tf.mul(lmHeadLogProbs({ hidden: h, weight: w, ids }, cfg), upstream)))([hidden, weight]);
  g.forEach((x) => x.dataSync());
  tf.dispose(g);
}, gradBytes);
if (withComposite) {
  await measure("composite forward", () => {
    const lp = tf.tidy(() => gatherLogProbs(linear(hidden, weight), ids));
    lp.dataSync();
    lp.dispose();
  });
}
console.log(`  target: forward peak extra ≤ 0.25x the logits: ${fwd <= 0.25 * logitsBytes ? "met" : "not met"} (backward ${(bwd / logitsBytes).toFixed(3)}x)`);
tf.dispose([hidden, weight, ids, upstream]);
if (tf.memory().numTensors > before - 4) throw new Error("benchmark leaked tensors");

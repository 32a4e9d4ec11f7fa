// Fused RL kernels against tfjs's composite ops, same process:
//   1. log-probs of given ids + gradient at [8, 128, 512]: gatherLogProbs (RlGatherLogProbs /
//      RlGatherLogProbsGrad) vs gatherLogProbsComposite; the same for entropyFromLogits.
//   2. log-probs forward at [4, 512, 32000]: time and peak tensor memory / logits size.
// `node kernels.bench.mjs [--backend=cpu] [--impl=js] [--big=B,T,V]`
// --impl=js runs the wasm backend's fused kernels on the plain JS loops instead of the SIMD module
// (the measurement behind docs/core-decisions.md, "Fused RL kernels").
import { createRng, entropyFromLogits, entropyFromLogitsComposite, gatherLogProbs, gatherLogProbsComposite, ready, tf } from "@rl/core";
// internal switch, not part of the public API
import { setWasmKernelImplementation } from "../packages/core/dist/kernels/register.js";
import { mib, peakBytes, timeMs } from "./harness.mjs";

const flag = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const backend = flag("backend", "wasm");
const impl = flag("impl", "simd");
const big = flag("big", "4,512,32000").split(",").map(Number);
await ready({ backend });
setWasmKernelImplementation(impl);

function make([B, T, V], seed) {
  const rng = createRng(seed);
  const data = new Float32Array(B * T * V);
  for (let k = 0; k < data.length; k++) data[k] = rng.normal(0, 2);
  return {
    logits: tf.tensor3d(data, [B, T, V]),
    ids: tf.tensor2d(Int32Array.from({ length: B * T }, () => rng.int(V)), [B, T], "int32"),
  };
}

function maxDiff(a, b) {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = d.dataSync()[0];
  tf.dispose([a, b, d]);
  return v;
}

const before = tf.memory().numTensors;
console.log(`backend ${tf.getBackend()}${backend === "wasm" ? `, fused kernels on ${impl === "js" ? "JS loops" : "the SIMD module"}` : ""} (timings under load are not figures)`);

{
  const shape = [8, 128, 512];
  const { logits, ids } = make(shape, 1);
  const withGrad = (op) => () => {
    const g = tf.grad((z) => tf.sum(op(z, ids)))(logits);
    g.dataSync();
    g.dispose();
  };
  const fMs = await timeMs(withGrad(gatherLogProbs), { runs: 9, warmup: 3 });
  const cMs = await timeMs(withGrad(gatherLogProbsComposite), { runs: 9, warmup: 3 });
  const diff = maxDiff(
    tf.grad((z) => tf.sum(gatherLogProbs(z, ids)))(logits),
    tf.grad((z) => tf.sum(gatherLogProbsComposite(z, ids)))(logits),
  );
  console.log(`log-probs + grad [${shape}]: fused ${fMs.toFixed(2)} ms, composite ${cMs.toFixed(2)} ms, composite/fused ${(cMs / fMs).toFixed(1)}x, max |grad diff| ${diff.toExponential(1)}`);
  const entropy = (op) => () => {
    const g = tf.grad((z) => tf.sum(op(z)))(logits);
    g.dataSync();
    g.dispose();
  };
  const efMs = await timeMs(entropy(entropyFromLogits), { runs: 9, warmup: 3 });
  const ecMs = await timeMs(entropy(entropyFromLogitsComposite), { runs: 9, warmup: 3 });
  console.log(`entropy + grad   [${shape}]: fused ${efMs.toFixed(2)} ms, composite ${ecMs.toFixed(2)} ms, composite/fused ${(ecMs / efMs).toFixed(1)}x`);
  tf.dispose([logits, ids]);
}

{
  const { logits, ids } = make(big, 2);
  const logitsBytes = logits.size * 4;
  const forward = (op) => () => {
    const lp = op(logits, ids);
    lp.dataSync();
    lp.dispose();
  };
  // peak bytes held by tensors during the call, less what was held before it (the logits, ids)
  const extra = async (fn) => (await peakBytes(fn)) - tf.memory().numBytes;
  const fMs = await timeMs(forward(gatherLogProbs), { runs: 3 });
  const fPeak = await extra(forward(gatherLogProbs));
  const cMs = await timeMs(forward(gatherLogProbsComposite), { runs: 3 });
  const cPeak = await extra(forward(gatherLogProbsComposite));
  const diff = maxDiff(gatherLogProbs(logits, ids), gatherLogProbsComposite(logits, ids));
  console.log(`log-probs forward [${big}] (logits ${mib(logitsBytes)}), max |diff| ${diff.toExponential(1)}:`);
  console.log(`  fused     ${fMs.toFixed(0)} ms, peak extra tensor memory ${(fPeak / logitsBytes).toFixed(4)}x the logits`);
  console.log(`  composite ${cMs.toFixed(0)} ms, peak extra tensor memory ${(cPeak / logitsBytes).toFixed(2)}x the logits`);
  const efMs = await timeMs(() => {
    const h = entropyFromLogits(logits);
    h.dataSync();
    h.dispose();
  }, { runs: 3 });
  console.log(`  entropy forward, fused ${efMs.toFixed(0)} ms`);
  if (tf.getBackend() === "wasm") {
    // What copying into the kernels' own memory would add (the design not taken: they read the
    // tfjs heap in place): one copy of the logits, timed alone.
    const b = tf.backend();
    const own = new Float32Array(new WebAssembly.Memory({ initial: Math.ceil(logitsBytes / 65536) }).buffer);
    const copyMs = await timeMs(() => own.set(b.typedArrayFromHeap(logits)), { runs: 3 });
    console.log(`  copying the logits once into a separate wasm memory: ${copyMs.toFixed(0)} ms (${((100 * copyMs) / fMs).toFixed(0)}% of the fused forward)`);
  }
  tf.dispose([logits, ids]);
}
setWasmKernelImplementation("simd");
if (tf.memory().numTensors !== before) throw new Error("benchmark leaked tensors");

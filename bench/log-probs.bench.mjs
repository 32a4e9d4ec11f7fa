// Log-probs of given token ids from logits at [4, 512, 32000] (a real vocabulary) on the wasm
// backend: @rl/core's gather formulation against the one-hot formulation, same process.
// Prints the time ratio and the peak tensor memory of each.
// `node log-probs.bench.mjs [B T V] [--backend=cpu]`
import { createRng, gatherLogProbs, gatherLogProbsOneHot, ready, tf } from "@rl/core";
import { mib, peakBytes, timeMs } from "./harness.mjs";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const backend = process.argv.find((a) => a.startsWith("--backend="))?.slice(10) ?? "wasm";
const [B, T, V] = args.length === 3 ? args.map(Number) : [4, 512, 32000];
await ready({ backend });

const rng = createRng(0);
const data = new Float32Array(B * T * V);
for (let k = 0; k < data.length; k++) data[k] = rng.normal(0, 2);
const logits = tf.tensor3d(data, [B, T, V]);
const ids = tf.tensor2d(Int32Array.from({ length: B * T }, () => rng.int(V)), [B, T], "int32");

const runGather = () => {
  const lp = gatherLogProbs(logits, ids);
  lp.dataSync();
  lp.dispose();
};
const runOneHot = () => {
  const lp = gatherLogProbsOneHot(logits, ids);
  lp.dataSync();
  lp.dispose();
};

const check = tf.tidy(() => tf.max(tf.abs(tf.sub(gatherLogProbs(logits, ids), gatherLogProbsOneHot(logits, ids)))));
const maxDiff = check.dataSync()[0];
check.dispose();

const before = tf.memory().numTensors;
const gMs = await timeMs(runGather, { runs: 3 });
const oMs = await timeMs(runOneHot, { runs: 3 });
const gPeak = await peakBytes(runGather);
const oPeak = await peakBytes(runOneHot);
console.log(`backend ${tf.getBackend()}, logits [${B}, ${T}, ${V}] (${mib(B * T * V * 4)}), max |diff| ${maxDiff.toExponential(1)}`);
console.log(`  gather  (@rl/core):  ${gMs.toFixed(0)} ms   peak ${mib(gPeak)}`);
console.log(`  one-hot (baseline):  ${oMs.toFixed(0)} ms   peak ${mib(oPeak)}`);
console.log(`  ratio one-hot / gather: time ${(oMs / gMs).toFixed(2)}x, peak memory ${(oPeak / gPeak).toFixed(2)}x`);
tf.dispose([logits, ids]);
if (tf.memory().numTensors !== before - 2) throw new Error("benchmark leaked tensors");

// Issue 19, "Inner loops stay fast": the cost of the boundary checks relative to the public call,
// measured in the same process and interleaved (round-robin, medians of rounds), so machine load
// affects both sides alike. Run: `pnpm --filter @rl/fuzz bench:boundary`.
// The checks are the internal validators each public entry calls once (imported from the package
// sources); "bypassed" = full call time minus check time, so overhead = check / (full − check).
import { assertTensor, assertTensorMask, maskedMean, ready, tf } from "@rl/core";
import { cispoLoss, dpoLoss, ppoPolicyLoss } from "@rl/alignment";
import { it } from "vitest";
import { checkPolicyInputs } from "../../../packages/alignment/src/policy/policy-inputs.js";
import { assertBatchVectors } from "../../../packages/alignment/src/preference/validate.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function measure(name: string, full: () => void, checks: () => void, reps: number, rounds = 15): string {
  for (let i = 0; i < 3; i++) { full(); checks(); } // warm-up
  const tf1: number[] = [];
  const tc: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    for (let i = 0; i < reps; i++) full();
    tf1.push((performance.now() - t0) / reps);
    t0 = performance.now();
    for (let i = 0; i < reps; i++) checks();
    tc.push((performance.now() - t0) / reps);
  }
  const f = median(tf1);
  const c = median(tc);
  return `| ${name} | ${f.toFixed(3)} ms | ${c.toFixed(4)} ms | ${((100 * c) / Math.max(f - c, 1e-9)).toFixed(2)} % |`;
}

it("boundary checks cost < 2% of the public call", async () => {
  await ready();
  const B = 32;
  const T = 1024;
  const lp = tf.randomNormal([B, T], -1, 0.3, "float32", 1);
  const old = tf.randomNormal([B, T], -1, 0.3, "float32", 2);
  const adv = tf.randomNormal([B], 0, 1, "float32", 3);
  const mask = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([B, T], 0, 1, "float32", 4), 0.1), "float32"));
  const inputs = { logProbs: lp, oldLogProbs: old, advantages: adv, mask };
  const pc = tf.randomNormal([1024], -50, 5, "float32", 5);
  const pr = tf.randomNormal([1024], -50, 5, "float32", 6);
  const rc = tf.randomNormal([1024], -50, 5, "float32", 7);
  const rr = tf.randomNormal([1024], -50, 5, "float32", 8);
  const run = (f: () => { loss: tf.Tensor } | tf.Tensor) => () => {
    const out = f();
    tf.dispose(out instanceof tf.Tensor ? out : (Object.values(out).filter((v) => v instanceof tf.Tensor) as tf.Tensor[]));
  };
  const lines = [
    `backend ${tf.getBackend()}; ppo / cispo: logProbs [${B}, ${T}]; dpoLoss: [1024]; maskedMean: tensors [${B}, ${T}]`,
    "",
    "| function | public call | boundary checks | overhead |",
    "|---|---|---|---|",
    measure("ppoPolicyLoss", run(() => ppoPolicyLoss(inputs, {})), () => checkPolicyInputs(inputs, "ppoPolicyLoss"), 5),
    measure("cispoLoss", run(() => cispoLoss(inputs, {})), () => checkPolicyInputs(inputs, "cispoLoss"), 5),
    measure("dpoLoss", run(() => dpoLoss({ policyChosen: pc, policyRejected: pr, refChosen: rc, refRejected: rr }, {})), () => assertBatchVectors({ policyChosen: pc, policyRejected: pr, refChosen: rc, refRejected: rr }, "dpoLoss"), 20),
    measure("maskedMean (tensor)", run(() => maskedMean(lp, mask) as tf.Tensor), () => {
      assertTensor(lp, "maskedMean", "values");
      assertTensor(mask, "maskedMean", "mask");
      assertTensorMask(mask, "maskedMean");
    }, 10),
  ];
  console.log(lines.join("\n"));
  tf.dispose([lp, old, adv, mask, pc, pr, rc, rr]);
}, 600_000);

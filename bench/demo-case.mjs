// The demo's GRPO-step inputs as bench:peers times them (shared by peers.mjs and train-step-profile.mjs).
import { tf } from "@rl/core";
// The demo's policy (examples is built by `pnpm bench:peers` before this runs).
import { createPolicy } from "../examples/dist/demo/policy.js";

/** The policy, its config and a batch of `rows` rows (the last 4 tokens masked in, Gaussian advantages). */
export function demoCase({ rows, T, V, d, H, L }, rng, policyRng) {
  const config = { vocabSize: V, maxLength: T, dModel: d, nHeads: H, nLayers: L };
  const policy = createPolicy(config, policyRng);
  const P = T - 4;
  const ids = Int32Array.from({ length: rows * T }, () => rng.int(V));
  const batch = {
    tokenIds: tf.tensor2d(ids, [rows, T], "int32"),
    lossMask: tf.tensor2d(Float32Array.from({ length: rows * T }, (_, k) => (k % T >= P ? 1 : 0)), [rows, T]),
    advantages: tf.tensor2d(Float32Array.from({ length: rows * T }, () => rng.normal(0, 1)), [rows, T]),
  };
  return { config, policy, ids, P, batch };
}

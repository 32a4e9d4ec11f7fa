import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { armoGatingLoss, armoScore, createGatingNetwork } from "../../src/index.js";
import { codeOf, value, values } from "./helpers.js";

describe("armoScore", () => {
  const debias = { verbosityIndex: 2, penalties: [0.25, 0.5, 1.0] };
  it("reproduces spec §7 (debiasing, gate and score)", () => {
    // Identity gate picks one objective: r̃ = [0.375, -0.25, 0].
    const big = 1e3;
    const picks = [0, 1, 2].map((j) => values(armoScore({ objectives: [[0.6, 0.2, 0.9]], gateLogits: [[0, 1, 2].map((k) => (k === j ? big : -big))] }, debias))[0]);
    assertClose(picks, [0.375, -0.25, 0]);
    // A gate g = [0.5, 0.3, 0.2] (logits = T·log g) → score 0.1125.
    const g = [0.5, 0.3, 0.2];
    assertClose(values(armoScore({ objectives: [[0.6, 0.2, 0.9]], gateLogits: [g.map((x) => 10 * Math.log(x))] }, debias)), [0.1125]);
    // Gate logits [1,0,−1] at temperature 10 → g = [0.367165, 0.332225, 0.300610].
    const gate = [0.367165, 0.332225, 0.30061];
    assertClose(values(armoScore({ objectives: [[1, 2, 3]], gateLogits: [[1, 0, -1]] })), [gate[0]! + 2 * gate[1]! + 3 * gate[2]!]);
  });
  it("rejects missing penalties and shape mismatch", () => {
    expect(codeOf(() => armoScore({ objectives: [[1, 2]], gateLogits: [[1, 2]] }, { verbosityIndex: 1 }))).toBe("INVALID_CONFIG");
    expect(codeOf(() => armoScore({ objectives: [[1, 2]], gateLogits: [[1, 2, 3]] }))).toBe("SHAPE_MISMATCH");
  });
  it("gating loss has correct gradients and does not leak", async () => {
    const input = (z: tf.Tensor) => ({ gateLogits: z, chosenObjectives: [[0.6, 0.2, 0.9]], rejectedObjectives: [[0.1, 0.5, 0.3]] });
    checkGradient((z) => armoGatingLoss(input(z), { ...debias, temperature: 1 }).loss, tf.tensor2d([[0.3, -0.4, 0.9]]));
    const out = armoGatingLoss({ gateLogits: [[0, 0]], chosenObjectives: [[1, 0]], rejectedObjectives: [[0, 0]] }, { temperature: 1 });
    assertClose(value(out.loss), Math.log1p(Math.exp(-0.5)));
    const z = tf.tensor2d([[0.3, -0.4, 0.9]]);
    await expectNoTensorLeak(() => armoGatingLoss(input(z), debias).loss);
    z.dispose();
  });
});

describe("createGatingNetwork", () => {
  it("maps prompt embeddings to gate logits and learns to prefer an objective", () => {
    const before = tf.memory().numTensors;
    const gate = createGatingNetwork({ inputSize: 4, numObjectives: 2, hiddenSizes: [8], seed: 1 });
    const x = tf.tensor2d([[1, 0, 0, 0], [0, 1, 0, 0]]);
    // Prompt 0 wants objective 0, prompt 1 wants objective 1.
    const chosen = [[1, 0], [0, 1]];
    const rejected = [[0, 1], [1, 0]];
    const opt = tf.train.adam(0.05);
    for (let s = 0; s < 60; s++) {
      opt.minimize(() => armoGatingLoss({ gateLogits: gate.apply(x), chosenObjectives: chosen, rejectedObjectives: rejected }, { temperature: 1 }).loss as tf.Scalar, false, [...gate.variables]);
    }
    const logits = gate.apply(x);
    const out = armoGatingLoss({ gateLogits: logits, chosenObjectives: chosen, rejectedObjectives: rejected }, { temperature: 1 });
    out.loss.dispose();
    logits.dispose();
    expect(out.metrics.accuracy).toBe(1);
    opt.dispose();
    x.dispose();
    gate.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

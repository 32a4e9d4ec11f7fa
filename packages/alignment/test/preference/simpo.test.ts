import { RLError, tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simpoLoss, type SimpoConfig } from "../../src/index.js";
import { read, scoped } from "./helpers.js";

const E2 = { c: [-1.0, -0.6], r: [-1.5, -0.5] };
const run = (c: number[], r: number[], cfg: SimpoConfig): { losses: number[]; loss: number } =>
  scoped(() => {
    const o = simpoLoss({ chosenAvgLogProbs: tf.tensor1d(c), rejectedAvgLogProbs: tf.tensor1d(r) }, cfg);
    return { losses: read(o.losses), loss: read(o.loss)[0] as number };
  });

describe("simpoLoss", () => {
  it("spec worked example E2 (sigmoid, smoothed, hinge) with rewards and metrics", () => {
    scoped(() => {
      const o = simpoLoss({ chosenAvgLogProbs: tf.tensor1d(E2.c), rejectedAvgLogProbs: tf.tensor1d(E2.r) }, { beta: 2, gamma: 1 });
      assertClose(read(o.losses), [0.693147, 1.463282], 1e-5, 1e-5);
      assertClose(read(o.loss)[0], 1.078215, 1e-5, 1e-5);
      assertClose(read(o.chosenRewards), [-2, -1.2], 1e-6, 1e-6);
      assertClose(read(o.rejectedRewards), [-3, -1], 1e-6, 1e-6);
      expect(o.metrics["rewards/accuracies"]).toBe(0.5);
      assertClose(o.metrics["rewards/margins"], 0.4, 1e-6, 1e-6);
    });
    assertClose(run(E2.c, E2.r, { beta: 2, gamma: 1, labelSmoothing: 0.1 }).losses, [0.693147, 1.343282], 1e-5, 1e-5);
    const h = run(E2.c, E2.r, { beta: 2, gamma: 1, lossType: "hinge" });
    assertClose(h.losses, [1.0, 2.2], 1e-5, 1e-5);
    assertClose(h.loss, 1.6, 1e-5, 1e-5);
  });

  it("gradient w.r.t. the chosen average log-probs matches the spec", () => {
    scoped(() => {
      const r = tf.tensor1d(E2.r);
      const g = tf.grad((c: tf.Tensor) => simpoLoss({ chosenAvgLogProbs: c, rejectedAvgLogProbs: r }, { beta: 2, gamma: 1 }).loss)(tf.tensor1d(E2.c));
      assertClose(read(g), [-0.5, -0.7685248], 1e-5, 1e-5);
    });
  });

  it("gammaBetaRatio is γ/β (repo form) and defaults to 0.25", () => {
    assertClose(run(E2.c, E2.r, { beta: 2, gammaBetaRatio: 0.5 }).loss, 1.078215, 1e-5, 1e-5);
    assertClose(run(E2.c, E2.r, { beta: 2 }).loss, run(E2.c, E2.r, { beta: 2, gamma: 0.5 }).loss, 1e-6, 1e-6);
  });

  it("the SFT term adds sftWeight · chosenNll", () => {
    const base = run(E2.c, E2.r, { beta: 2, gamma: 1 }).loss;
    const withSft = scoped(() => read(simpoLoss({ chosenAvgLogProbs: tf.tensor1d(E2.c), rejectedAvgLogProbs: tf.tensor1d(E2.r), chosenNll: 0.8 }, { beta: 2, gamma: 1, sftWeight: 0.5 }).loss)[0] as number);
    assertClose(withSft, base + 0.4, 1e-5, 1e-5);
  });

  it("property: invariant to adding one constant to both average log-probs", () => {
    const v = fc.double({ min: -10, max: 0, noNaN: true });
    fc.assert(
      fc.property(fc.array(fc.tuple(v, v), { minLength: 1, maxLength: 4 }), fc.double({ min: -3, max: 3, noNaN: true }), (xs, k) => {
        const c = xs.map((p) => p[0]);
        const r = xs.map((p) => p[1]);
        assertClose(run(c.map((x) => x + k), r.map((x) => x + k), { beta: 2.5 }).losses, run(c, r, { beta: 2.5 }).losses, 1e-3, 1e-3);
      }),
      { numRuns: 50 },
    );
  });

  it.each(["sigmoid", "hinge"] as const)("finite-difference gradient check: %s", (lossType) => {
    scoped(() => {
      const f = (x: tf.Tensor): tf.Tensor => {
        const [c, r] = tf.split(x, 2);
        return simpoLoss({ chosenAvgLogProbs: c as tf.Tensor, rejectedAvgLogProbs: r as tf.Tensor }, { beta: 2, gamma: 0.3, labelSmoothing: 0.1, lossType }).loss;
      };
      checkGradient(f, tf.tensor1d([-1.0, -0.6, -0.9, -1.5, -0.5, -0.2]));
    });
  });

  it("bad input and leaks", async () => {
    const c = tf.tensor1d(E2.c);
    const r = tf.tensor1d(E2.r);
    expect(() => simpoLoss({ chosenAvgLogProbs: c, rejectedAvgLogProbs: r }, { beta: 0 })).toThrow(RLError);
    expect(() => simpoLoss({ chosenAvgLogProbs: c, rejectedAvgLogProbs: r }, { gamma: 1, gammaBetaRatio: 0.5 })).toThrow(/gamma/);
    expect(() => simpoLoss({ chosenAvgLogProbs: c, rejectedAvgLogProbs: r }, { sftWeight: 1 })).toThrow(/chosenNll/);
    expect(() => simpoLoss({ chosenAvgLogProbs: c, rejectedAvgLogProbs: tf.tensor1d([1]) })).toThrow(/rejectedAvgLogProbs has 1 entries/);
    await expectNoTensorLeak(() => simpoLoss({ chosenAvgLogProbs: c, rejectedAvgLogProbs: r }, { labelSmoothing: 0.2 }));
    c.dispose();
    r.dispose();
  });
});

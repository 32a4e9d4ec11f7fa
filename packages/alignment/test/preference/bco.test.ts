import { RLError, tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bcoLoss, type BcoConfig } from "../../src/index.js";
import { bcoRunningMoments } from "../../src/preference/bco.js";
import { read, scoped } from "./helpers.js";

// Reference: TRL BCOTrainer.bco_loss and RunningMoments (trl/experimental/bco/bco_trainer.py at
// f2cd57710ae345ea6428ae95363267fcf38a3dc8), evaluated by hand in float64:
//   moments after [0.5, −0.75, −0.25, 0.125]: mean −0.09375;
//   step 2, β = 0.5: r = 0.5·(π − ρ) = [0.2, 0.25, −0.25, 0.1] → mean −0.009375, var 0.133115234375, count 8;
//   losses (labels 1, 0, 0, 1) = [−logσ(r₀ − δ), −logσ(−(r₁ − δ)), −logσ(−(r₂ − δ)), −logσ(r₃ − δ)]
const policy = [-3.0, -2.0, -4.5, -1.0];
const reference = [-3.4, -2.5, -4.0, -1.2];
const labels = [1, 0, 0, 1];
const run = (cfg: BcoConfig, desirableProbs?: number[]) =>
  scoped(() => {
    const o = bcoLoss({ policy: tf.tensor1d(policy), reference: tf.tensor1d(reference), labels, desirableProbs }, cfg);
    return { losses: read(o.losses), loss: read(o.loss)[0] as number, rewards: read(o.rewards), metrics: o.metrics };
  });

describe("bcoRunningMoments (TRL RunningMoments)", () => {
  it("combines batches with every reward weighted equally", () => {
    const m = bcoRunningMoments();
    const s1 = m.update([0.5, -0.75, -0.25, 0.125], m.init());
    expect(s1.output).toBe(-0.09375);
    const s2 = m.update([0.2, 0.25, -0.25, 0.1], s1.state);
    assertClose(s2.output, -0.009375, 1e-12, 1e-12);
    assertClose(s2.state.var, 0.133115234375, 1e-12, 1e-12);
    expect(s2.state.count).toBe(8);
  });

  it("equals the mean and population variance of everything seen (property)", () => {
    const xs = fc.array(fc.integer({ min: -40, max: 40 }).map((k) => k / 8), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(xs, { minLength: 1, maxLength: 4 }), (batches) => {
        const m = bcoRunningMoments();
        let s = m.init();
        for (const b of batches) s = m.update(b, s).state;
        const all = batches.flat();
        const mean = all.reduce((a, b) => a + b, 0) / all.length;
        const v = all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length;
        return Math.abs(s.mean - mean) < 1e-9 && Math.abs(s.var - v) < 1e-9;
      }),
    );
  });

  it("bad input: RLError", () => {
    const m = bcoRunningMoments();
    expect(() => m.update([], m.init())).toThrow(RLError);
    expect(() => m.update([Number.NaN], m.init())).toThrow(/rewards\[0\] is NaN/);
  });
});

describe("bcoLoss (unpaired BCO)", () => {
  it("matches TRL's bco_loss with the running shift δ of the same step", () => {
    const o = run({ beta: 0.5, bcoRewardShift: -0.009375 });
    assertClose(o.rewards, [0.2, 0.25, -0.25, 0.1], 1e-6, 1e-6);
    assertClose(o.losses, [0.5939294368730786, 0.8312206367727916, 0.5800548357877149, 0.6399542971134814], 1e-5, 1e-5);
    assertClose(o.loss, 0.6612898016367666, 1e-5, 1e-5);
    assertClose(o.metrics.delta as number, -0.009375, 1e-12, 1e-12);
    assertClose(o.metrics["rewards/chosen"] as number, 0.15, 1e-6, 1e-6);
    assertClose(o.metrics["rewards/rejected"] as number, 0, 1e-6, 1e-6);
  });

  it("UDM: undesirable rows weighted by clamp(p/(1 − p + 1e-8), 0.5, 10)", () => {
    const o = run({ beta: 0.5, bcoRewardShift: -0.009375 }, [0.9, 0.2, 0.95, 0.5]);
    assertClose(o.losses, [0.5939294368730786, 0.4156103183863958, 5.800548357877149, 0.6399542971134814], 1e-5, 1e-5);
    assertClose(o.loss, 1.8625106025625264, 1e-5, 1e-5);
  });

  it("gradient check w.r.t. the policy; no tensor leaks", async () => {
    scoped(() => {
      checkGradient((x) => bcoLoss({ policy: x, reference: tf.tensor1d(reference), labels }, { beta: 2, bcoRewardShift: 0.3 }).loss, tf.tensor1d(policy));
      checkGradient((x) => bcoLoss({ policy: x, reference: tf.tensor1d(reference), labels, desirableProbs: [0.9, 0.3, 0.6, 0.5] }, { beta: 2 }).loss, tf.tensor1d(policy));
    });
    const p = tf.tensor1d(policy);
    const r = tf.tensor1d(reference);
    await expectNoTensorLeak(() => bcoLoss({ policy: p, reference: r, labels, desirableProbs: [0.9, 0.3, 0.6, 0.5] }));
    tf.dispose([p, r]);
  });

  it("bad input: RLError", () => {
    scoped(() => {
      const p = tf.tensor1d(policy);
      const r = tf.tensor1d(reference);
      expect(() => bcoLoss({ policy: p, reference: r, labels: [1, 0, 2, 1] })).toThrow(/labels\[2\] is 2/);
      expect(() => bcoLoss({ policy: p, reference: r, labels: [1, 0] })).toThrow(/labels has 2 entries, policy has 4/);
      expect(() => bcoLoss({ policy: p, reference: r, labels, desirableProbs: [0.5, 1.5, 0.5, 0.5] })).toThrow(/desirableProbs\[1\]/);
      expect(() => bcoLoss({ policy: p, reference: tf.tensor1d([0, Number.NaN, 0, 0]), labels })).toThrow(RLError);
      expect(() => bcoLoss({ policy: p, reference: r, labels }, { minDensityRatio: 5, maxDensityRatio: 1 })).toThrow(RLError);
      expect(() => bcoLoss({ policy: p, reference: r, labels }, { beta: 0 })).toThrow(RLError);
    });
  });
});

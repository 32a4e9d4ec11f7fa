import { RLError, tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { cpoLoss, type CpoConfig } from "../../src/index.js";
import { read, scoped } from "./helpers.js";

const pc = [-10, -20];
const pr = [-12, -18];
const run = (cfg: CpoConfig, nll: number | undefined = 0.5, c = pc, r = pr) =>
  scoped(() => {
    const o = cpoLoss({ policyChosen: tf.tensor1d(c), policyRejected: tf.tensor1d(r), chosenNll: nll }, cfg);
    return { losses: read(o.losses), loss: read(o.loss)[0] as number, cr: read(o.chosenRewards), rr: read(o.rejectedRewards), metrics: o.metrics };
  });

describe("cpoLoss", () => {
  it("spec worked example (§9): sigmoid with the NLL term, rewards, metrics", () => {
    const o = run({});
    assertClose(o.losses, [0.598139, 0.798139], 1e-5, 1e-5);
    assertClose(o.loss, 1.198139, 1e-5, 1e-5);
    assertClose(o.cr, [-1, -2], 1e-6, 1e-6);
    assertClose(o.rr, [-1.2, -1.8], 1e-6, 1e-6);
    expect(o.metrics["rewards/accuracies"]).toBe(0.5);
    assertClose(o.metrics["rewards/margins"], 0, 1e-6, 1e-6);
    expect(o.metrics.nll_loss).toBe(0.5);
  });

  it("hinge, ipo, simpo; cpoAlpha 0 drops the NLL", () => {
    const h = run({ lossType: "hinge" });
    assertClose(h.losses, [0.8, 1.2], 1e-5, 1e-5);
    assertClose(h.loss, 1.5, 1e-5, 1e-5);
    assertClose(run({ lossType: "ipo", beta: 0.5 }, 0).losses, [1, 9], 1e-5, 1e-5);
    const sp = (x: number): number => Math.log1p(Math.exp(x));
    // simpo: β(Δ − γ/β) = 0.1·2 − 0.5 = −0.3 and −0.2 − 0.5 = −0.7
    assertClose(run({ lossType: "simpo", cpoAlpha: 0 }).losses, [sp(0.3), sp(0.7)], 1e-5, 1e-5);
    assertClose(run({ cpoAlpha: 0 }, undefined).loss, 0.698139, 1e-5, 1e-5);
  });

  it("AlphaPO: rewards are β(1 − e^{−απ})/α and α → 0 recovers CPO", () => {
    const a = 0.1;
    const r = (p: number): number => (1 - Math.exp(-a * p)) / a;
    const c = [-1.0, -2.0];
    const rj = [-1.5, -0.5];
    const o = run({ alphaPo: a, cpoAlpha: 0 }, undefined, c, rj);
    assertClose(o.cr, c.map((p) => 0.1 * r(p)), 1e-5, 1e-5);
    const sp = (x: number): number => Math.log1p(Math.exp(x));
    assertClose(o.losses, c.map((p, k) => sp(-0.1 * (r(p) - r(rj[k] as number)))), 1e-5, 1e-5);
    assertClose(run({ alphaPo: 1e-6, cpoAlpha: 0 }, undefined, c, rj).losses, run({ cpoAlpha: 0 }, undefined, c, rj).losses, 1e-4, 1e-4);
    // exponent capped: stays finite for huge summed log-probs
    expect(Number.isFinite(run({ alphaPo: 0.25, cpoAlpha: 0 }, undefined, [-400], [-10]).loss)).toBe(true);
  });

  it.each(["sigmoid", "hinge", "ipo", "simpo"] as const)("finite-difference gradient check: %s (with AlphaPO and NLL)", (lossType) => {
    scoped(() => {
      const f = (x: tf.Tensor): tf.Tensor => {
        const [c, r] = tf.split(x, 2);
        const nll = tf.neg(tf.mean(c as tf.Tensor));
        return cpoLoss({ policyChosen: c as tf.Tensor, policyRejected: r as tf.Tensor, chosenNll: nll }, { lossType, beta: 0.5, labelSmoothing: 0.1, alphaPo: 0.2 }).loss;
      };
      checkGradient(f, tf.tensor1d([-1.0, -2.0, -0.7, -1.5, -0.5, -1.1]));
    });
  });

  it("bad input and leaks", async () => {
    const c = tf.tensor1d(pc);
    const r = tf.tensor1d(pr);
    expect(() => cpoLoss({ policyChosen: c, policyRejected: r })).toThrow(/cpoAlpha > 0 needs chosenNll/);
    expect(() => cpoLoss({ policyChosen: c, policyRejected: r, chosenNll: 0 }, { beta: -1 })).toThrow(RLError);
    expect(() => cpoLoss({ policyChosen: c, policyRejected: r, chosenNll: 0 }, { labelSmoothing: 0.6 })).toThrow(/labelSmoothing/);
    expect(() => cpoLoss({ policyChosen: tf.tensor1d([NaN, 0]), policyRejected: r, chosenNll: 0 })).toThrow(/policyChosen\[0\] is NaN/);
    await expectNoTensorLeak(() => cpoLoss({ policyChosen: c, policyRejected: r, chosenNll: 0.5 }, { alphaPo: 0.1 }));
    c.dispose();
    r.dispose();
  });
});

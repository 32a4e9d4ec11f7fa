import { RLError, tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { ktoLoss, type KtoConfig } from "../../src/index.js";
import { read, scoped } from "./helpers.js";

// E4: desirable ℓ = [0.5, −0.2], undesirable ℓ = [−0.4]; KL diffs [0.3, −0.1, 0.4] ⇒ z₀ = 0.2
const policy = [0.5, -0.2, -0.4];
const labels = [1, 1, 0];
const run = (kl: number[], cfg: KtoConfig = {}) =>
  scoped(() => {
    const o = ktoLoss(
      { policy: tf.tensor1d(policy), reference: tf.zeros([3]), labels, policyKl: tf.tensor1d(kl), referenceKl: tf.zeros([3]) },
      cfg,
    );
    return { losses: read(o.losses), loss: read(o.loss)[0] as number, metrics: o.metrics };
  });

describe("ktoLoss", () => {
  it("spec worked example E4", () => {
    const o = run([0.3, -0.1, 0.4]);
    assertClose(o.losses, [0.492501, 0.509999, 0.485004], 1e-5, 1e-5);
    assertClose(o.loss, 0.495835, 1e-5, 1e-5);
    assertClose(o.metrics.kl as number, 0.2, 1e-6, 1e-6);
    assertClose(o.metrics["rewards/chosen"] as number, 0.015, 1e-6, 1e-6);
    assertClose(o.metrics["rewards/rejected"] as number, -0.04, 1e-6, 1e-6);
    assertClose(o.metrics["rewards/margins"] as number, 0.055, 1e-6, 1e-6);
  });

  it("undesirable weight 1.5; negative KL clamps to 0 (= apo_zero_unpaired)", () => {
    const w = run([0.3, -0.1, 0.4], { undesirableWeight: 1.5 });
    assertClose(w.losses[2] as number, 0.727507, 1e-5, 1e-5);
    assertClose(w.loss, 0.576669, 1e-5, 1e-5);
    const z = run([-0.3, -0.1, 0.1]);
    assertClose(z.losses, [0.487503, 0.505, 0.490001], 1e-5, 1e-5);
    assertClose(z.loss, 0.494168, 1e-5, 1e-5);
    expect(z.metrics.kl).toBe(0);
    const apo = scoped(() =>
      read(ktoLoss({ policy: tf.tensor1d(policy), reference: tf.zeros([3]), labels }, { lossType: "apo_zero_unpaired" }).losses),
    );
    assertClose(apo, z.losses, 1e-6, 1e-6);
  });

  it("a batch with only desirable examples has no rejected metrics and no margin", () => {
    const o = scoped(() => ktoLoss({ policy: tf.tensor1d([0.1, 0.2]), reference: tf.zeros([2]), labels: [1, 1], policyKl: tf.zeros([2]), referenceKl: tf.zeros([2]) }).metrics);
    expect(o["rewards/rejected"]).toBeUndefined();
    expect(o["rewards/margins"]).toBeUndefined();
    expect(o["rewards/chosen"]).toBeCloseTo(0.015, 6);
  });

  it("gradient check w.r.t. the policy; the KL baseline gets no gradient", () => {
    scoped(() => {
      const kl = tf.tensor1d([0.3, -0.1, 0.4]);
      const f = (x: tf.Tensor): tf.Tensor =>
        ktoLoss({ policy: x, reference: tf.tensor1d([0.1, 0.1, -0.2]), labels, policyKl: kl, referenceKl: tf.zeros([3]) }, { beta: 2 }).loss;
      checkGradient(f, tf.tensor1d(policy));
      checkGradient(
        (x) => ktoLoss({ policy: x, reference: tf.tensor1d([0.1, 0.1, -0.2]), labels }, { beta: 2, lossType: "apo_zero_unpaired", undesirableWeight: 1.5 }).loss,
        tf.tensor1d(policy),
      );
      const g = tf.grad((k: tf.Tensor) =>
        ktoLoss({ policy: tf.tensor1d(policy), reference: tf.zeros([3]), labels, policyKl: k, referenceKl: tf.zeros([3]) }).loss,
      )(kl);
      expect(read(g)).toEqual([0, 0, 0]);
    });
  });

  it("bad input and leaks", async () => {
    const p = tf.tensor1d(policy);
    const z = tf.zeros([3]);
    const expectCode = (f: () => unknown, code: string): void => {
      try {
        f();
      } catch (e) {
        expect(RLError.isInstance(e) && e.code).toBe(code);
        return;
      }
      throw new Error("expected an error");
    };
    expectCode(() => ktoLoss({ policy: p, reference: z, labels }), "INVALID_INPUT"); // no KL completions
    expectCode(() => ktoLoss({ policy: p, reference: z, labels: [1, 0] }, { lossType: "apo_zero_unpaired" }), "SHAPE_MISMATCH");
    expectCode(() => ktoLoss({ policy: p, reference: z, labels: [1, 2, 0] }, { lossType: "apo_zero_unpaired" }), "INVALID_INPUT");
    expectCode(() => ktoLoss({ policy: tf.tensor1d([1]), reference: tf.zeros([1]), labels: [1], policyKl: tf.zeros([1]), referenceKl: tf.zeros([1]) }), "INVALID_INPUT");
    expectCode(() => ktoLoss({ policy: p, reference: z, labels }, { beta: 0, lossType: "apo_zero_unpaired" }), "INVALID_CONFIG");
    await expectNoTensorLeak(() => ktoLoss({ policy: p, reference: z, labels, policyKl: p, referenceKl: z }));
    p.dispose();
    z.dispose();
  });
});

import { createRng, tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { betaDpoController, betaDpoLoss, dpoLoss } from "../../src/index.js";
import { read, scoped } from "./helpers.js";

const g = [1.5, -1.75, 0.3, 0.9];
const inputsOf = (gaps: number[]) => ({
  policyChosen: tf.tensor1d(gaps),
  policyRejected: tf.zeros([gaps.length]),
  refChosen: tf.zeros([gaps.length]),
  refRejected: tf.zeros([gaps.length]),
});

describe("betaDpoController", () => {
  it("spec worked example (§12): first step statistics, weights, kept rows and β", () => {
    const ctl = betaDpoController();
    const { output, state } = ctl.update({ gaps: g, rng: createRng(0) }, ctl.init());
    expect(state.gapMean).toBeCloseTo(0.02375, 10);
    expect(state.gapStd).toBeCloseTo(0.1412666, 6);
    assertClose(output.weights, [1.93e-24, 5.83e-35, 0.147779, 4.42e-9], 0, 1e-2);
    expect([...output.keep].sort()).toEqual([0, 2, 3]);
    expect(output.beta).toBeCloseTo(0.152575, 6);
  });

  it("is deterministic for a seed and guards a zero std and a batch of one", () => {
    const ctl = betaDpoController();
    const a = ctl.update({ gaps: [0.1, 0.5, -0.2, 0.7, 0.3], rng: createRng(7) }, ctl.init());
    const b = ctl.update({ gaps: [0.1, 0.5, -0.2, 0.7, 0.3], rng: createRng(7) }, ctl.init());
    expect(a.output.keep).toEqual(b.output.keep);
    const same = ctl.update({ gaps: [0.4, 0.4, 0.4], rng: createRng(1) }, ctl.init());
    expect(same.output.keep).toHaveLength(2);
    expect(Number.isFinite(same.output.beta)).toBe(true);
    const one = ctl.update({ gaps: [2], rng: createRng(1) }, ctl.init());
    expect(one.output.keep).toEqual([0]);
    expect(one.state.gapStd).toBe(0);
  });

  it("a = 0 keeps β₀; β never falls below minBeta", () => {
    const ctl0 = betaDpoController({ a: 0 });
    expect(ctl0.update({ gaps: g, rng: createRng(0) }, ctl0.init()).output.beta).toBe(0.1);
    const ctl = betaDpoController({ a: 100 });
    expect(ctl.update({ gaps: [-5, -6, -7], rng: createRng(0) }, ctl.init()).output.beta).toBe(1e-3);
  });

  it("rejects bad input", () => {
    const ctl = betaDpoController();
    expect(() => ctl.update({ gaps: [], rng: createRng(0) }, ctl.init())).toThrow(/empty batch/);
    expect(() => ctl.update({ gaps: [NaN], rng: createRng(0) }, ctl.init())).toThrow(/gaps\[0\]/);
    expect(() => betaDpoController({ dropFraction: 1 })).toThrow(/dropFraction/);
  });
});

describe("betaDpoLoss", () => {
  it("spec worked example: losses on the kept rows, loss over kept rows, next state", () => {
    scoped(() => {
      const o = betaDpoLoss({ ...inputsOf(g), state: betaDpoController().init(), rng: createRng(0) });
      assertClose(read(o.losses), [0.585249, 0, 0.670523, 0.626844], 1e-5, 1e-5);
      assertClose(read(o.loss)[0], 0.627538, 1e-5, 1e-5);
      expect(o.metrics.mask_count).toBe(3);
      assertClose(o.metrics.beta_used, 0.152575, 1e-6, 1e-6);
      expect(o.state.gapMean).toBeCloseTo(0.02375, 6);
      // rewards use β₀
      assertClose(read(o.chosenRewards), g.map((x) => 0.1 * x), 1e-6, 1e-6);
    });
  });

  it("with a = 0 and no dropping it is DPO", () => {
    scoped(() => {
      const i = inputsOf(g);
      const o = betaDpoLoss({ ...i, state: { gapMean: 0, gapStd: 0 }, rng: createRng(0) }, { a: 0, dropFraction: 0 });
      assertClose(read(o.losses), read(dpoLoss(i, { beta: 0.1 }).losses), 1e-6, 1e-6);
    });
  });

  it("gradients: β is a constant, dropped rows get none; a = 0 passes a finite-difference check", async () => {
    scoped(() => {
      const z = tf.zeros([4]);
      const run = (x: tf.Tensor) => betaDpoLoss({ policyChosen: x, policyRejected: z, refChosen: z, refRejected: z, state: { gapMean: 0, gapStd: 0 }, rng: createRng(0) });
      const o = run(tf.tensor1d(g));
      const beta = o.metrics.beta_used;
      const grad = read(tf.grad((x: tf.Tensor) => run(x).loss)(tf.tensor1d(g)));
      const want = g.map((d, k) => (o.keep.includes(k) ? (-beta / (1 + Math.exp(beta * d))) / o.keep.length : 0));
      assertClose(grad, want, 1e-6, 1e-5);
      checkGradient(
        (x) => betaDpoLoss({ policyChosen: x, policyRejected: z, refChosen: z, refRejected: z, state: { gapMean: 0.2, gapStd: 1 }, rng: createRng(3) }, { a: 0, dropFraction: 0 }).loss,
        tf.tensor1d(g),
      );
    });
    const i = inputsOf(g);
    await expectNoTensorLeak(() => betaDpoLoss({ ...i, state: { gapMean: 0, gapStd: 0 }, rng: createRng(0) }));
    Object.values(i).forEach((t) => t.dispose());
  });
});

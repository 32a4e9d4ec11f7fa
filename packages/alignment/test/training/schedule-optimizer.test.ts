import { adamWTransform, applyUpdates, createRng, tf } from "@rl/core";
import { assertClose } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { adam, adamW, warmupCosineSchedule } from "../../src/index.js";

describe("warmupCosineSchedule", () => {
  it("worked numbers: warm-up 10, total 110, peak 1e-3", () => {
    const lr = warmupCosineSchedule({ peakLearningRate: 1e-3, warmupSteps: 10, totalSteps: 110 });
    assertClose(lr(0), 0, 1e-12);
    assertClose(lr(5), 5e-4, 1e-12);
    assertClose(lr(10), 1e-3, 1e-12);
    assertClose(lr(35), 1e-3 * 0.5 * (1 + Math.cos(Math.PI / 4)), 1e-12);
    assertClose(lr(60), 5e-4, 1e-12);
    assertClose(lr(110), 0, 1e-12);
    assertClose(lr(500), 0, 1e-12);
  });

  it("stays within [min, peak], rises during warm-up and falls after", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 0.5, noNaN: true }), (W, extra, minFrac) => {
        const S = W + extra;
        const lr = warmupCosineSchedule({ peakLearningRate: 1, warmupSteps: W, totalSteps: S, minLearningRate: minFrac });
        let prev = -1;
        for (let s = 0; s <= S + 5; s++) {
          const v = lr(s);
          expect(v).toBeLessThanOrEqual(1 + 1e-12);
          if (s >= W) expect(v).toBeGreaterThanOrEqual(minFrac - 1e-12);
          if (s > 0 && s <= W) expect(v).toBeGreaterThanOrEqual(prev);
          if (s > W) expect(v).toBeLessThanOrEqual(prev + 1e-12);
          prev = v;
        }
      }),
      { numRuns: 50 },
    );
  });

  it("rejects bad configs and steps", () => {
    expect(() => warmupCosineSchedule({ peakLearningRate: 1e-3, totalSteps: 0 })).toThrow(/totalSteps/);
    expect(() => warmupCosineSchedule({ peakLearningRate: 1e-3, totalSteps: 10, minLearningRate: 1 })).toThrow(/minLearningRate/);
    expect(() => warmupCosineSchedule({ peakLearningRate: 1e-3, totalSteps: 10 })(-1)).toThrow(/step/);
  });
});

describe("adamW", () => {
  it("one step by hand: decoupled decay then the bias-corrected Adam step", () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const opt = adamW([p], { learningRate: 0.1, weightDecay: 0.5 });
    let state = opt.init();
    const g = tf.tensor1d([0.3, -0.1]);
    ({ state } = opt.update({ grads: [g] }, state));
    // t = 1: m̂ = g, v̂ = g², step = g / (|g| + 1e-8) ≈ sign(g)
    const want = [1 * (1 - 0.05) - 0.1 * (0.3 / (0.3 + 1e-8)), -2 * (1 - 0.05) - 0.1 * (-0.1 / (0.1 + 1e-8))];
    assertClose(Array.from(p.dataSync()), want, 1e-6, 1e-6);
    expect(state.step).toBe(1);
    // a zero gradient still decays the weight (decoupled), the Adam step is 0 once moments vanish
    const zero = tf.zeros([2]);
    const before = Array.from(p.dataSync());
    const opt2 = adamW([p], { learningRate: 0.1, weightDecay: 0.5 });
    let s2 = opt2.init();
    ({ state: s2 } = opt2.update({ grads: [zero] }, s2));
    assertClose(Array.from(p.dataSync()), before.map((v) => v * 0.95), 1e-6, 1e-6);
    opt.dispose(state);
    opt2.dispose(s2);
    for (const t of [p, g, zero]) t.dispose();
  });

  it("matches PyTorch AdamW (float64 by hand) over 6 steps with a per-step learning rate", () => {
    const p0 = [0.5, -1, 2];
    const grads = [[0.3, -0.2, 1.5], [-0.1, 0.4, 0.2], [2, 2, -2], [0, 0.1, 0], [1, -1, 0.5], [-0.3, 0.3, 0.3]];
    const [b1, b2, eps, wd] = [0.9, 0.99, 1e-8, 0.1];
    const lr = (t: number): number => 0.05 / (1 + t);
    const want = [...p0];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    grads.forEach((g, step) => {
      const t = step + 1;
      want.forEach((x, k) => {
        m[k] = b1 * m[k]! + (1 - b1) * g[k]!;
        v[k] = b2 * v[k]! + (1 - b2) * g[k]! ** 2;
        want[k] = x * (1 - lr(step) * wd) - (lr(step) * (m[k]! / (1 - b1 ** t))) / (Math.sqrt(v[k]! / (1 - b2 ** t)) + eps);
      });
    });
    const p = tf.variable(tf.tensor1d(p0));
    const opt = adamW([p], { beta2: b2, epsilon: eps, weightDecay: wd });
    let state = opt.init();
    grads.forEach((g, step) => {
      const gt = tf.tensor1d(g);
      ({ state } = opt.update({ grads: [gt], learningRate: lr(step) }, state));
      gt.dispose();
    });
    expect(state.step).toBe(6);
    assertClose(Array.from(p.dataSync()), want, 2e-6, 1e-5);
    opt.dispose(state);
    p.dispose();
  });

  it("adam (no decay) matches tf.train.adam over 20 steps", () => {
    const a = tf.variable(tf.tensor1d([0.5, -1.5, 2]));
    const b = tf.variable(tf.tensor1d([0.5, -1.5, 2]));
    const target = tf.tensor1d([1, 2, -1]);
    const f = (x: tf.Variable) => () => tf.sum(tf.square(tf.sub(x, target))) as tf.Scalar;
    const ours = adam([a], { learningRate: 0.05, epsilon: 1e-7 });
    let state = ours.init();
    const theirs = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
    for (let k = 0; k < 20; k++) {
      const { value, grads } = tf.variableGrads(f(a), [a]);
      ({ state } = ours.update({ grads: [grads[a.name]!] }, state));
      value.dispose();
      tf.dispose(grads);
      const cost = theirs.minimize(f(b), true, [b]);
      cost?.dispose();
    }
    assertClose(Array.from(a.dataSync()), Array.from(b.dataSync()), 1e-5, 1e-4);
    ours.dispose(state);
    theirs.dispose();
    for (const t of [a, b, target]) t.dispose();
  });

  it("the fused update (wasm, cpu) equals core's adamWTransform chain + applyUpdates bit for bit", async () => {
    const before = tf.getBackend();
    try {
      for (const backend of ["wasm", "cpu"]) {
        await tf.setBackend(backend);
        for (const weightDecay of [0, 0.01]) {
          const rng = createRng(7);
          const shapes = [[3, 5], [7], [1]];
          const init = shapes.map((s) => Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal(0, 1)));
          const ours = init.map((v, i) => tf.variable(tf.tensor(v, shapes[i])));
          const ref = init.map((v, i) => tf.variable(tf.tensor(v, shapes[i])));
          const opt = adamW(ours, { learningRate: 3e-3, weightDecay });
          let state = opt.init();
          const chain = adamWTransform({ learningRate: 3e-3, weightDecay });
          let chainState = chain.init(ref);
          const n0 = tf.memory().numTensors;
          for (let step = 0; step < 5; step++) {
            const grads = shapes.map((s, i) => (step === 2 && i === 1 ? null : tf.tensor(Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal(0, 0.1 * (step + 1))), s)));
            ({ state } = opt.update({ grads }, state));
            const r = chain.update(grads, chainState, ref);
            applyUpdates(ref, r.updates);
            r.updates.forEach((u) => u?.dispose());
            chainState = r.state;
            tf.dispose(grads.filter((g): g is tf.Tensor => g !== null));
          }
          expect(tf.memory().numTensors).toBe(n0);
          ours.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(ref[i]!.dataSync())));
          const [adamPart] = chainState as unknown as [{ mu: tf.Variable[]; nu: tf.Variable[] }];
          state.m.forEach((m, i) => expect(Array.from(m.dataSync())).toEqual(Array.from(adamPart.mu[i]!.dataSync())));
          state.v.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(adamPart.nu[i]!.dataSync())));
          opt.dispose(state);
          chain.dispose(chainState);
          tf.dispose([...ours, ...ref]);
        }
      }
    } finally {
      await tf.setBackend(before);
    }
  });

  it("skips parameters with no gradient; rejects mismatched gradients", () => {
    const p = tf.variable(tf.tensor1d([1]));
    const q = tf.variable(tf.tensor1d([1, 1]));
    const opt = adamW([p, q], { weightDecay: 0.1 });
    let state = opt.init();
    const g = tf.tensor1d([1]);
    ({ state } = opt.update({ grads: [g, null] }, state));
    expect(Array.from(q.dataSync())).toEqual([1, 1]);
    expect(() => opt.update({ grads: [g] }, state)).toThrow(/1 gradients for 2 parameters/);
    expect(() => opt.update({ grads: [g, g] }, state)).toThrow(/gradient 1 has shape/);
    expect(() => opt.update({ grads: [g, null], learningRate: Number.NaN }, state)).toThrow(/learningRate/);
    expect(() => adamW([p], { beta1: 1 })).toThrow(/beta1/);
    opt.dispose(state);
    for (const t of [p, q, g]) t.dispose();
  });

  it("init + 100 updates + dispose leaves the tensor count unchanged", () => {
    const p = tf.variable(tf.ones([3, 2]));
    const g = tf.ones([3, 2]);
    const before = tf.memory().numTensors;
    const opt = adamW([p]);
    let state = opt.init();
    for (let k = 0; k < 100; k++) ({ state } = opt.update({ grads: [g], learningRate: 1e-3 }, state));
    opt.dispose(state);
    expect(tf.memory().numTensors).toBe(before);
    p.dispose();
    g.dispose();
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  RLError,
  addDecayedWeights,
  adamWTransform,
  applyUpdates,
  chain,
  clipByGlobalNorm,
  scaleByAdam,
  scaleByLearningRate,
  scaleBySchedule,
  tf,
  type GradientTransformation,
} from "../../src/index.js";
import { assertClose, expectNoTensorLeak } from "../../src/testing/index.js";

const values = (ts: readonly (tf.Tensor | null)[]): (number[] | null)[] => ts.map((t) => (t === null ? null : Array.from(t.dataSync())));
const disposeAll = (ts: readonly (tf.Tensor | null)[]): void => ts.forEach((t) => t?.dispose());

/** PyTorch AdamW by hand, in float64, for a list of parameters. */
function adamWReference(p0: number[][], grads: number[][][], lr: (t: number) => number, b1: number, b2: number, eps: number, wd: number, maxNorm?: number): number[][] {
  const p = p0.map((x) => [...x]);
  const m = p0.map((x) => x.map(() => 0));
  const v = p0.map((x) => x.map(() => 0));
  grads.forEach((g0, step) => {
    let g = g0;
    if (maxNorm !== undefined) {
      const norm = Math.sqrt(g.flat().reduce((s, x) => s + x * x, 0));
      const c = Math.min(1, maxNorm / (norm + 1e-6));
      g = g.map((row) => row.map((x) => x * c));
    }
    const t = step + 1;
    const rate = lr(step);
    p.forEach((pi, i) =>
      pi.forEach((x, k) => {
        const gi = (g[i] as number[])[k] as number;
        const mi = b1 * (m[i] as number[])[k]! + (1 - b1) * gi;
        const vi = b2 * (v[i] as number[])[k]! + (1 - b2) * gi * gi;
        (m[i] as number[])[k] = mi;
        (v[i] as number[])[k] = vi;
        const dir = mi / (1 - b1 ** t) / (Math.sqrt(vi / (1 - b2 ** t)) + eps);
        pi[k] = x * (1 - rate * wd) - rate * dir;
      }),
    );
  });
  return p;
}

describe("clipByGlobalNorm", () => {
  it("scales every update by one factor and reports the norm before clipping (PyTorch clip_grad_norm_)", () => {
    const t = clipByGlobalNorm({ maxNorm: 1 });
    const a = tf.tensor1d([3, 0]);
    const b = tf.tensor1d([4]);
    const r = t.update([a, null, b], t.init([]));
    expect(r.info.gradNorm).toBeCloseTo(5, 6);
    const [ca, cn, cb] = values(r.updates);
    assertClose(ca as number[], [3 / (5 + 1e-6), 0], 1e-6);
    expect(cn).toBeNull();
    assertClose(cb as number[], [4 / (5 + 1e-6)], 1e-6);
    disposeAll([...r.updates, a, b]);
  });

  it("leaves small updates unchanged in value, and the norm never grows (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 8 }), fc.double({ min: 0.01, max: 50, noNaN: true }), (xs, maxNorm) => {
        const u = tf.tensor1d(xs);
        const r = clipByGlobalNorm({ maxNorm }).update([u], {});
        const out = values(r.updates)[0] as number[];
        const norm = Math.hypot(...out);
        expect(norm).toBeLessThanOrEqual(Math.max(maxNorm, 0) * (1 + 1e-5) + 1e-6);
        if ((r.info.gradNorm as number) <= maxNorm) assertClose(out, Array.from(u.dataSync()), 1e-6, 1e-6);
        disposeAll([...r.updates, u]);
      }),
      { numRuns: 60 },
    );
  });

  it("rejects a non-finite norm, bad configs and mismatched shapes with RLError", () => {
    const u = tf.tensor1d([Number.NaN]);
    expect(() => clipByGlobalNorm().update([u], {})).toThrow(RLError);
    expect(() => clipByGlobalNorm({ maxNorm: 0 })).toThrow(/maxNorm/);
    const p = tf.zeros([2]);
    expect(() => clipByGlobalNorm().update([tf.zeros([3])], {}, [p])).toThrow(/shape/);
    expect(() => clipByGlobalNorm().update([tf.zeros([2], "int32")], {})).toThrow(/dtype int32/);
    u.dispose();
    p.dispose();
  });
});

describe("scaleByAdam / addDecayedWeights / scaleByLearningRate / scaleBySchedule", () => {
  it("scaleByAdam's first step is u/(|u|+ε) and its moments live in variables", () => {
    const p = [tf.zeros([2])];
    const t = scaleByAdam();
    const s = t.init(p);
    const u = tf.tensor1d([0.5, -2]);
    const r = t.update([u], s);
    assertClose(values(r.updates)[0] as number[], [0.5 / (0.5 + 1e-8), -2 / (2 + 1e-8)], 1e-6);
    expect(r.state.count).toBe(1);
    assertClose(Array.from((r.state.mu[0] as tf.Variable).dataSync()), [0.05, -0.2], 1e-7);
    assertClose(Array.from((r.state.nu[0] as tf.Variable).dataSync()), [0.00025, 0.004], 1e-9);
    disposeAll([...r.updates, u, ...p]);
    t.dispose(r.state);
  });

  it("addDecayedWeights adds λ·p and needs the parameters", () => {
    const t = addDecayedWeights({ weightDecay: 0.1 });
    const u = tf.tensor1d([1, 1]);
    const p = tf.tensor1d([2, -2]);
    const r = t.update([u], {}, [p]);
    assertClose(values(r.updates)[0] as number[], [1.2, 0.8], 1e-6);
    expect(() => t.update([u], {})).toThrow(/needs the parameters/);
    disposeAll([...r.updates, u, p]);
  });

  it("scaleByLearningRate negates and follows a schedule of the 0-based step; scaleBySchedule does not negate", () => {
    const lr = scaleByLearningRate({ learningRate: (step) => 0.1 * (step + 1) });
    let s = lr.init([]);
    const u = tf.tensor1d([1, -2]);
    const r1 = lr.update([u], s);
    s = r1.state;
    const r2 = lr.update([u], s);
    assertClose(values(r1.updates)[0] as number[], [-0.1, 0.2], 1e-7);
    assertClose(values(r2.updates)[0] as number[], [-0.2, 0.4], 1e-7);
    expect(r2.info.learningRate).toBeCloseTo(0.2, 12);
    const sc = scaleBySchedule((step) => 1 / (step + 1));
    const q1 = sc.update([u], sc.init([]));
    const q2 = sc.update([u], q1.state);
    assertClose(values(q2.updates)[0] as number[], [0.5, -1], 1e-7);
    expect(() => scaleByLearningRate({ learningRate: -1 })).toThrow(RLError);
    expect(() => scaleByLearningRate({ learningRate: () => Number.NaN }).update([u], { count: 0 })).toThrow(/finite/);
    expect(() => lr.update([u], { count: -1 })).toThrow(/state.count/);
    expect(() => lr.update([u], { count: Number.NaN })).toThrow(/state.count/);
    disposeAll([...r1.updates, ...r2.updates, ...q1.updates, ...q2.updates, u]);
  });
});

describe("chain + applyUpdates", () => {
  it("clip → adam → decay → lr equals PyTorch's clip_grad_norm_ + AdamW over several steps (float64 reference)", () => {
    const p0 = [[0.5, -1, 2], [0.25]];
    const gradsList = [
      [[0.3, -0.2, 1.5], [4]],
      [[-0.1, 0.4, 0.2], [-0.5]],
      [[2, 2, -2], [0.01]],
      [[0, 0.1, 0], [1]],
    ];
    const schedule = (step: number): number => 0.05 / (1 + step);
    const params = p0.map((x) => tf.variable(tf.tensor1d(x)));
    const opt = chain(clipByGlobalNorm({ maxNorm: 1 }), scaleByAdam({ beta1: 0.9, beta2: 0.99, epsilon: 1e-8 }), addDecayedWeights({ weightDecay: 0.1 }), scaleByLearningRate({ learningRate: schedule }));
    let state = opt.init(params);
    const norms: number[] = [];
    for (const g of gradsList) {
      const gs = g.map((x) => tf.tensor1d(x));
      const r = opt.update(gs, state, params);
      applyUpdates(params, r.updates);
      norms.push(r.info.gradNorm as number);
      expect(r.info.learningRate).toBeCloseTo(schedule(norms.length - 1), 12);
      state = r.state;
      disposeAll([...r.updates, ...gs]);
    }
    const want = adamWReference(p0, gradsList, schedule, 0.9, 0.99, 1e-8, 0.1, 1);
    params.forEach((p, i) => assertClose(Array.from(p.dataSync()), want[i] as number[], 2e-6, 1e-5));
    assertClose(norms[0] as number, Math.hypot(0.3, -0.2, 1.5, 4), 1e-5);
    opt.dispose(state);
    params.forEach((p) => p.dispose());
  });

  it("a null update leaves its parameter and its moments alone", () => {
    const params = [tf.variable(tf.tensor1d([1])), tf.variable(tf.tensor1d([2]))];
    const opt = chain(scaleByAdam(), scaleByLearningRate({ learningRate: 0.1 }));
    const s = opt.init(params);
    const g = tf.tensor1d([1]);
    const r = opt.update([g, null], s, params);
    applyUpdates(params, r.updates);
    expect(Array.from((params[1] as tf.Variable).dataSync())).toEqual([2]);
    expect((params[0] as tf.Variable).dataSync()[0]).toBeCloseTo(0.9, 5);
    disposeAll([...r.updates, g]);
    opt.dispose(r.state);
    params.forEach((p) => p.dispose());
  });

  it("leaks no tensor over many steps (intermediates freed), nor when a part throws", async () => {
    const params = [tf.variable(tf.ones([4, 3])), tf.variable(tf.ones([3]))];
    const opt = chain(clipByGlobalNorm({ maxNorm: 0.5 }), scaleByAdam(), addDecayedWeights(), scaleByLearningRate({ learningRate: 1e-2 }));
    let state = opt.init(params);
    await expectNoTensorLeak(() => {
      for (let i = 0; i < 5; i++) {
        const gs = params.map((p) => tf.fill(p.shape, i + 1));
        const r = opt.update(gs, state, params);
        applyUpdates(params, r.updates);
        state = r.state;
        disposeAll([...r.updates, ...gs]);
      }
      const bad = params.map((p) => tf.fill(p.shape, Number.NaN));
      expect(() => opt.update(bad, state, params)).toThrow(/NaN|non-finite|norm/i);
      disposeAll(bad);
    });
    opt.dispose(state);
    params.forEach((p) => p.dispose());
  });

  it("adamWTransform is clip → adam → decay → lr: PyTorch clip_grad_norm_ + AdamW (float64 reference), Adam without clip", () => {
    const p0 = [[0.5, -1, 2], [0.25]];
    const gradsList = [[[0.3, -0.2, 1.5], [4]], [[-0.1, 0.4, 0.2], [-0.5]], [[2, 2, -2], [0.01]]];
    const schedule = (step: number): number => 0.05 / (1 + step);
    for (const maxGradNorm of [1, null]) {
      const params = p0.map((x) => tf.variable(tf.tensor1d(x)));
      const opt = adamWTransform({ learningRate: schedule, beta2: 0.99, weightDecay: 0.1, maxGradNorm });
      let state = opt.init(params);
      expect(state.length).toBe(maxGradNorm === null ? 3 : 4);
      for (const g of gradsList) {
        const gs = g.map((x) => tf.tensor1d(x));
        const r = opt.update(gs, state, params);
        applyUpdates(params, r.updates);
        if (maxGradNorm !== null) expect(r.info.gradNorm).toBeGreaterThan(0);
        state = r.state;
        disposeAll([...r.updates, ...gs]);
      }
      const want = adamWReference(p0, gradsList, schedule, 0.9, 0.99, 1e-8, 0.1, maxGradNorm ?? undefined);
      params.forEach((p, i) => assertClose(Array.from(p.dataSync()), want[i] as number[], 2e-6, 1e-5));
      opt.dispose(state);
      params.forEach((p) => p.dispose());
    }
    // the TSDoc example's numbers
    const p = [tf.variable(tf.tensor1d([1, -2]))];
    const opt = adamWTransform({ learningRate: 0.1, weightDecay: 0.5 });
    const s = opt.init(p);
    const g = tf.tensor1d([0.3, -0.1]);
    const r = opt.update([g], s, p);
    applyUpdates(p, r.updates);
    assertClose(Array.from((p[0] as tf.Variable).dataSync()), [0.85, -1.8], 1e-6, 1e-6);
    disposeAll([...r.updates, g]);
    opt.dispose(r.state);
    p[0]?.dispose();
    expect(() => adamWTransform({ learningRate: 0.1, weightDecai: 0.1 } as never)).toThrow(/weightDecai/);
    expect(() => adamWTransform({ learningRate: -1 })).toThrow(RLError);
  });

  it("rejects parts that are not transformations, a wrong state, and non-variable parameters", () => {
    expect(() => chain({} as GradientTransformation)).toThrow(/part 0/);
    const opt = chain(scaleByAdam());
    const u = tf.ones([1]);
    expect(() => opt.update([u], {} as unknown[])).toThrow(/state/);
    expect(() => applyUpdates([u as unknown as tf.Variable], [u])).toThrow(/tf.Variable/);
    expect(() => applyUpdates([], [u])).toThrow(/1 updates for 0 parameters/);
    u.dispose();
  });
});

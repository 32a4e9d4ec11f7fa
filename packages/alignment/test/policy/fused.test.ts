// The fused path (core's fusedPolicyLoss) against the composite tfjs chain of every loss that uses
// it: same loss, perToken, metrics, gradients of both, and errors; finite differences; no leaks.
import { RLError, createRng, fusedPolicyLossAvailable, fusedPolicyLossFlag, ready, tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { cispoLoss, grpoLoss, gspoLoss, ppoPolicyLoss, sapoLoss, type PolicyLossOutput, type TokenPolicyInputs } from "../../src/index.js";
import { disposeAll, e5Tensors } from "./fixtures.js";

type Loss = (inputs: TokenPolicyInputs, config: never) => PolicyLossOutput;

function withFused<T>(on: boolean, f: () => T): T {
  fusedPolicyLossAvailable(); // registers the flag
  const prev = tf.env().getBool(fusedPolicyLossFlag);
  tf.env().set(fusedPolicyLossFlag, on);
  try {
    return f();
  } finally {
    tf.env().set(fusedPolicyLossFlag, prev);
  }
}

interface Run {
  loss: number;
  perToken: number[];
  metrics: Record<string, number>;
  gLoss: number[];
  gPer: number[];
}

function run(fn: Loss, inputs: TokenPolicyInputs, config: object, upstream: tf.Tensor): Run {
  const call = (lp: tf.Tensor): PolicyLossOutput => fn({ ...inputs, logProbs: lp }, config as never);
  const out = call(inputs.logProbs);
  const gLoss = tf.grad((lp: tf.Tensor) => call(lp).loss)(inputs.logProbs);
  const gPer = tf.grad((lp: tf.Tensor) => tf.sum(tf.mul(call(lp).perToken, upstream)))(inputs.logProbs);
  const r: Run = {
    loss: out.loss.dataSync()[0] as number,
    perToken: Array.from(out.perToken.dataSync()),
    metrics: out.metrics,
    gLoss: Array.from(gLoss.dataSync()),
    gPer: Array.from(gPer.dataSync()),
  };
  tf.dispose([out.loss, out.perToken, gLoss, gPer]);
  return r;
}

function expectSameRun(fused: Run, composite: Run, name: string): void {
  assertClose(fused.loss, composite.loss, 1e-5, 1e-5, `${name}: loss`);
  assertClose(fused.perToken, composite.perToken, 1e-6, 1e-5, `${name}: perToken`);
  expect(Object.keys(fused.metrics)).toEqual(Object.keys(composite.metrics));
  for (const k of Object.keys(composite.metrics)) assertClose(fused.metrics[k], composite.metrics[k], 1e-6, 1e-5, `${name}: metrics.${k}`);
  assertClose(fused.gLoss, composite.gLoss, 1e-6, 1e-5, `${name}: grad of loss`);
  assertClose(fused.gPer, composite.gPer, 1e-6, 1e-5, `${name}: grad of perToken`);
}

/** A [B, T] batch with a fully masked row, NaN padding, ratios on both sides of the clip band. */
function batch(seed: number, B = 4, T = 6, opts: { rowAdvantages?: boolean; noOld?: boolean } = {}): TokenPolicyInputs {
  const rng = createRng(seed);
  const mask: number[][] = [];
  const lp: number[][] = [];
  const old: number[][] = [];
  for (let b = 0; b < B; b++) {
    const len = b === 1 ? 0 : 1 + rng.int(T);
    mask.push(Array.from({ length: T }, (_, t) => (t < len ? 1 : 0)));
    const o = Array.from({ length: T }, () => -0.2 - 2 * rng.uniform());
    old.push(o);
    lp.push(o.map((v, t) => (t < len ? v + rng.normal(0, 0.4) : Number.NaN)));
  }
  const adv = opts.rowAdvantages
    ? tf.tensor1d(Array.from({ length: B }, (_, b) => (b === 2 ? 0 : rng.normal(0, 1.5))))
    : tf.tensor2d(Array.from({ length: B }, () => Array.from({ length: T }, () => (rng.uniform() < 0.15 ? 0 : rng.normal(0, 1.5)))));
  return {
    logProbs: tf.tensor2d(lp),
    ...(opts.noOld ? {} : { oldLogProbs: tf.tensor2d(old) }),
    advantages: adv,
    mask: tf.tensor2d(mask),
  };
}

const cases: Array<[string, Loss, object]> = [
  ["ppo default", ppoPolicyLoss as Loss, {}],
  ["ppo clip-higher, no dual clip", ppoPolicyLoss as Loss, { clipHigh: 0.28, dualClip: null }],
  ["ppo dual clip 1.5", ppoPolicyLoss as Loss, { dualClip: 1.5 }],
  ["ppo seq-mean-token-sum", ppoPolicyLoss as Loss, { aggregation: "seq-mean-token-sum" }],
  ["ppo seq-mean-token-mean", ppoPolicyLoss as Loss, { aggregation: "seq-mean-token-mean" }],
  ["ppo seq-mean-token-sum-norm", ppoPolicyLoss as Loss, { aggregation: "seq-mean-token-sum-norm" }],
  ["ppo token-mean normalizer", ppoPolicyLoss as Loss, { normalizer: 37 }],
  ["ppo log-ratio clamp 0.3", ppoPolicyLoss as Loss, { logRatioClamp: 0.3 }],
  ...(["grpo", "bnpo", "dr_grpo", "dapo", "cispo", "sapo"] as const).flatMap((lossType): Array<[string, Loss, object]> => [
    [`grpo ${lossType}`, grpoLoss as Loss, { lossType, maxCompletionLength: 8, ...(lossType === "cispo" ? { epsilonHigh: 1.2 } : {}) }],
    [`grpo ${lossType} sequence`, grpoLoss as Loss, { lossType, maxCompletionLength: 8, importanceSampling: "sequence", epsilonHigh: 0.28 }],
  ]),
  ["grpo dapo numItemsInBatch, delta, no clamp", grpoLoss as Loss, { numItemsInBatch: 50, delta: 1.3, logRatioClamp: null }],
  ["grpo sapo temperatures", grpoLoss as Loss, { lossType: "sapo", sapoTemperaturePos: 0.5, sapoTemperatureNeg: 2 }],
  ["gspo stopGradToken", gspoLoss as Loss, { clipLow: 0.05, clipHigh: 0.08 }],
  ["gspo sequence", gspoLoss as Loss, { variant: "sequence", clipLow: 0.05, clipHigh: 0.08 }],
  ["gspo sequence, token-mean, small max log-ratio", gspoLoss as Loss, { variant: "sequence", aggregation: "token-mean", maxLogRatio: 0.1 }],
  ["cispo relative", cispoLoss as Loss, {}],
  ["cispo relative low 1", cispoLoss as Loss, { clip: { mode: "relative", low: 1, high: 0.1 } }],
  ["cispo absolute", cispoLoss as Loss, { clip: { mode: "absolute", max: 1.1 }, aggregation: "seq-mean-token-sum" }],
  ["sapo default", sapoLoss as Loss, {}],
  ["sapo token-mean", sapoLoss as Loss, { aggregation: "token-mean", temperaturePos: 2 }],
];

describe("fused policy loss = composite", () => {
  it("runs on this backend (wasm) and not when the flag is off", () => {
    expect(fusedPolicyLossAvailable()).toBe(true);
    expect(withFused(false, () => fusedPolicyLossAvailable())).toBe(false);
  });

  for (const [name, fn, config] of cases) {
    it(`${name}: loss, perToken, metrics and both gradients`, async () => {
      for (const [seed, opts] of [
        [1, {}],
        [2, { rowAdvantages: true }],
        [3, { noOld: true }],
      ] as const) {
        await expectNoTensorLeak(() => {
          const inputs = batch(seed, 4, 6, opts);
          const upstream = tf.tensor2d(Array.from({ length: 4 }, (_, b) => Array.from({ length: 6 }, (__, t) => 1 + 0.1 * b - 0.3 * t)));
          const fused = withFused(true, () => run(fn, inputs, config, upstream));
          const composite = withFused(false, () => run(fn, inputs, config, upstream));
          expectSameRun(fused, composite, name);
          disposeAll({ ...inputs, upstream } as Record<string, tf.Tensor>);
        });
      }
    });
  }

  it("equals the composite on a larger batch (row loops optimised by the JIT), with a scaled upstream of the loss", async () => {
    // 96 rows of 131 tokens, run 3 times: the per-row loops run optimised code after the first rows
    const B = 96;
    const T = 131;
    for (const [name, fn, config] of cases.filter(([n]) => ["ppo default", "ppo dual clip 1.5", "grpo grpo", "grpo dapo numItemsInBatch, delta, no clamp", "cispo relative", "gspo sequence"].includes(n))) {
      await expectNoTensorLeak(() => {
        for (let rep = 0; rep < 3; rep++) {
          const inputs = batch(20 + rep, B, T, { rowAdvantages: name.startsWith("gspo") });
          const upstream = tf.randomNormal([B, T], 0, 1, "float32", 7);
          const fused = withFused(true, () => run(fn, inputs, config, upstream));
          const composite = withFused(false, () => run(fn, inputs, config, upstream));
          expectSameRun(fused, composite, `${name} [${B},${T}]`);
          const scaled = (on: boolean): number[] =>
            withFused(on, () => {
              const g = tf.grad((lp: tf.Tensor) => tf.mul(fn({ ...inputs, logProbs: lp }, config as never).loss, -2.5))(inputs.logProbs);
              const v = Array.from(g.dataSync());
              g.dispose();
              return v;
            });
          assertClose(scaled(true), scaled(false), 1e-6, 1e-5, `${name}: grad of −2.5·loss`);
          disposeAll({ ...inputs, upstream } as Record<string, tf.Tensor>);
        }
      });
    }
  });

  it("takes a fraction of the composite's kernels (the fused path really runs)", async () => {
    const inputs = batch(5);
    const count = async (on: boolean): Promise<{ kernels: unknown[] }> =>
      withFused(on, () => tf.profile(() => tf.dispose(Object.values(ppoPolicyLoss(inputs)).filter((v) => v instanceof tf.Tensor) as tf.Tensor[])));
    const fused = (await count(true)).kernels.length;
    const composite = (await count(false)).kernels.length;
    expect(fused).toBeLessThan(composite / 4);
    disposeAll(inputs as unknown as Record<string, tf.Tensor>);
  });
});

describe("fused policy loss: finite differences, errors", () => {
  const fdCases: Array<[string, Loss, object]> = [
    ["ppo", ppoPolicyLoss as Loss, { clipHigh: 0.28 }],
    ["grpo sequence", grpoLoss as Loss, { lossType: "grpo", importanceSampling: "sequence" }],
    ["gspo stopGradToken", gspoLoss as Loss, { clipLow: 0.2, clipHigh: 0.2 }],
    ["gspo sequence", gspoLoss as Loss, { variant: "sequence", clipLow: 0.2, clipHigh: 0.2 }],
    ["sapo", sapoLoss as Loss, {}],
  ]; // CISPO's gradient is not the derivative of its value (sg on the weight): covered by the composite comparison
  for (const [name, fn, config] of fdCases) {
    it(`${name}: the hand-written gradient matches finite differences (spec E5)`, () => {
      const { logProbs, oldLogProbs, advantages, mask } = e5Tensors(true);
      withFused(true, () => checkGradient((lp) => fn({ logProbs: lp, oldLogProbs, advantages, mask }, config as never).loss, logProbs, { step: 1e-3 }));
      disposeAll({ logProbs, oldLogProbs, advantages, mask });
    });
  }

  it("rejects NaN at valid positions with the composite's RLError", () => {
    const inputs = batch(7);
    const bad = tf.tensor2d([[Number.NaN, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]);
    for (const field of ["logProbs", "oldLogProbs", "advantages"] as const) {
      const x = { ...inputs, [field]: tf.add(inputs[field] as tf.Tensor, bad) };
      const message = (on: boolean): string =>
        withFused(on, () => {
          try {
            ppoPolicyLoss(x);
          } catch (e) {
            expect(e).toBeInstanceOf(RLError);
            return `${(e as RLError).code}: ${(e as Error).message}`;
          }
          return "no error";
        });
      expect(message(true)).toBe(message(false));
      expect(message(true)).toMatch(/NON_FINITE/);
      (x[field] as tf.Tensor).dispose();
    }
    disposeAll({ ...(inputs as unknown as Record<string, tf.Tensor>), bad });
  });

  it("rejects a mask entry outside {0, 1} in its own pass, with the composite's RLError (no separate read-back)", () => {
    const inputs = batch(7);
    const T = inputs.mask.shape[1] as number;
    const values = Array.from(inputs.mask.dataSync());
    values[T + 2] = 0.5; // row 1: the first bad entry is index T + 2
    const mask = tf.tensor2d(values, inputs.mask.shape as [number, number]);
    const nanLp = tf.add(inputs.logProbs, tf.tensor2d(values.map((_, k) => (k === 0 ? Number.NaN : 0)), inputs.mask.shape as [number, number]));
    for (const fn of [ppoPolicyLoss, grpoLoss, gspoLoss, cispoLoss, sapoLoss] as Loss[]) {
      const message = (on: boolean, lp: tf.Tensor): string =>
        withFused(on, () => {
          try {
            fn({ ...inputs, logProbs: lp, mask }, {} as never);
          } catch (e) {
            expect(e).toBeInstanceOf(RLError);
            return `${(e as RLError).code}: ${(e as Error).message}`;
          }
          return "no error";
        });
      // a bad mask wins over a NaN met earlier in the pass, as it does on the composite path
      for (const lp of [inputs.logProbs, nanLp]) {
        expect(message(true, lp)).toBe(message(false, lp));
        expect(message(true, lp)).toMatch(new RegExp(`INVALID_INPUT: \\w+: mask entry ${T + 2} is 0.5; a mask holds only 0 and 1`));
      }
    }
    disposeAll({ ...(inputs as unknown as Record<string, tf.Tensor>), mask, nanLp });
  });
});

describe("fused policy loss on the cpu backend", () => {
  it("equals the composite there too (ppo, grpo sequence, gspo sequence, cispo, sapo)", async () => {
    await ready({ backend: "cpu" });
    try {
      expect(fusedPolicyLossAvailable()).toBe(true);
      for (const [name, fn, config] of cases.filter(([n]) => ["ppo default", "grpo grpo sequence", "gspo sequence", "cispo absolute", "sapo default"].includes(n))) {
        const inputs = batch(11, 3, 5, { rowAdvantages: name.startsWith("gspo") });
        const upstream = tf.onesLike(inputs.logProbs);
        const fused = withFused(true, () => run(fn, inputs, config, upstream));
        const composite = withFused(false, () => run(fn, inputs, config, upstream));
        expectSameRun(fused, composite, name);
        disposeAll({ ...inputs, upstream } as Record<string, tf.Tensor>);
      }
    } finally {
      await ready();
    }
  });
});

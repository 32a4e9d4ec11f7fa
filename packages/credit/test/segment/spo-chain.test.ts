import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RLError, createRegistry } from "@rl/core";
import {
  spoChainAdvantages,
  spoChainBatchAdvantages,
  spoChainBatchCutpoints,
  spoChainCutpoints,
  spoChainValues,
  spoChainValuesAsync,
  spoWhiten,
  type SpoChainBatch,
  type SpoChainBatchResult,
} from "../../src/index.js";
import { treeDefinitions } from "../../src/tree/definitions.js";

const p1 = [0.95, 0.5, 0.99, 0.7, 0.97, 0.3, 0.98, 0.6];

function close(got: number[], want: number[], tol = 1e-9) {
  expect(got.length).toBe(want.length);
  got.forEach((v, k) => expect(Math.abs(v - (want[k] as number)), `[${k}] ${v} vs ${want[k]}`).toBeLessThanOrEqual(tol));
}

/** The float32 default stores each float64 value rounded once: compare with the rounded spec values. */
const f32 = (want: number[]) => want.map(Math.fround);

describe("SPO-chain", () => {
  it("spec §13 example 1: cutpoints, advantages, loss mask, whitening", () => {
    expect(Array.from(spoChainCutpoints(p1, { interval: 2 }))).toEqual([0, 4]);
    const r = spoChainAdvantages({ probs: p1, cutValues: new Map([[0, 0.4], [4, 0.9]]), score: 1 }, { interval: 2 });
    expect(r.advantages.data).toBeInstanceOf(Float32Array);
    expect(r.advantages.toFlatArray()).toEqual(f32([0, 0.5, 0, 0.5, 0, 0.1, 0, 0.1]));
    const r64 = spoChainAdvantages({ probs: p1, cutValues: new Map([[0, 0.4], [4, 0.9]]), score: 1 }, { interval: 2, dtype: "float64" });
    close(r64.advantages.toFlatArray(), [0, 0.5, 0, 0.5, 0, 0.1, 0, 0.1], 1e-12);
    expect(r.lossMask.toFlatArray()).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
    const w = spoWhiten([r.advantages.toFlatArray()], [p1.map(() => 1)], [p1]);
    close(w.toFlatArray(), [0, 0.8660253, 0, 0.8660253, 0, -0.8660253, 0, -0.8660253], 1e-6);
  });

  it("spec §13 example 2: first token low-probability → the prompt state −1", () => {
    const probs = [0.5, 0.95, 0.6, 0.99];
    expect(Array.from(spoChainCutpoints(probs))).toEqual([-1]);
    const r = spoChainAdvantages({ probs, cutValues: { "-1": 0.3 }, score: 0 });
    expect(r.advantages.toFlatArray()).toEqual(f32([-0.3, 0, -0.3, 0]));
    close(spoChainAdvantages({ probs, cutValues: { "-1": 0.3 }, score: 0 }, { dtype: "float64" }).advantages.toFlatArray(), [-0.3, 0, -0.3, 0], 1e-12);
  });

  it("spec §13 example 3: no low-probability token → all 0", () => {
    const r = spoChainAdvantages({ probs: [0.95, 0.99], cutValues: {}, score: 1 });
    expect(r.advantages.toFlatArray()).toEqual([0, 0]);
    expect(r.lossMask.toFlatArray()).toEqual([0, 0]);
    expect(r.cutpoints.length).toBe(0);
  });

  it("p = ρ exactly: neither zeroed nor in the loss mask", () => {
    const r = spoChainAdvantages({ probs: [0.5, 0.9, 0.8], cutValues: { "-1": 0.2 }, score: 1 }, { interval: 5, dtype: "float64" });
    expect(r.lossMask.toFlatArray()).toEqual([1, 0, 1]);
    close(r.advantages.toFlatArray(), [0.8, 0.8, 0.8], 1e-12);
  });

  it("maxSegments caps the number of segments", () => {
    const probs = Array.from({ length: 40 }, (_, t) => (t % 2 === 0 ? 0.5 : 0.99)); // 20 low-probability tokens
    expect(spoChainCutpoints(probs, { interval: 1 }).length).toBe(20);
    expect(spoChainCutpoints(probs, { interval: 1, maxSegments: 4 }).length).toBe(4);
    expect(Array.from(spoChainCutpoints(probs, { interval: 1, maxSegments: 3 }))).toEqual([-1, 13, 27]); // interval 7
    expect(spoChainCutpoints(probs, { interval: 10, maxSegments: 4 }).length).toBe(2); // interval stays 10
  });

  it("segments hold interval low-probability tokens and share one advantage (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        (probs, interval, score) => {
          const cuts = spoChainCutpoints(probs, { interval });
          const low = probs.filter((p) => p < 0.9).length;
          expect(cuts.length).toBe(Math.ceil(low / interval));
          const values = new Map(Array.from(cuts, (c, k) => [c, k / 10] as [number, number]));
          const r = spoChainAdvantages({ probs, cutValues: values, score }, { interval });
          const adv = r.advantages.toFlatArray();
          probs.forEach((p, t) => {
            if (p > 0.9) expect(adv[t]).toBe(0);
            expect(r.lossMask.toFlatArray()[t]).toBe(p < 0.9 ? 1 : 0);
          });
          // the advantages of the segments telescope: Σ over segments = score − V(first cut state)
          const states = [...cuts, probs.length - 1];
          let total = 0;
          for (let k = 1; k < states.length; k++) total += (k === states.length - 1 ? score : (values.get(states[k] as number) as number)) - (values.get(states[k - 1] as number) as number);
          if (cuts.length > 0) expect(total).toBeCloseTo(score - (values.get(cuts[0] as number) as number), 9);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("batch form: rows over their valid tokens, 0 on padding", () => {
    const batch: SpoChainBatch = {
      probs: [p1, [0.5, 0.95, 0.6, 0.99, 0.1, 0.1, 0.1, 0.1]],
      mask: [p1.map(() => 1), [1, 1, 1, 1, 0, 0, 0, 0]],
      cutValues: [new Map([[0, 0.4], [4, 0.9]]), { "-1": 0.3 }],
      rewards: [1, 0],
    };
    expect(spoChainBatchCutpoints(batch.probs, batch.mask, { interval: 2 }).map((c) => Array.from(c))).toEqual([[0, 4], [-1]]);
    const r = spoChainBatchAdvantages(batch, { interval: 2, dtype: "float64" });
    close(r.advantages.toArray()[0] as number[], [0, 0.5, 0, 0.5, 0, 0.1, 0, 0.1], 1e-12);
    close(r.advantages.toArray()[1] as number[], [-0.3, 0, -0.3, 0, 0, 0, 0, 0], 1e-12);
    expect(r.lossMask.toArray()[1]).toEqual([1, 0, 1, 0, 0, 0, 0, 0]);
    expect(r.returns.toArray()).toEqual(r.advantages.toArray());
    expect(r.returns.data).not.toBe(r.advantages.data); // a copy
    // each row equals the per-row form over its valid tokens
    const row1 = spoChainAdvantages({ probs: [0.5, 0.95, 0.6, 0.99], cutValues: { "-1": 0.3 }, score: 0 }, { interval: 2, dtype: "float64" });
    expect((r.advantages.toArray()[1] as number[]).slice(0, 4)).toEqual(row1.advantages.toFlatArray());
  });

  it("Monte-Carlo values from sampled returns or a sampler", async () => {
    const { values, std } = spoChainValues([0, 4], new Map([[0, [1, 0, 0, 1]], [4, [1, 1, null, 1]]]));
    expect([...values]).toEqual([[0, 0.5], [4, 0.75]]);
    expect(std.get(0)).toBeCloseTo(0.5, 12);
    expect(spoChainValues([4], () => [1, null], { unfinishedReward: -1 }).values.get(4)).toBe(0);
    const a = await spoChainValuesAsync([-1, 2], async (c) => [c + 1, c + 3]);
    expect([...a.values]).toEqual([[-1, 1], [2, 4]]);
    // cut values plug straight into spoChainAdvantages
    const cuts = spoChainCutpoints(p1, { interval: 2 });
    const est = spoChainValues(cuts, (c) => (c === 0 ? [0.4] : [0.9]));
    close(spoChainAdvantages({ probs: p1, cutValues: est.values, score: 1 }, { interval: 2, dtype: "float64" }).advantages.toFlatArray(), [0, 0.5, 0, 0.5, 0, 0.1, 0, 0.1], 1e-12);
  });

  it("spoWhiten falls back to the mask when no token is low-probability", () => {
    const w = spoWhiten([[1, 2, 3]], [[1, 1, 0]], [[0.99, 0.95, 0.99]]).toFlatArray();
    close(w, [-1 / Math.sqrt(0.5 + 1e-8) * 0.5, 0.5 / Math.sqrt(0.5 + 1e-8), 0], 1e-9);
  });

  it("default float32 output is the float64 output rounded entry by entry; dtype float64 keeps Float64Array", () => {
    // 1/3, 0.37 and 0.71 make every segment advantage non-representable in float32
    const probs = [0.5, 0.95, 0.6, 0.99, 0.3, 0.2, 0.97, 0.98];
    const cuts = spoChainCutpoints(probs, { interval: 2 });
    expect(Array.from(cuts)).toEqual([-1, 3]);
    const input = { probs, cutValues: { "-1": 0.37, "3": 0.71 }, score: 1 / 3 };
    const x = spoChainAdvantages(input, { interval: 2, dtype: "float64" });
    const y = spoChainAdvantages(input, { interval: 2 });
    expect(x.advantages.data).toBeInstanceOf(Float64Array);
    expect(x.lossMask.data).toBeInstanceOf(Float64Array);
    expect(y.advantages.data).toBeInstanceOf(Float32Array);
    expect(y.lossMask.data).toBeInstanceOf(Float32Array);
    expect(Array.from(x.advantages.data).some((v) => Math.fround(v) !== v)).toBe(true);
    expect(y.advantages.data).toEqual(Float32Array.from(x.advantages.data));
    expect(y.lossMask.data).toEqual(Float32Array.from(x.lossMask.data));
    expect(y.cutpoints).toEqual(x.cutpoints);

    const batch: SpoChainBatch = {
      probs: [probs, [0.5, 0.95, 0.6, 0.99, 0.1, 0.1, 0.1, 0.1]],
      mask: [probs.map(() => 1), [1, 1, 1, 1, 0, 0, 0, 0]],
      cutValues: [input.cutValues, { "-1": 0.45 }],
      rewards: [1 / 3, 0.9],
    };
    const bx = spoChainBatchAdvantages(batch, { interval: 2, dtype: "float64" });
    const by = spoChainBatchAdvantages(batch, { interval: 2 });
    for (const key of ["advantages", "returns", "lossMask"] as const) {
      expect(bx[key].data).toBeInstanceOf(Float64Array);
      expect(by[key].data).toBeInstanceOf(Float32Array);
      expect(by[key].data).toEqual(Float32Array.from(bx[key].data));
    }
    expect(Array.from(bx.advantages.data).some((v) => Math.fround(v) !== v)).toBe(true);
    expect(() => spoChainBatchAdvantages(batch, { dtype: "float16" as never })).toThrow(/invalid config/);
  });

  it("throws clear errors", () => {
    expect(() => spoChainAdvantages({ probs: [], cutValues: {}, score: 0 })).toThrow(/spoChainAdvantages: probs is empty/);
    expect(() => spoChainAdvantages({ probs: [0.5, 0.99], cutValues: {}, score: 0 })).toThrow(/cutValues has no value for cutpoint -1/);
    expect(() => spoChainAdvantages({ probs: [0.5, 0.99], cutValues: { "-1": 0, "1": 0 }, score: 0 })).toThrow(/value for state 1, which is not a cutpoint \(cutpoints: -1\)/);
    expect(() => spoChainCutpoints([0.5, 1.5])).toThrow(/probs\[1\] is 1.5; a probability lies in \[0, 1\]/);
    expect(() => spoChainAdvantages({ probs: [0.5], cutValues: { "-1": 0 }, score: Number.NaN })).toThrow(RLError);
    expect(() => spoChainCutpoints([0.5], { interval: 0 })).toThrow(/invalid config/);
    expect(() => spoChainBatchAdvantages({ probs: [], mask: [], cutValues: [], rewards: [] })).toThrow(/the batch is empty/);
    expect(() => spoChainBatchAdvantages({ probs: [[0.5]], mask: [[1]], cutValues: [{}], rewards: [1, 2] })).toThrow(/rewards has 2 entries, probs has 1 rows/);
    expect(() => spoChainBatchAdvantages({ probs: [[0.5]], mask: [[1, 1]], cutValues: [{}], rewards: [1] })).toThrow(/mask has shape \[1,2\], probs has \[1,1\]/);
    expect(() => spoChainBatchAdvantages({ probs: [[0.5]], mask: [[1]], cutValues: [], rewards: [1] })).toThrow(/cutValues has 0 entries, probs has 1 rows/);
    expect(() => spoChainValues([3], new Map())).toThrow(/no rollout for cut state 3/);
    expect(() => spoWhiten([[1]], [[1, 1]], [[0.5]])).toThrow(/spoWhiten: mask has shape \[1,2\], advantages has \[1,1\]/);
  });

  it("is registered as rl/spo-chain", () => {
    const registry = createRegistry();
    for (const d of treeDefinitions) registry.register(d);
    const spo = registry.create<(b: SpoChainBatch) => SpoChainBatchResult>("credit-assigner", "rl/spo-chain", { interval: 2 });
    const b = { probs: [p1], mask: [p1.map(() => 1)], cutValues: [{ "0": 0.4, "4": 0.9 }], rewards: [1] };
    const r = spo(b);
    expect(r.advantages.data).toBeInstanceOf(Float32Array);
    expect(r.advantages.toFlatArray()).toEqual(f32([0, 0.5, 0, 0.5, 0, 0.1, 0, 0.1]));
    // the registry schema carries dtype
    const spo64 = registry.create<(b: SpoChainBatch) => SpoChainBatchResult>("credit-assigner", "rl/spo-chain", { interval: 2, dtype: "float64" });
    const r64 = spo64(b);
    expect(r64.advantages.data).toBeInstanceOf(Float64Array);
    close(r64.advantages.toFlatArray(), [0, 0.5, 0, 0.5, 0, 0.1, 0, 0.1], 1e-12);
  });
});

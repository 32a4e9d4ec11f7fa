import { assertClose } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { implicitProcessRewards, primeAdvantages } from "../../src/process/index.js";

const batch = { processRewards: [[0.1, 0.3, -0.2], [0.2, -0.4, 0]], rewards: [1, 0], mask: [[1, 1, 1], [1, 1, 0]], groups: [0, 0] };

describe("primeAdvantages (spec §19 worked examples)", () => {
  it("paper baseline", () => {
    const { returns } = primeAdvantages(batch, { processCoef: 1, outcomeCoef: 1, whiten: false });
    assertClose(returns.toArray(), [[1.5, 1.3, 0.9], [-1.3333333, -1.4666667, 0]], 1e-7, 1e-6);
  });
  it("code baseline (process source only)", () => {
    const { returns } = primeAdvantages(batch, { baseline: "code", processCoef: 1, outcomeCoef: 0, whiten: false });
    assertClose(returns.toArray(), [[0.5, 0.2666667, -0.3666667], [-0.3333333, -0.7666667, 0]], 1e-7, 1e-6);
  });
  it("whitened advantages have masked mean 0, unbiased variance ≈ 1, padding 0", () => {
    const { advantages } = primeAdvantages(batch, { dtype: "float64" });
    const v = [0, 1, 2, 3, 4].map((k) => advantages.toArray().flat()[k] as number);
    const mean = v.reduce((a, b) => a + b, 0) / 5;
    expect(mean).toBeCloseTo(0, 10);
    expect(v.reduce((a, b) => a + (b - mean) ** 2, 0) / 4).toBeCloseTo(1, 6);
    expect(advantages.get(1, 2)).toBe(0);
  });
  it("the outcome RLOO terms sum to zero in a group (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 2, maxLength: 6 }), (outcomes) => {
        const mask = outcomes.map(() => [1]);
        const { returns } = primeAdvantages(
          { processRewards: mask.map(() => [0]), rewards: outcomes, mask, groups: outcomes.map(() => 0) },
          { processCoef: 0, outcomeCoef: 1, whiten: false, dtype: "float64" },
        );
        expect(returns.toFlatArray().reduce((a, b) => a + b, 0)).toBeCloseTo(0, 9);
      }),
      { numRuns: 100 },
    );
  });
  it("dtype: the default float32 outputs are the float64 outputs rounded once; \"float64\" keeps Float64Array", () => {
    for (const config of [{}, { whiten: false }, { baseline: "code", gammaProcess: 0.9, gammaOutcome: 0.7 }] as const) {
      const f32 = primeAdvantages(batch, config);
      const f64 = primeAdvantages(batch, { ...config, dtype: "float64" });
      for (const key of ["advantages", "returns"] as const) {
        expect(f32[key].data).toBeInstanceOf(Float32Array);
        expect(f64[key].data).toBeInstanceOf(Float64Array);
        expect(new Uint32Array(f32[key].data.buffer)).toEqual(new Uint32Array(Float32Array.from(f64[key].data).buffer));
      }
      // the batch is not float32-exact, so the rounding is visible
      expect(f32.advantages.toFlatArray().some((v, k) => v !== f64.advantages.data[k])).toBe(true);
    }
    // whiten: false gives advantages equal to the returns but not the same array
    const plain = primeAdvantages(batch, { whiten: false, dtype: "float64" });
    expect(plain.advantages.toArray()).toEqual(plain.returns.toArray());
    expect(plain.advantages.data).not.toBe(plain.returns.data);
  });
  it("errors: a group of one, mismatched outcomes", () => {
    expect(() => primeAdvantages({ ...batch, groups: [0, 1] })).toThrow(/group of row 0 has 1 row/);
    expect(() => primeAdvantages({ ...batch, rewards: [1] })).toThrow(/rewards has 1 entries, processRewards rows has 2/);
  });
});

describe("implicitProcessRewards (spec §19)", () => {
  it("β·log(π/π_ref) for one token", () => {
    const out = implicitProcessRewards([[Math.log(0.6)]], [[Math.log(0.4)]], [[1]], { norm: "none" });
    assertClose(out.processRewards.toArray(), [[0.0202733]], 1e-7, 1e-6);
  });
  it("batch_norm divides by the largest |suffix sum| + 1e-6 (β-independent)", () => {
    const q = [[0.1, 0.3, -0.2], [0.2, -0.4, 0]];
    const zero = [[0, 0, 0], [0, 0, 0]];
    const mask = [[1, 1, 1], [1, 1, 0]];
    const out = implicitProcessRewards(q, zero, mask, { beta: 1 });
    assertClose(out.processRewards.toArray(), [[0.2499994, 0.7499981, -0.4999988], [0.4999988, -0.9999975, 0]], 1e-7, 1e-6);
    const other = implicitProcessRewards(q, zero, mask, { beta: 3 });
    assertClose(other.processRewards.toArray(), out.processRewards.toArray(), 1e-5, 0);
  });
  it("whole granularity puts β·Σq on the last token; dropLastToken drops it", () => {
    const lp = [[0.1, 0.3, -0.2, 9]];
    const zero = [[0, 0, 0, 0]];
    const mask = [[1, 1, 1, 0]];
    assertClose(implicitProcessRewards(lp, zero, mask, { beta: 1, granularity: "whole", norm: "none" }).processRewards.toArray(), [[0, 0, 0.2, 0]], 1e-12, 0);
    assertClose(implicitProcessRewards(lp, zero, mask, { beta: 1, dropLastToken: true, norm: "none" }).processRewards.toArray(), [[0.1, 0.3, 0, 0]], 1e-12, 0);
  });
  it("rejects mismatched shapes", () => {
    expect(() => implicitProcessRewards([[0, 0]], [[0]], [[1, 1]])).toThrow(/refLogprobs has shape \[1,1\], prmLogprobs has \[1,2\]/);
  });
});

import { assertClose } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Matrix } from "@rl/core";
import { bestOfKValue, capoAdvantages, capoVotes, posteriorGrpoAdvantages, progressRewards } from "../../src/process/index.js";

/** The float32 output is the float64 output rounded once per entry, bit for bit. */
function expectRoundedOnce(f32: Matrix, f64: Matrix): void {
  expect(f32.data).toBeInstanceOf(Float32Array);
  expect(f64.data).toBeInstanceOf(Float64Array);
  expect(f32.shape).toEqual(f64.shape);
  expect(new Uint32Array(f32.data.buffer)).toEqual(new Uint32Array(Float32Array.from(f64.data).buffer));
}

describe("PAV progress rewards (spec §20)", () => {
  it("worked numbers: A^π = 0.25, BoK(4) = 0.2539063, Q + A^μ = 0.7539063", () => {
    assertClose(progressRewards({ values: [[0.25]], qValues: [[0.5]], stepMask: [[1]] }).rewards.toArray(), [[0.25]], 1e-12, 0);
    const bok = progressRewards({ values: [[0.25]], qValues: [[0.5]], stepMask: [[1]] }, { bestOfK: 4 }).rewards.get(0, 0);
    expect(bok).toBeCloseTo(0.2539063, 6);
    expect(0.5 + bok).toBeCloseTo(0.7539063, 6);
    expect(bestOfKValue(0.25, 4)).toBeCloseTo(0.6835938, 6);
  });
  it("saturated values give 0; masked steps give 0; α scales", () => {
    const out = progressRewards({ values: [[0, 1, 0.2]], qValues: [[0, 1, 0.6]], stepMask: [[1, 1, 0]] }, { bestOfK: 4, alpha: 5 });
    expect(out.rewards.toArray()).toEqual([[0, 0, 0]]);
    expect(() => progressRewards({ values: [[0]], qValues: [[0, 1]], stepMask: [[1]] })).toThrow(/qValues has shape/);
  });
});

describe("Posterior-GRPO (spec §21)", () => {
  const base = { outcome: [1, 1, 0, 0], thinking: [0.9, 0.4, 0.8, 0.1], groups: [0, 0, 0, 0], mask: [[1, 1], [1, 0], [1, 1], [1, 1]] };
  it("worked example: thinking reward only for correct answers", () => {
    const { rewards, advantages } = posteriorGrpoAdvantages(base);
    assertClose(rewards.toFlatArray(), [1.9, 1.4, 0, 0], 1e-12, 0);
    assertClose(advantages.toArray(), [[1.1034097, 1.1034097], [0.5901959, 0], [-0.8468028, -0.8468028], [-0.8468028, -0.8468028]], 1e-6, 1e-6);
  });
  it("no correct response → plain outcome GRPO (all equal → 0); a group of one uses mean 0, std 1", () => {
    const out = posteriorGrpoAdvantages({ ...base, outcome: [0, 0, 0, 1], groups: [0, 0, 0, 1] }, { dtype: "float64" });
    expect(out.advantages.toArray().slice(0, 3).flat().every((v) => v === 0)).toBe(true);
    expect(out.advantages.get(3, 0)).toBeCloseTo(1.1 / (1 + 1e-6), 9);
  });
  it("invariant to adding a constant to every format reward of a group (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: -5, max: 5, noNaN: true }), (c) => {
        const a = posteriorGrpoAdvantages(base, { dtype: "float64" }).advantages.toFlatArray();
        const b = posteriorGrpoAdvantages({ ...base, format: [c, c, c, c] }, { dtype: "float64" }).advantages.toFlatArray();
        a.forEach((v, k) => expect(b[k] as number).toBeCloseTo(v, 6));
      }),
      { numRuns: 50 },
    );
  });
  it("dtype: the default float32 advantages are the float64 ones rounded once; rewards stay float64", () => {
    const f32 = posteriorGrpoAdvantages(base);
    const f64 = posteriorGrpoAdvantages(base, { dtype: "float64" });
    expectRoundedOnce(f32.advantages, f64.advantages);
    expect(f32.advantages.toFlatArray().some((v, k) => v !== f64.advantages.data[k])).toBe(true);
    expect(f32.rewards.data).toBeInstanceOf(Float64Array);
    expect(f32.rewards.toFlatArray()).toEqual(f64.rewards.toFlatArray());
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.double({ min: -1, max: 1, noNaN: true })), { minLength: 1, maxLength: 6 }), (rows) => {
        const input = {
          outcome: rows.map(([o]) => o),
          thinking: rows.map(([, t]) => t),
          groups: rows.map((_, i) => i % 2),
          mask: rows.map((_, i) => [1, i % 3 === 0 ? 0 : 1]),
        };
        expectRoundedOnce(posteriorGrpoAdvantages(input).advantages, posteriorGrpoAdvantages(input, { dtype: "float64" }).advantages);
      }),
      { numRuns: 30 },
    );
  });
  it("errors", () => {
    expect(() => posteriorGrpoAdvantages({ ...base, thinking: [1] })).toThrow(/thinking has 1 entries, mask rows has 4/);
  });
});

describe("CAPO voting and token rewards (spec §22)", () => {
  const critiques = [[[1, 2], [2], [2, 3]]]; // 0-based form of {2,3}, {3}, {3,4}
  const sm = [[1, 1, 1, 1]];
  it("majority, intersection, union, average", () => {
    expect(capoVotes(critiques, sm).penalties.toArray()).toEqual([[0, 0, 1, 0]]);
    expect(capoVotes(critiques, sm, { rule: "intersection" }).penalties.toArray()).toEqual([[0, 0, 1, 0]]);
    expect(capoVotes(critiques, sm, { rule: "union" }).penalties.toArray()).toEqual([[0, 1, 1, 1]]);
    assertClose(capoVotes(critiques, sm, { rule: "average" }).penalties.toArray(), [[0, 1 / 3, 1, 1 / 3]], 1e-12, 0);
  });
  it("ties are not wrong under majority; out-of-range indices are ignored and counted", () => {
    const out = capoVotes([[[0, 7], [1, -1]]], [[1, 1, 0]]);
    expect(out.penalties.toArray()).toEqual([[0, 0, 0]]);
    expect(out.ignored).toBe(2);
    expect(capoVotes([[]], [[1, 1]]).penalties.toArray()).toEqual([[0, 0]]);
  });
  it("token rewards penalise the tokens of wrong steps; a correct flawed answer stays above a wrong one", () => {
    const out = capoAdvantages({
      outcome: [1, 0],
      penalties: [[0, 1], [0, 0]],
      stepMask: [[1, 1], [1, 1]],
      stepEnds: [[1, 3], [0, 1]],
      mask: [[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]],
      groups: [0, 0],
    });
    expect(out.tokenRewards.toArray()).toEqual([[2, 2, 1, 1, 0], [0, 0, 0, 0, 0]]);
    const s = Math.SQRT2;
    assertClose(out.advantages.toArray(), [[1 / s, 1 / s, 0, 0, 0], [-1 / s, -1 / s, -1 / s, 0, 0]], 1e-5, 1e-5);
  });
  it("dtype: the default float32 outputs are the float64 outputs rounded once; \"float64\" keeps Float64Array", () => {
    const input = {
      outcome: [1, 0.3, 0.7],
      penalties: [[0, 0.1], [1 / 3, 0], [0.2, 0.9]],
      stepMask: [[1, 1], [1, 1], [1, 0]],
      stepEnds: [[1, 3], [0, 2], [2, 0]],
      mask: [[1, 1, 1, 1, 0], [1, 1, 1, 0, 0], [1, 1, 1, 1, 1]],
      groups: [0, 0, 0],
    };
    const f32 = capoAdvantages(input, { wOutcome: 2.1, wProcess: 0.7 });
    const f64 = capoAdvantages(input, { wOutcome: 2.1, wProcess: 0.7, dtype: "float64" });
    for (const key of ["advantages", "tokenRewards"] as const) {
      expectRoundedOnce(f32[key], f64[key]);
      expect(f32[key].toFlatArray().some((v, k) => v !== f64[key].data[k])).toBe(true);
    }
  });
  it("errors", () => {
    expect(() => capoVotes([[], []], sm)).toThrow(/critiques has 2 entries, stepMask rows has 1/);
  });
});

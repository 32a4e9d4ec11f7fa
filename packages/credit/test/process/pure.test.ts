import { assertClose } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Matrix } from "@rl/core";
import { pureAdvantages, pureRewards } from "../../src/process/index.js";

/** The float32 output is the float64 output rounded once per entry, bit for bit. */
function expectRoundedOnce(f32: Matrix, f64: Matrix): void {
  expect(f32.data).toBeInstanceOf(Float32Array);
  expect(f64.data).toBeInstanceOf(Float64Array);
  expect(f32.shape).toEqual(f64.shape);
  expect(new Uint32Array(f32.data.buffer)).toEqual(new Uint32Array(Float32Array.from(f64.data).buffer));
}

// spec §16 worked example 3: steps of 3, 2, 2 tokens ending at 2, 4, 6
const one = {
  stepRewards: [[0.8, -0.5, 0.6]],
  stepMask: [[1, 1, 1]],
  stepEnds: [[2, 4, 6]],
  mask: [[1, 1, 1, 1, 1, 1, 1]],
  groups: [0],
};

describe("pureAdvantages (spec §16 worked example 3)", () => {
  it("token returns and separator-masked advantages", () => {
    const out = pureAdvantages(one, { mode: "PRM", baseline: "none", normalize: false });
    const a = -0.4999787;
    const b = -0.4999805;
    assertClose(out.returns.toArray(), [[a, a, a, b, b, 0.00001, 0.00001]], 1e-6, 1e-5);
    assertClose(out.advantages.toArray(), [[a, a, 0, b, 0, 0.00001, 0]], 1e-6, 1e-5);
    expect(out.separatorMask.toArray()).toEqual([[0, 0, 1, 0, 1, 0, 1]]);
  });
  it("normalisation: valid non-separator tokens get mean 0 and biased variance 1; separators and padding stay 0", () => {
    const out = pureAdvantages(
      {
        stepRewards: [[0.8, -0.5], [0.3, 0.2]],
        stepMask: [[1, 1], [1, 1]],
        stepEnds: [[1, 3], [0, 2]],
        mask: [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]],
        groups: [0, 0],
        solved: [0, 1],
      },
      { baseline: "step", dtype: "float64" },
    );
    const adv = out.advantages.toArray();
    const sep = out.separatorMask.toArray();
    const vals: number[] = [];
    adv.forEach((row, b) => row.forEach((v, t) => (sep[b]?.[t] === 0 && [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]][b]?.[t] === 1 ? vals.push(v) : expect(v).toBe(0))));
    const mean = vals.reduce((x, y) => x + y, 0) / vals.length;
    const variance = vals.reduce((x, y) => x + (y - mean) ** 2, 0) / vals.length;
    expect(mean).toBeCloseTo(0, 10);
    expect(variance).toBeCloseTo(1, 6);
  });
  it("dtype: the default float32 outputs are the float64 outputs rounded once; \"float64\" keeps Float64Array", () => {
    const input = {
      stepRewards: [[0.8, -0.5, 0.6], [0.9, 0.7, 0.1]],
      stepMask: [[1, 1, 1], [1, 1, 0]],
      stepEnds: [[2, 4, 6], [1, 4, 0]],
      mask: [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 0, 0]],
      groups: [0, 0],
      solved: [0, 1],
      tokenKl: [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [0.3, 0.1, 0.7, 0.9, 0.2, 0.6, 0, 0]],
    };
    const f32 = pureAdvantages(input);
    const f64 = pureAdvantages(input, { dtype: "float64" });
    for (const key of ["advantages", "returns", "tokenRewards", "separatorMask"] as const) expectRoundedOnce(f32[key], f64[key]);
    // the input is not float32-exact, so the rounding is visible
    expect(f32.advantages.toFlatArray().some((v, k) => v !== f64.advantages.data[k])).toBe(true);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: 0, max: 1 })), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.boolean(),
        (rows, normalize) => {
          const batch = {
            stepRewards: rows.map(([a, b]) => [a, b]),
            stepMask: rows.map(() => [1, 1]),
            stepEnds: rows.map(() => [1, 3]),
            mask: rows.map(() => [1, 1, 1, 1, 0]),
            groups: rows.map((_, i) => i % 2),
            solved: rows.map(([, , v]) => v),
          };
          const a = pureAdvantages(batch, { normalize });
          const b = pureAdvantages(batch, { normalize, dtype: "float64" });
          for (const key of ["advantages", "returns", "tokenRewards"] as const) expectRoundedOnce(a[key], b[key]);
        },
      ),
      { numRuns: 30 },
    );
  });
  it("a custom separator mask replaces the step ends", () => {
    const out = pureAdvantages({ ...one, separatorMask: [[0, 0, 1, 0, 1, 0, 0]] }, { mode: "PRM", baseline: "none", normalize: false });
    expect(out.advantages.get(0, 6)).toBeCloseTo(0.00001, 6);
  });
});

describe("pureRewards baselines and verifiable reward (spec §16)", () => {
  // o = [−0.5, 0.3] (uniform weights: o = mean step score), lengths [10, 6], K [3, 2]
  const two = {
    stepRewards: [[-0.5, -0.5, -0.5], [0.3, 0.3, 0]],
    stepMask: [[1, 1, 1], [1, 1, 0]],
    stepEnds: [[2, 5, 9], [2, 5, 0]],
    mask: [[1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]],
    groups: ["p", "p"],
  };
  it("step baseline b = [0.15, −0.1666667]", () => {
    const { processRewards } = pureRewards(two, { mode: "PRM", baseline: "step", weighted: false });
    assertClose(processRewards.toArray(), [[-1 / 6 - 0.15, -1 / 6 - 0.15, -1 / 6 - 0.15], [0.15 + 1 / 6, 0.15 + 1 / 6, 0]], 1e-12, 0);
  });
  it("token baseline β = [0.05, −0.05] per non-separator token", () => {
    const { processRewards, tokenRewards } = pureRewards(two, { mode: "PRM", baseline: "token", weighted: false });
    assertClose(processRewards.toArray(), [[-1 / 6 - 0.1, -1 / 6 - 0.1, -1 / 6 - 0.15], [0.15 + 0.1, 0.15 + 0.1, 0]], 1e-12, 0);
    expect(tokenRewards.get(0, 9)).toBeCloseTo(-1 / 6 - 0.15, 12);
    expect(tokenRewards.get(1, 6)).toBe(0);
  });
  it("verifiable reward: solved = [1, 0, 0, 1] → ±2/3 on the last valid token", () => {
    const rows = {
      stepRewards: [[0.1], [0.1], [0.1], [0.1]],
      stepMask: [[1], [1], [1], [1]],
      stepEnds: [[0], [0], [0], [0]],
      mask: [[1, 1], [1, 0], [1, 1], [1, 1]],
      groups: [0, 0, 0, 0],
      solved: [1, 0, 0, 1],
    };
    const { tokenRewards } = pureRewards(rows, { mode: "VR" });
    assertClose(tokenRewards.toArray(), [[0, 2 / 3], [-2 / 3, 0], [0, -2 / 3], [0, 2 / 3]], 1e-12, 0);
    const half = pureRewards(rows, { mode: "VR", verifiableCoef: 0.5 }).tokenRewards;
    expect(half.get(0, 1)).toBeCloseTo(1 / 3, 12);
  });
  it("pureRewards is a building block: float64 whatever dtype says", () => {
    const out = pureRewards(two, { mode: "PRM", weighted: false, dtype: "float32" });
    expect(out.tokenRewards.data).toBeInstanceOf(Float64Array);
    expect(out.processRewards.data).toBeInstanceOf(Float64Array);
    expect(out.tokenRewards.get(0, 9)).toBe(pureRewards(two, { mode: "PRM", weighted: false }).tokenRewards.get(0, 9));
  });
  it("a group of one has baseline 0; a row without steps gets no process reward", () => {
    const out = pureRewards(
      { stepRewards: [[0.4], [0.7]], stepMask: [[1], [0]], stepEnds: [[0], [0]], mask: [[1], [1]], groups: [0, 1], solved: [1, 0] },
      { baseline: "token" },
    );
    assertClose(out.tokenRewards.toArray(), [[0.4], [-1]], 1e-12, 0);
  });
  it("every token reward is finite and padding is 0 (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: 0, max: 1 })), {
          minLength: 2,
          maxLength: 6,
        }),
        fc.constantFrom("token", "step", "none") as fc.Arbitrary<"token" | "step" | "none">,
        (rows, baseline) => {
          const out = pureAdvantages(
            {
              stepRewards: rows.map(([a, b]) => [a, b]),
              stepMask: rows.map(() => [1, 1]),
              stepEnds: rows.map(() => [1, 3]),
              mask: rows.map(() => [1, 1, 1, 1, 0]),
              groups: rows.map((_, i) => i % 2),
              solved: rows.map(([, , s]) => s),
            },
            { baseline },
          );
          for (const m of [out.advantages, out.returns, out.tokenRewards]) {
            m.toArray().forEach((row) => {
              row.forEach((v) => expect(Number.isFinite(v)).toBe(true));
              expect(row[4]).toBe(0);
            });
          }
        },
      ),
      { numRuns: 50 },
    );
  });
  it("errors: missing solved, mismatched groups, a row without tokens", () => {
    expect(() => pureRewards({ ...one })).toThrow(/pureRewards: mode "PRMVR" needs solved/);
    expect(() => pureRewards({ ...one, groups: [0, 1] }, { mode: "PRM" })).toThrow(/groups has 2 entries, stepRewards rows has 1/);
    expect(() =>
      pureRewards({ stepRewards: [[0]], stepMask: [[0]], stepEnds: [[0]], mask: [[0, 0]], groups: [0] }, { mode: "PRM" }),
    ).toThrow(/mask row 0 has no valid token/);
    expect(() => pureAdvantages({ ...one, solved: [1, 0] })).toThrow(/solved has 2 entries/);
  });
});

describe("pureRewards KL penalty", () => {
  it("subtracts klCoef·tokenKl on valid tokens only", () => {
    const input = { ...one, tokenKl: [[1, 2, 3, 4, 5, 6, 7]], mask: [[1, 1, 1, 1, 1, 1, 1]] };
    const withKl = pureRewards(input, { mode: "PRM", baseline: "none", klCoef: 0.1 }).tokenRewards.toFlatArray();
    const without = pureRewards(one, { mode: "PRM", baseline: "none" }).tokenRewards.toFlatArray();
    withKl.forEach((v, t) => expect(v).toBeCloseTo((without[t] as number) - 0.1 * (t + 1), 12));
    expect(() => pureRewards({ ...one, tokenKl: [[1]] }, { mode: "PRM" })).toThrow(/tokenKl has shape \[1,1\], mask has \[1,7\]/);
  });
});

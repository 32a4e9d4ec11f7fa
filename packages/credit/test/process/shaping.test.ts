import { assertClose } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clipShaping, deltaShaping, shapeStepRewards, sumFormReturns } from "../../src/process/index.js";

const p = [[0.9, 0.3, 0.7]];
const m = [[1, 1, 1]];

describe("Clip and Delta shaping (spec §18 worked examples)", () => {
  it("clip, delta and clip-delta", () => {
    assertClose(clipShaping(p, m, { eta: 0.5 }).rewards.toArray(), [[0, -0.2, 0]], 1e-12, 0);
    assertClose(deltaShaping(p, m).rewards.toArray(), [[0.6, -0.4, 0.7]], 1e-12, 0);
    assertClose(shapeStepRewards({ stepRewards: p, stepMask: m }, { method: "clipDelta", eta: 0.5 }).rewards.toArray(), [[0.2, -0.2, 0]], 1e-12, 0);
  });
  it("success reward on the last valid step, α scales the shaped part", () => {
    const out = shapeStepRewards({ stepRewards: [[0.9, 0.3, 0.7]], stepMask: [[1, 1, 0]], success: [1] }, { method: "delta", alpha: 2 });
    assertClose(out.rewards.toArray(), [[1.2, 1.6, 0]], 1e-12, 0);
  });
  it("Delta returns equal the raw step scores (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 }), (row) => {
        const mask = [row.map(() => 1)];
        const ret = sumFormReturns(deltaShaping([row], mask).rewards, mask).returns.toArray()[0] as number[];
        ret.forEach((v, k) => expect(v).toBeCloseTo(row[k] as number, 10));
      }),
      { numRuns: 100 },
    );
  });
  it("Clip rewards are ≤ 0, so returns never grow with more steps (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 }), fc.double({ min: -1, max: 1, noNaN: true }), (row, eta) => {
        clipShaping([row], [row.map(() => 1)], { eta }).rewards.toFlatArray().forEach((v) => expect(v).toBeLessThanOrEqual(0));
      }),
      { numRuns: 100 },
    );
  });
  it("K = 1: Delta is the identity; masked steps are skipped", () => {
    expect(deltaShaping([[0.4]], [[1]]).rewards.toArray()).toEqual([[0.4]]);
    assertClose(deltaShaping([[0.9, 5, 0.7]], [[1, 0, 1]]).rewards.toArray(), [[0.2, 0, 0.7]], 1e-12, 0);
  });
  it("errors: eta required by clip methods; mismatched success", () => {
    expect(() => shapeStepRewards({ stepRewards: p, stepMask: m }, { method: "clip" })).toThrow(/eta is required/);
    expect(() => shapeStepRewards({ stepRewards: p, stepMask: m, success: [1, 0] }, { method: "delta" })).toThrow(/success has 2 entries/);
  });
});

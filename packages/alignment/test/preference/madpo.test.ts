import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { madpoLoss, madpoWeights } from "../../src/index.js";
import { E1, G3, pairs, read, scoped } from "./helpers.js";

describe("madpoWeights (placeholder family, spec §13)", () => {
  it("is 1 at the threshold, amplifies below, damps above, caps negative margins", () => {
    assertClose(madpoWeights([2, 1, 0.5, -3]).toFlatArray(), [Math.exp(-0.5), 1, Math.exp(0.25), 2], 1e-12, 1e-12);
  });
  it("property: non-increasing in the margin and within (0, maxWeight]", () => {
    fc.assert(
      fc.property(fc.double({ min: -20, max: 20, noNaN: true }), fc.double({ min: -20, max: 20, noNaN: true }), (a, b) => {
        const [wa, wb] = madpoWeights([Math.min(a, b), Math.max(a, b)], { maxWeight: 3 }).toFlatArray() as [number, number];
        expect(wa).toBeGreaterThanOrEqual(wb);
        expect(wb).toBeGreaterThan(0);
        expect(wa).toBeLessThanOrEqual(3);
      }),
      { numRuns: 100 },
    );
  });
});

describe("madpoLoss", () => {
  it("spec worked example (weights given): E1, β 0.5, w = [0.6, 2]", () => {
    scoped(() => {
      const o = madpoLoss({ ...pairs(E1), weights: [0.6, 2] }, { beta: 0.5 });
      assertClose(read(o.losses), [0.232123, 2.446889], 1e-5, 1e-5);
      assertClose(read(o.loss)[0], 1.339506, 1e-5, 1e-5);
      expect(o.metrics["weights/max"]).toBe(2);
      expect(o.metrics["weights/amplified"]).toBe(0.5);
      expect(o.metrics["weights/damped"]).toBe(0.5);
    });
  });
  it("RM margins at the threshold give plain DPO", () => {
    scoped(() => {
      const o = madpoLoss({ ...pairs(E1), rmMargins: [1, 1] }, { beta: 0.5 });
      assertClose(read(o.losses), [0.386871, 1.223445], 1e-5, 1e-5);
    });
  });
  it("gradient check, bad input, no leaks", async () => {
    scoped(() => {
      const p = pairs(G3);
      checkGradient((x) => madpoLoss({ ...p, policyChosen: x, rmMargins: [-1, 0.5, 3] }, { beta: 0.5 }).loss, p.policyChosen);
      expect(() => madpoLoss({ ...p }, {})).toThrow(/exactly one of rmMargins and weights/);
      expect(() => madpoLoss({ ...p, weights: [1, -1, 1] })).toThrow(/weights\[1\]/);
      expect(() => madpoLoss({ ...p, weights: [1, NaN, 1] })).toThrow();
    });
    const p = pairs(G3);
    await expectNoTensorLeak(() => madpoLoss({ ...p, rmMargins: [0, 1, 2] }));
    Object.values(p).forEach((t) => t?.dispose());
  });
});

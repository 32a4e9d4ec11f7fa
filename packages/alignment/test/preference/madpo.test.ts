import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { madpoLoss } from "../../src/index.js";
import { madpoWeights } from "../../src/preference/madpo.js";
import { E1, G3, pairs, read, scoped } from "./helpers.js";


// Fixtures: the official MADPOLoss (sirano1004/Margin-Apative-Direct-Preference-Optimization @ 306779b3,
// utils/loss_functions.py) rerun in PyTorch 1.13 float64 — coef() and forward() copied verbatim, with
// the notebook's c_max 2, c_min 0.5, lmbda 1, tau ln(999) unless noted (script in docs/alignment/madpo.md).
const H = [-8, -3, -0.5, 0, 0.5, 2, 6.9, 10];
describe("madpoWeights (official MADPOLoss weight function)", () => {
  it("matches the official code number for number (notebook τ = ln 999)", () => {
    assertClose(madpoWeights(H).toFlatArray(), [1, 0.062014, 0.713637, 1, 1.173688, 1.114019, 1.000016, 0.995237], 1e-6, 1e-6);
  });
  it("matches the official code with the class default τ = 2", () => {
    assertClose(madpoWeights(H, { marginThreshold: 2 }).toFlatArray(), [1, 1, 0.839079, 1, 1.097603, 1, 0.971334, 0.993369], 1e-6, 1e-6);
  });
  it("property: amplifies small positive margins, damps large ones, 1 beyond −τ, within (0, scaleMax)", () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: 0.5, max: 10, noNaN: true }), (h, tau) => {
        const [w] = madpoWeights([h], { marginThreshold: tau }).toFlatArray() as [number];
        expect(w).toBeGreaterThan(0);
        expect(w).toBeLessThan(2 + 1e-12);
        if (h <= -tau) expect(w).toBe(1);
        if (h > 1e-9 && h < tau - 1e-9) expect(w).toBeGreaterThan(1);
        if (h > tau + 1e-9) expect(w).toBeLessThanOrEqual(1);
        if (h < -1e-9 && h > -tau) expect(w).toBeLessThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });
  it("scaleSlope 0 gives weight 1 everywhere (plain DPO); a huge τ does not give 0/0", () => {
    assertClose(madpoWeights(H, { scaleSlope: 0 }).toFlatArray(), H.map(() => 1), 1e-12, 1e-12);
    expect(madpoWeights([-700], { marginThreshold: 1e6 }).toFlatArray().every(Number.isFinite)).toBe(true);
  });
  it("the deprecated placeholder family still works when its keys are given", () => {
    assertClose(madpoWeights([2, 1, 0.5, -3], { threshold: 1 }).toFlatArray(), [Math.exp(-0.5), 1, Math.exp(0.25), 2], 1e-12, 1e-12);
  });
  it("bad config and input → RLError", () => {
    expect(() => madpoWeights([1], { scaleMax: 1 })).toThrow(/madpoWeights/);
    expect(() => madpoWeights([1], { scaleMin: 1 })).toThrow(/madpoWeights/);
    expect(() => madpoWeights([NaN])).toThrow(/madpoWeights/);
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
  it("matches the official MADPOLoss.forward number for number (choices [0, 1, 0] mapped to chosen/rejected)", () => {
    scoped(() => {
      // official inputs: p1 [-10,-12,-9], p2 [-11,-10.5,-9.5], ref1 [-10.5,-11,-9.2], ref2 [-10,-11,-9.1],
      // reward1 [1.5,-0.3,4], reward2 [0.2,2,-5], choices [0,1,0], β 0.1 → loss 0.6903670604692982
      const p = pairs({ policyChosen: [-10, -10.5, -9], policyRejected: [-11, -12, -9.5], refChosen: [-10.5, -11, -9.2], refRejected: [-10, -11, -9.1] });
      const o = madpoLoss({ ...p, rmMargins: [1.3, 2.3, 9] });
      assertClose(read(o.losses), [0.7348276521323037, 0.6759442369788987, 0.660329292296692], 1e-6, 1e-6);
      assertClose(read(o.loss)[0], 0.6903670604692982, 1e-6, 1e-6);
      assertClose([o.metrics["weights/mean"]], [(1.1833791962715061 + 1.0885523232003063 + 0.9950755952443783) / 3], 1e-9, 1e-9);
    });
  });
  it("RM margins 0 (weight 1) give plain DPO", () => {
    scoped(() => {
      const o = madpoLoss({ ...pairs(E1), rmMargins: [0, 0] }, { beta: 0.5 });
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

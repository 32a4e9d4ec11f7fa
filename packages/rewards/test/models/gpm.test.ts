import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gpmLoss, gpmPreferenceScore } from "../../src/index.js";
import { codeOf, value, values } from "./helpers.js";

describe("gpmPreferenceScore", () => {
  it("reproduces spec §8 examples", () => {
    assertClose(values(gpmPreferenceScore([[0.8, 0.6]], [[0, 1]])), [0.8]);
    assertClose(values(gpmPreferenceScore([[0, 1]], [[0.8, 0.6]])), [-0.8]);
    const at = (deg: number): number[] => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];
    assertClose(values(gpmPreferenceScore([at(0), at(120), at(240)], [at(120), at(240), at(0)])), [0.8660254, 0.8660254, 0.8660254]);
    const vc = [[0.5, 0.5, 0.5, 0.5]];
    const vr = [[0.7, 0.1, 0.1, 0.7]];
    assertClose(values(gpmPreferenceScore(vc, vr)), [0]);
    assertClose(values(gpmPreferenceScore(vc, vr, [[1.5, 0.5]])), [-0.3]);
    assertClose(values(gpmPreferenceScore([[2, 1]], [[1, 1]])), [1]);
  });
  it("is antisymmetric with s(a ≻ a) = 0 (property)", () => {
    const vec = fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 4, maxLength: 4 });
    fc.assert(
      fc.property(vec, vec, (a, b) => {
        const ab = values(gpmPreferenceScore([a], [b]))[0] as number;
        const ba = values(gpmPreferenceScore([b], [a]))[0] as number;
        const aa = values(gpmPreferenceScore([a], [a]))[0] as number;
        return Math.abs(ab + ba) < 1e-4 && Math.abs(aa) < 1e-5;
      }),
      { numRuns: 50 },
    );
  });
  it("rejects odd widths and mismatched gates", () => {
    expect(codeOf(() => gpmPreferenceScore([[1, 2, 3]], [[1, 2, 3]]))).toBe("SHAPE_MISMATCH");
    expect(codeOf(() => gpmPreferenceScore([[1, 2]], [[1, 2]], [[1, 1]]))).toBe("SHAPE_MISMATCH");
  });
});

describe("gpmLoss", () => {
  it("reproduces spec §8 (τ = 0.1)", () => {
    const out = gpmLoss({ chosenEmbeddings: [[0.8, 0.6]], rejectedEmbeddings: [[0, 1]] });
    assertClose(value(out.loss), 0.0003354, 2e-6);
    expect(out.metrics.accuracy).toBe(1);
    // normalize makes the scale irrelevant; without it the raw scale counts
    assertClose(value(gpmLoss({ chosenEmbeddings: [[8, 6]], rejectedEmbeddings: [[0, 3]] }).loss), 0.0003354, 2e-6);
    assertClose(value(gpmLoss({ chosenEmbeddings: [[2, 1]], rejectedEmbeddings: [[1, 1]] }, { tau: 1, normalize: false }).loss), Math.log1p(Math.exp(-1)));
  });
  it("has correct gradients (normalised, gated) and does not leak", async () => {
    const vr = tf.tensor2d([[0.3, 0.9, -0.2, 0.4]]);
    checkGradient((vc) => gpmLoss({ chosenEmbeddings: vc, rejectedEmbeddings: vr, gates: [[1.2, 0.8]] }, { tau: 1 }).loss, tf.tensor2d([[0.5, -0.1, 0.7, 0.2]]));
    await expectNoTensorLeak(() => gpmLoss({ chosenEmbeddings: [[0.5, -0.1, 0.7, 0.2]], rejectedEmbeddings: vr }).loss);
    vr.dispose();
  });
});

import { assertClose } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { preferenceStrength } from "../../src/index.js";
import { codeOf } from "./helpers.js";

describe("preferenceStrength", () => {
  it("reproduces spec §4 (population std)", () => {
    const { mean, std } = preferenceStrength([[0.5, 1.0, 1.5, -0.2], [2, 2, 2, 2]]);
    assertClose(mean.toFlatArray(), [0.7, 2], 1e-12);
    assertClose(std.toFlatArray(), [0.6284903, 0], 1e-7);
    expect(preferenceStrength([[3]]).std.toFlatArray()).toEqual([0]);
  });
  it("is shift-equivariant in the mean and shift-invariant in the std (property)", () => {
    const row = fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(row, fc.double({ min: -3, max: 3, noNaN: true }), (r, k) => {
        const a = preferenceStrength([r]);
        const b = preferenceStrength([r.map((x) => x + k)]);
        return Math.abs(b.mean.data[0]! - a.mean.data[0]! - k) < 1e-9 && Math.abs(b.std.data[0]! - a.std.data[0]!) < 1e-9;
      }),
      { numRuns: 100 },
    );
  });
  it("rejects non-finite and non-2-D input", () => {
    expect(codeOf(() => preferenceStrength([[NaN]]))).toBe("NON_FINITE");
    expect(codeOf(() => preferenceStrength([1, 2]))).toBe("SHAPE_MISMATCH");
  });
});

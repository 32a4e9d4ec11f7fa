import { assertClose } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { placeStepRewards } from "../../src/process/index.js";

const base = { stepRewards: [[0.8, -0.5, 0.6]], stepMask: [[1, 1, 1]], stepEnds: [[2, 4, 6]], mask: [[1, 1, 1, 1, 1, 1, 1, 0]] };

describe("placeStepRewards (spec §17)", () => {
  it("end: the reward sits on the step's last token", () => {
    expect(placeStepRewards(base).tokenRewards.toArray()).toEqual([[0, 0, 0.8, 0, -0.5, 0, 0.6, 0]]);
  });
  it("uniform: r_k / len_k on every token of the step", () => {
    assertClose(placeStepRewards(base, { spread: "uniform" }).tokenRewards.toArray(), [[0.8 / 3, 0.8 / 3, 0.8 / 3, -0.25, -0.25, 0.3, 0.3, 0]], 1e-12, 0);
  });
  it("all: r_k on every token; interior masked tokens stay 0", () => {
    const out = placeStepRewards({ ...base, mask: [[1, 0, 1, 1, 1, 1, 1, 0]] }, { spread: "all" });
    expect(out.tokenRewards.toArray()).toEqual([[0.8, 0, 0.8, -0.5, -0.5, 0.6, 0.6, 0]]);
    const uniform = placeStepRewards({ ...base, mask: [[1, 0, 1, 1, 1, 1, 1, 0]] }, { spread: "uniform" });
    expect(uniform.tokenRewards.get(0, 0)).toBeCloseTo(0.4, 12);
  });
  it("the sum of placed rewards equals the sum of step rewards for end and uniform", () => {
    for (const spread of ["end", "uniform"] as const) {
      const s = placeStepRewards(base, { spread }).tokenRewards.toFlatArray().reduce((a, b) => a + b, 0);
      expect(s).toBeCloseTo(0.9, 12);
    }
  });
  it("masked steps are ignored", () => {
    const out = placeStepRewards({ ...base, stepMask: [[1, 1, 0]], stepEnds: [[2, 4, 0]] });
    expect(out.tokenRewards.toArray()).toEqual([[0, 0, 0.8, 0, -0.5, 0, 0, 0]]);
  });
  it("rejects step ends out of range, decreasing, or on padding", () => {
    expect(() => placeStepRewards({ ...base, stepEnds: [[2, 4, 8]] })).toThrow(/stepEnds\[0\]\[2\] is 8/);
    expect(() => placeStepRewards({ ...base, stepEnds: [[2, 2, 6]] })).toThrow(/increase strictly/);
    expect(() => placeStepRewards({ ...base, stepEnds: [[2, 4, 7]] })).toThrow(/masked \(padding\) token/);
    expect(() => placeStepRewards({ ...base, mask: [[1], [1]] })).toThrow(/mask has 2 rows, stepRewards has 1/);
  });
});

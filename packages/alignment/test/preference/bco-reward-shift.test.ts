import { describe, expect, it } from "vitest";
import { bcoRewardShift } from "../../src/preference/bco-reward-shift.js";

describe("bcoRewardShift", () => {
  it("is the running mean of batch-mean rewards", () => {
    const s = bcoRewardShift();
    let state = s.init();
    expect(state).toEqual({ mean: 0, count: 0 });
    const a = s.update({ chosenRewards: [0.5, -0.75], rejectedRewards: [-0.25, 0.125] }, state);
    expect(a.output).toBeCloseTo(-0.09375, 12);
    state = a.state;
    const b = s.update({ chosenRewards: [1], rejectedRewards: [0] }, state);
    expect(b.output).toBeCloseTo((-0.09375 + 0.5) / 2, 12);
    expect(b.state.count).toBe(2);
    // pure: the old state is unchanged
    expect(state).toEqual({ mean: -0.09375, count: 1 });
  });
  it("rejects empty batches and non-finite rewards", () => {
    const s = bcoRewardShift();
    expect(() => s.update({ chosenRewards: [], rejectedRewards: [] }, s.init())).toThrow(/empty batch/);
    expect(() => s.update({ chosenRewards: [NaN], rejectedRewards: [0] }, s.init())).toThrow(/NaN/);
  });
});

// The runnable example of docs/rewards/transforms.md, with the numbers it prints.
import { describe, expect, it } from "vitest";
import { chainTransforms, clipTransform, ensembleRewards, runningRewardNormalizer } from "../../src/index.js";

describe("docs/rewards/transforms.md", () => {
  it("running normalisation then clipping", () => {
    const t = chainTransforms(runningRewardNormalizer(), clipTransform({ min: -1, max: 1 }));
    let state = t.init();
    let out = t.update({ rewards: [1, 2, 3, null] }, state);
    expect(out.output).toEqual([-1, 0, 1, null]);
    state = out.state;
    out = t.update({ rewards: [4, 5] }, state);
    expect(out.output[0]).toBeCloseTo(0.7071068, 7);
    expect(out.output[1]).toBe(1);
    expect(out.state[0]).toEqual({ count: 5, mean: 3, m2: 10, min: 1, max: 5 });
  });
  it("ensembles", () => {
    const e = ensembleRewards([[1.0, 0.5, 1.5], [0.2, 0.4, 0.0]], { mode: "uwo", lambda: 0.5 });
    expect(e.rewards.get(1)).toBeCloseTo(0.1866667, 7);
    expect(e.variance.get(1)).toBeCloseTo(0.0266667, 7);
    expect(ensembleRewards([[1.0, 0.5, 1.5], [0.2, 0.4, 0.0]], { mode: "wco" }).rewards.toFlatArray()).toEqual([0.5, 0]);
  });
});

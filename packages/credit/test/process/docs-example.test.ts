import { assertClose } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { minFormRewards, primeAdvantages, pureAdvantages, strictMinReturns, sumFormReturns } from "../../src/process/index.js";
import { gigpoAdvantages, macroBoundaries, macroGae } from "../../src/step/index.js";
import { firstErrorSearch } from "../../src/labels/index.js";

// The example of docs/credit/process.md, with the numbers it prints.
describe("docs/credit/process.md example", () => {
  it("prints the documented numbers", async () => {
    const stepRewards = [[0.8, -0.5, 0.6]];
    const stepMask = [[1, 1, 1]];
    const { rewards } = minFormRewards(stepRewards, stepMask);
    assertClose(sumFormReturns(rewards, stepMask).returns.toArray(), [[-0.4999787, -0.4999805, 0.00001]], 1e-6, 1e-5);
    assertClose(strictMinReturns(stepRewards, stepMask).returns.toArray(), [[-0.5, -0.5, 0.6]], 1e-12, 0);
    assertClose(sumFormReturns(stepRewards, stepMask).returns.toArray(), [[0.9, 0.1, 0.6]], 1e-12, 0);

    const pure = pureAdvantages({
      stepRewards: [[0.8, -0.5, 0.6], [0.9, 0.7, 0]],
      stepMask: [[1, 1, 1], [1, 1, 0]],
      stepEnds: [[2, 4, 6], [1, 4, 0]],
      mask: [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 0, 0]],
      groups: [0, 0],
      solved: [0, 1],
    });
    assertClose(
      pure.advantages.toArray(),
      [[-1.1251, -1.1251, 0, -0.9762, 0, -0.5932, 0, -0.5188], [1.2775, 0, 1.1728, 1.1728, 0, 0.7152, 0, 0]],
      1e-4,
      0,
    );

    const prime = primeAdvantages({
      processRewards: [[0.1, 0.3, -0.2], [0.2, -0.4, 0]],
      rewards: [1, 0],
      mask: [[1, 1, 1], [1, 1, 0]],
      groups: [0, 0],
    });
    assertClose(prime.returns.toArray(), [[7.5, 6.5, 4.5], [-6.6667, -7.3333, 0]], 1e-4, 0);
    assertClose(prime.advantages.toArray(), [[0.9046, 0.7676, 0.4934], [-1.0371, -1.1285, 0]], 1e-4, 0);

    const gigpo = gigpoAdvantages({
      mask: [[1, 1], [1, 1], [1, 0], [1, 1], [1, 1], [1, 1], [1, 0]],
      groups: [0, 0, 0, 0, 0, 0, 0],
      trajectories: ["t1", "t1", "t1", "t2", "t2", "t2", "t2"],
      anchors: ["s0", "s1", "s2", "s0", "s3", "s1", "s4"],
      episodeReturns: [10, 10, 10, 0, 0, 0, 0],
      stepRewards: [0, 0, 10, 0, 0, 0, 0],
    });
    // default float32 storage: the documented float64 values, rounded once
    assertClose(gigpo.advantages.toArray().map((row) => row[0] as number), [9.5125, 9.75, 5, -9.5125, -5, -9.75, -5].map(Math.fround), 1e-9, 0);

    const mask = [[1, 1, 1, 1, 1, 1, 1, 1]];
    const { starts } = macroBoundaries(mask, { rule: "fixed", n: 3 });
    expect(starts).toEqual([[0, 3, 6, 7]]);
    const macro = macroGae({
      values: [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]],
      tokenRewards: [[-0.01, -0.01, -0.01, -0.01, -0.01, -0.01, -0.01, 0.99]],
      mask,
      starts,
    });
    assertClose(macro.macroAdvantages.toArray(), [[0.7146262, 0.446975, 0.2705, 0.19]], 1e-7, 0);

    const search = await firstErrorSearch(6, async (prefixLength) => prefixLength < 4, { rollouts: 4 });
    expect([search.firstError, search.completions]).toEqual([3, 12]);
  });
});

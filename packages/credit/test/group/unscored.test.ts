import { describe, expect, it } from "vitest";
import { gpgAdvantages, grpoAdvantages, opoAdvantages, reinforcePlusPlusBaselineAdvantages, rlooAdvantages } from "../../src/index.js";

// A null outcome is "no signal" (TRL: every reward function returned None): the row is left out
// of every statistic and gets 0, and the other rows get what they would get without it.
const mask = [[1, 1], [1, 1], [1, 0], [1, 1]];
const withNull = { rewards: [1, null, 0, 3], mask, groups: [0, 0, 0, 0] };
const without = { rewards: [1, 0, 3], mask: [mask[0]!, mask[2]!, mask[3]!], groups: [0, 0, 0] };
const drop = (m: number[][]) => [m[0]!, m[2]!, m[3]!];

describe("null outcomes", () => {
  // float64 output: "as if absent" is an exact identity, not one up to float32 rounding
  const dtype = "float64";
  it.each([
    ["grpo", (b: typeof withNull) => grpoAdvantages(b, { dtype })],
    ["grpo batch std", (b: typeof withNull) => grpoAdvantages(b, { stdScope: "batch", dtype })],
    ["rloo", (b: typeof withNull) => rlooAdvantages(b, { dtype })],
    ["rloo normalized", (b: typeof withNull) => rlooAdvantages(b, { normalize: true, dtype })],
    ["opo", (b: typeof withNull) => opoAdvantages(b, { dtype })],
    ["gpg", (b: typeof withNull) => gpgAdvantages(b, { dtype })],
    ["gpg validGroups", (b: typeof withNull) => gpgAdvantages(b, { alpha: "validGroups", dtype })],
    ["reinforce++-baseline", (b: typeof withNull) => reinforcePlusPlusBaselineAdvantages(b, { dtype })],
  ])("%s: the unscored row gets 0, the others are as if it were absent", (_name, f) => {
    const got = f(withNull).advantages.toArray();
    expect(got[1]).toEqual([0, 0]);
    expect(drop(got)).toEqual(f(without as typeof withNull).advantages.toArray());
  });

  it("a group whose every row is unscored is all 0; the diagnostics do not count it", () => {
    const r = grpoAdvantages({ rewards: [null, null, 1, 0], mask: [[1], [1], [1], [1]], groups: ["a", "a", "b", "b"] });
    expect(r.advantages.toArray().flat().slice(0, 2)).toEqual([0, 0]);
    expect(r.diagnostics?.groups).toBe(1);
  });
});

import { either } from "fp-ts";
import { describe, expect, it } from "vitest";
import { decodePreferencePair, decodeRolloutGroup, decodeTokenBatch, rolloutGroupsToBatch } from "../../src/index.js";

describe("decoders", () => {
  it("decode a valid preference pair as Right", () => {
    const r = decodePreferencePair({ prompt: "2+2?", chosen: "4", rejected: "5", margin: 1 });
    expect(either.isRight(r) && r.right.margin).toBe(1);
  });

  it("return Left(RLError) naming the offending field, with zod issues", () => {
    const r = decodePreferencePair({ prompt: "2+2?", chosen: 4, rejected: "5" });
    expect(either.isLeft(r)).toBe(true);
    if (either.isLeft(r)) {
      expect(r.left.code).toBe("INVALID_INPUT");
      expect(r.left.message).toMatch(/^decodePreferencePair: invalid preference pair: chosen: /);
      expect(r.left.issues[0]?.path).toEqual(["chosen"]);
    }
  });

  it("check rollout-group lengths and step boundaries", () => {
    const bad = decodeRolloutGroup({
      promptId: "p",
      responses: [{ tokenIds: [1, 2, 3], logProbs: [-1, -2], reward: 1, stepBoundaries: [2, 1], stepRewards: [0.5] }],
    });
    expect(either.isLeft(bad)).toBe(true);
    if (either.isLeft(bad)) {
      expect(bad.left.message).toContain("responses.0.logProbs: has 2 entries, tokenIds has 3");
      expect(bad.left.message).toContain("responses.0.stepBoundaries.1: must be strictly increasing");
      expect(bad.left.message).toContain("responses.0.stepRewards: has 1 entries, stepBoundaries has 2");
    }
    expect(either.isRight(decodeRolloutGroup({ promptId: "p", responses: [{ tokenIds: [1], reward: null }] }))).toBe(true);
  });

  it("check token-batch shapes", () => {
    const bad = decodeTokenBatch({ tokenIds: [[1, 2], [3, 4]], mask: [[1, 1], [1]], groups: [0] });
    expect(either.isLeft(bad)).toBe(true);
    if (either.isLeft(bad)) {
      expect(bad.left.message).toContain("mask.1: has 1 entries, tokenIds rows have 2");
      expect(bad.left.message).toContain("groups: has 1 entries, tokenIds has 2 rows");
    }
  });
});

describe("rolloutGroupsToBatch", () => {
  it("pads, places the outcome on the last valid token, and keeps null-reward rows (outcome null, never 0)", () => {
    const b = rolloutGroupsToBatch([
      { promptId: "a", responses: [{ tokenIds: [5, 6, 7], mask: [1, 1, 0], reward: 1 }, { tokenIds: [5], reward: null }] },
      { promptId: "b", responses: [{ tokenIds: [8], reward: null }] },
      { promptId: "c", responses: [{ tokenIds: [9, 9], reward: -0.5 }] },
    ]);
    expect(b.tokenIds.toArray()).toEqual([[5, 6, 7], [5, -1, -1], [8, -1, -1], [9, 9, -1]]);
    expect(b.mask.toArray()).toEqual([[1, 1, 0], [1, 0, 0], [1, 0, 0], [1, 1, 0]]);
    expect(b.tokenRewards.toArray()).toEqual([[0, 1, 0], [0, 0, 0], [0, 0, 0], [0, -0.5, 0]]);
    expect(b.outcomes).toEqual([1, null, null, -0.5]);
    expect(b.groups).toEqual([0, 0, 1, 2]);
    expect(b.promptIds).toEqual(["a", "b", "c"]);
    expect(rolloutGroupsToBatch([{ promptId: "x", responses: [{ tokenIds: [1], reward: null }] }]).outcomes).toEqual([null]);
    expect(() => rolloutGroupsToBatch([])).toThrow(/groups/);
  });
});

import { guardedDefinition, tf } from "@rl/core";
import { fuzzPlugin, rlErrorCode, testPlugin } from "@rl/core/testing";
import { assignCredit, creditRegistry, grpoAdvantages } from "@rl/credit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rankAdvantages, rankAdvantagesDefinition } from "../src/index.js";

const codeOf = rlErrorCode;

describe("rankAdvantages", () => {
  it("worked example: worst −1, best +1, evenly spaced between, 0 on padding", () => {
    const out = rankAdvantages({
      tokenRewards: [[0, 3], [0, 1], [0, 2], [0, 7], [5, 0]],
      mask: [[1, 1], [1, 1], [1, 0], [1, 1], [1, 1]],
      groups: ["a", "a", "a", "b", "c"],
    });
    expect(out.advantages.toArray()).toEqual([[1, 1], [-1, -1], [0, 0], [0, 0], [0, 0]]);
    expect(out.returns).toBe(out.advantages);
  });

  it("ties share their average rank; an all-equal group gets 0; scale stretches the range", () => {
    const batch = { tokenRewards: [[1], [1], [0], [2], [4], [4]], mask: [[1], [1], [1], [1], [1], [1]], groups: [0, 0, 0, 0, 1, 1] };
    // group 0 scores 1, 1, 0, 2 → ranks 2.5, 2.5, 1, 4 → (2·1.5/3 − 1) = 0, 0, −1, 1
    expect(rankAdvantages(batch, { scale: 2 }).advantages.toArray()).toEqual([[0], [0], [-2], [2], [0], [0]]);
  });

  it("depends only on the order of the scores within a group (any increasing transform)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 1, maxLength: 8 }), (scores) => {
        const batch = { tokenRewards: scores.map((s) => [s]), mask: scores.map(() => [1]), groups: scores.map(() => 0) };
        const moved = { ...batch, tokenRewards: scores.map((s) => [Math.exp(s / 50) * 3 + 10]) };
        expect(rankAdvantages(moved).advantages.toArray()).toEqual(rankAdvantages(batch).advantages.toArray());
      }),
      { numRuns: 100 },
    );
  });

  it("is bounded by scale, sums to 0 within a group, and orders responses as GRPO does", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 2, maxLength: 8 }), (scores) => {
        const batch = { tokenRewards: scores.map((s) => [s]), mask: scores.map(() => [1]), groups: scores.map(() => "g") };
        const a = rankAdvantages(batch, { dtype: "float64" }).advantages.toFlatArray();
        const g = grpoAdvantages(batch, { dtype: "float64" }).advantages.toFlatArray();
        expect(Math.abs(a.reduce((x, y) => x + y, 0))).toBeLessThan(1e-12);
        a.forEach((v, i) => {
          expect(Math.abs(v)).toBeLessThanOrEqual(1);
          a.forEach((w, j) => expect(Math.sign(v - w)).toBe(Math.sign((g[i] as number) - (g[j] as number))));
        });
      }),
      { numRuns: 100 },
    );
  });

  it("stores float32 by default (the float64 ranks rounded once) and float64 on request", () => {
    const batch = { tokenRewards: [[0.3], [0.1], [0.2], [0.9]], mask: [[1], [1], [1], [0]], groups: [0, 0, 0, 0] };
    const exact = rankAdvantages(batch, { dtype: "float64" }).advantages;
    const stored = rankAdvantages(batch).advantages;
    expect(exact.data).toBeInstanceOf(Float64Array);
    expect(stored.data).toBeInstanceOf(Float32Array);
    [1 / 3, -1, -1 / 3, 0].forEach((v, i) => expect(exact.data[i]).toBeCloseTo(v, 14));
    expect(stored.data).toEqual(Float32Array.from(exact.data));
    expect(stored.data[0]).not.toBe(exact.data[0]); // 1/3 is not a float32: the storage differs
  });

  it("rejects bad input with RLError naming the field", () => {
    const ok = { tokenRewards: [[1], [0]], mask: [[1], [1]], groups: [0, 0] };
    expect(() => rankAdvantages({ ...ok, groups: [0] })).toThrow("rankAdvantages: groups has 1 entries, tokenRewards has 2 rows");
    expect(() => rankAdvantages({ ...ok, groups: undefined })).toThrow("rankAdvantages: groups is required");
    expect(codeOf(() => rankAdvantages({ ...ok, tokenRewards: [[Number.NaN], [0]] }))).toBe("NON_FINITE");
    expect(codeOf(() => rankAdvantages({ ...ok, mask: [[1, 1], [1, 1]] }))).toBe("SHAPE_MISMATCH");
    expect(() => rankAdvantages({ ...ok, mask: [[0.5], [1]] })).toThrow("rankAdvantages: mask[0][0] is 0.5; a mask holds only 0 and 1");
    expect(() => rankAdvantages(ok, { scale: 0 })).toThrow(/rankAdvantages: invalid config: scale/);
    expect(() => rankAdvantages(ok, { sclae: 1 } as never)).toThrow(/sclae/);
  });
});

describe("the plugin", () => {
  it("passes the @rl plugin test kit (config, properties with shift invariance, fuzz, tensor count)", async () => {
    const report = await testPlugin(rankAdvantagesDefinition, { shiftInvariant: true, invalidConfigs: [{ scale: 0 }, { scale: -1 }] });
    expect(report.checks).toHaveLength(8);
    expect(await fuzzPlugin(rankAdvantagesDefinition, { fuzzRuns: 1000, seed: 42 })).toEqual([
      "fuzz: 1000 malformed batches, 1000 rejected with RLError, none returned NaN",
    ]);
  });

  it("registers explicitly in creditRegistry() and runs through assignCredit, guarded or not", () => {
    const batch = { tokenRewards: [[0, 1], [0, 0], [0, 0.5]], mask: [[1, 1], [1, 1], [1, 0]], groups: [7, 7, 7] };
    expect(() => assignCredit("example/rank-advantages", batch)).toThrow(/no credit-assigner named "example\/rank-advantages"/);
    const registry = creditRegistry().register(rankAdvantagesDefinition);
    expect(assignCredit("example/rank-advantages", batch, {}, registry).advantages.toArray()).toEqual([[1, 1], [-1, -1], [0, 0]]);
    const guarded = creditRegistry().register(guardedDefinition(rankAdvantagesDefinition));
    expect(assignCredit("example/rank-advantages", batch, { scale: 0.5 }, guarded).advantages.toArray()).toEqual([[0.5, 0.5], [-0.5, -0.5], [0, 0]]);
    expect(() => registry.register(rankAdvantagesDefinition)).toThrow(/already registered/);
  });

  it("creates no tensors", () => {
    const before = tf.memory().numTensors;
    rankAdvantages({ tokenRewards: [[1], [2]], mask: [[1], [1]], groups: [0, 0] });
    expect(tf.memory().numTensors).toBe(before);
  });
});

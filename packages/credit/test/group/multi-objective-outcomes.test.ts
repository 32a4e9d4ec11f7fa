import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { grpoAdvantages, multiObjectiveOutcomes } from "../../src/index.js";

describe("multiObjectiveOutcomes (TRL multi_objective_aggregation, spec §2)", () => {
  const rewards = [
    [1, 0.2],
    [0, 0.4],
    [1, 0.9],
    [0, 0.1],
  ];
  const groups = [0, 0, 1, 1];

  it("sumThenNormalize: the weighted sum, then the group formula", () => {
    const { outcomes } = multiObjectiveOutcomes(rewards, groups, { weights: [1, 0.5] });
    expect(outcomes.toFlatArray()).toEqual([1.1, 0.2, 1.45, 0.05].map((x) => expect.closeTo(x, 12)));
    const a = grpoAdvantages({ rewards: outcomes, mask: [[1], [1], [1], [1]], groups }, { epsilon: 1e-4, dtype: "float64" }).advantages.toFlatArray();
    expect(a[0]).toBeCloseTo(0.45 / (Math.sqrt(0.405) + 1e-4), 9);
    // GRPO's default float32 output is that value rounded once
    const stored = grpoAdvantages({ rewards: outcomes, mask: [[1], [1], [1], [1]], groups }, { epsilon: 1e-4 }).advantages.toFlatArray();
    expect(stored).toEqual(a.map(Math.fround));
  });

  it("normalizeThenSum: per-function group z-scores, weighted", () => {
    const { outcomes } = multiObjectiveOutcomes(rewards, groups, { aggregation: "normalizeThenSum", weights: [1, 2] });
    // function 0: groups [1,0] and [1,0] → z = ±0.5/(0.7071+1e-4); function 1: [0.2,0.4] → ∓0.1/(0.1414+1e-4), [0.9,0.1] → ±0.4/(0.5657+1e-4)
    const z0 = 0.5 / (Math.SQRT1_2 + 1e-4);
    const z1a = 0.1 / (Math.sqrt(0.02) + 1e-4);
    const z1b = 0.4 / (Math.sqrt(0.32) + 1e-4);
    expect(outcomes.toFlatArray()).toEqual([z0 - 2 * z1a, -z0 + 2 * z1a, z0 + 2 * z1b, -z0 - 2 * z1b].map((x) => expect.closeTo(x, 9)));
    // TRL's last step, a batch z-score, is GRPO with one group
    const a = grpoAdvantages({ rewards: outcomes, mask: [[1], [1], [1], [1]], groups: [0, 0, 0, 0] }, { epsilon: 1e-4, dtype: "float64" }).advantages.toFlatArray();
    expect(a.reduce((x, y) => x + y, 0)).toBeCloseTo(0, 9);
  });

  it("a group of one has z = 0; errors name both lengths", () => {
    expect(multiObjectiveOutcomes([[3, 4]], ["p"], { aggregation: "normalizeThenSum" }).outcomes.toFlatArray()).toEqual([0]);
    expect(() => multiObjectiveOutcomes(rewards, groups, { weights: [1] })).toThrow(
      "multiObjectiveOutcomes: weights has 1 entries, rewards has 2 columns",
    );
    expect(() => multiObjectiveOutcomes(rewards, [0, 0])).toThrow("multiObjectiveOutcomes: groups has 2 entries, rewards has 4 rows");
    expect(() => multiObjectiveOutcomes([], [])).toThrow(/empty/);
  });
});

describe("multiObjectiveOutcomes with null rewards (TRL: None → NaN, nansum / nanmean / nanstd)", () => {
  it("sumThenNormalize skips nulls; a row where every function abstained has no outcome", () => {
    const { outcomes, outcomeList } = multiObjectiveOutcomes(
      [
        [1, null],
        [null, null],
        [0.5, 2],
      ],
      [0, 0, 0],
      { weights: [2, 1] },
    );
    expect(outcomeList).toEqual([2, null, 3]);
    expect(outcomes.toFlatArray()).toEqual([2, 0, 3]);
  });

  it("normalizeThenSum: each function's group statistics run over the rows where it gave a reward", () => {
    const { outcomeList } = multiObjectiveOutcomes(
      [
        [1, 0],
        [null, 1],
        [3, null],
        [5, 7], // another group, alone for both functions: z = 0
      ],
      ["a", "a", "a", "b"],
      { aggregation: "normalizeThenSum" },
    );
    // function 0 in group a: [1, 3] → μ 2, σ √2; function 1: [0, 1] → μ 0.5, σ √0.5
    const z0 = 1 / (Math.SQRT2 + 1e-4);
    const z1 = 0.5 / (Math.SQRT1_2 + 1e-4);
    expect(outcomeList.map((x) => (x === null ? null : Number(x.toFixed(12))))).toEqual([-z0 - z1, z1, z0, 0].map((x) => Number(x.toFixed(12))));
  });

  it("a null adds nothing: the same as leaving that function out of the row's sum (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.option(fc.double({ min: -5, max: 5, noNaN: true }), { nil: null }), fc.double({ min: -5, max: 5, noNaN: true })), { minLength: 1, maxLength: 8 }),
        (pairs) => {
          const rewards = pairs.map(([a, b]) => [a, b]);
          const { outcomeList } = multiObjectiveOutcomes(rewards, pairs.map(() => 0), { weights: [3, 1] });
          pairs.forEach(([a, b], i) => expect(outcomeList[i]).toBeCloseTo((a === null ? 0 : 3 * a) + b, 12));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("outcomeList feeds a group estimator: rows with no reward leave the statistics and get 0", () => {
    const rewards = [
      [1, null],
      [null, null],
      [0, 0],
    ];
    const { outcomeList } = multiObjectiveOutcomes(rewards, [0, 0, 0]);
    const mask = [[1], [1], [1]];
    const a = grpoAdvantages({ rewards: outcomeList, mask, groups: [0, 0, 0] }, { dtype: "float64" }).advantages.toFlatArray();
    const without = grpoAdvantages({ rewards: [1, 0], mask: [[1], [1]], groups: [0, 0] }, { dtype: "float64" }).advantages.toFlatArray();
    expect(a).toEqual([without[0], 0, without[1]]);
  });

  it("other entries are still checked: NaN and strings throw", () => {
    expect(() => multiObjectiveOutcomes([[Number.NaN, null]], [0])).toThrow(/multiObjectiveOutcomes: rewards\[0\]\[0\] is NaN/);
    expect(() => multiObjectiveOutcomes([["1" as never, null]], [0])).toThrow(/rewards\[0\]\[0\] is not a number/);
  });
});

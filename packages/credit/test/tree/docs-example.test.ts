import { describe, expect, it } from "vitest";
import {
  prefixTokenValues,
  prefixTree,
  renderPrefixTree,
  spoChainAdvantages,
  spoChainCutpoints,
  spoChainValues,
  spoTreeEdges,
  spoWhiten,
  tempoAdvantages,
} from "../../src/index.js";

// The example of docs/credit/tree.md, with the numbers it prints.
describe("docs/credit/tree.md example", () => {
  it("prints what the page says", () => {
    const tokenIds = [[5, 7, 9, 2], [5, 7, 8, -1], [5, 6, 1, 2], [5, 6, 1, 3]];
    const mask = tokenIds.map((r) => r.map((t) => (t >= 0 ? 1 : 0)));
    const groups = ["q1", "q1", "q1", "q1"];
    const forest = prefixTree({ tokenIds, rewards: [1, 1, 1, 0], mask, groups });
    expect(renderPrefixTree(forest)).toBe(
      [
        "group q1  n=4 V=0.750",
        "└─ 5  n=4 V=0.750",
        "   ├─ 7  n=2 V=1.000",
        "   │  ├─ 9 2  n=1 V=1.000",
        "   │  └─ 8  n=1 V=1.000",
        "   └─ 6 1  n=2 V=0.500",
        "      ├─ 2  n=1 V=1.000",
        "      └─ 3  n=1 V=0.000",
      ].join("\n"),
    );
    expect(prefixTokenValues(forest).valueAfter.toArray()).toEqual([
      [0.75, 1, 1, 1],
      [0.75, 1, 1, 0],
      [0.75, 0.5, 0.5, 1],
      [0.75, 0.5, 0.5, 0],
    ]);

    const tokenRewards = [[0, 0, 0, 1], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]];
    const { advantages, tdTerms } = tempoAdvantages({ tokenRewards, tokenIds, mask, groups });
    expect(advantages.toArray().map((r) => r.map((v) => +v.toFixed(6)))).toEqual([
      [0.499999, 0.999998, 0.499999, 0.499999],
      [0.499999, 0.999998, 0.499999, 0],
      [0.499999, 0, 0.499999, 1.499997],
      [-1.499997, -1.999996, -1.499997, -2.499995],
    ]);
    expect(tdTerms.toArray()).toEqual([
      [0, 0.25, 0, 0],
      [0, 0.25, 0, 0],
      [0, -0.25, 0, 0.5],
      [0, -0.25, 0, -0.5],
    ]);

    expect(
      spoTreeEdges({ parent: [-1, 0, 0, 1, 1, 2, 2], reward: [null, null, null, 1, 1, 1, 0] }).edges.map(
        (e) => `${e.parent}->${e.child}: ${e.advantage}`,
      ),
    ).toEqual(["0->1: 0.25", "0->2: -0.25", "2->5: 0.5", "2->6: -0.5"]);

    const probs = [0.95, 0.5, 0.99, 0.7, 0.97, 0.3, 0.98, 0.6];
    const cutpoints = spoChainCutpoints(probs, { interval: 2 });
    expect(Array.from(cutpoints)).toEqual([0, 4]);
    const { values } = spoChainValues(cutpoints, (c) => (c === 0 ? [0, 1, 0, 1, 0] : [1, 1, 1, 1, 0.5]));
    expect([...values]).toEqual([[0, 0.4], [4, 0.9]]);
    const spo = spoChainAdvantages({ probs, cutValues: values, score: 1 }, { interval: 2 });
    expect(spo.advantages.toFlatArray().map((v) => +v.toFixed(6))).toEqual([0, 0.5, 0, 0.5, 0, 0.1, 0, 0.1]);
    expect(spo.lossMask.toFlatArray()).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
    expect(
      spoWhiten([spo.advantages.toFlatArray()], [probs.map(() => 1)], [probs])
        .toFlatArray()
        .map((v) => +v.toFixed(6)),
    ).toEqual([0, 0.866025, 0, 0.866025, 0, -0.866025, 0, -0.866025]);
  });
});

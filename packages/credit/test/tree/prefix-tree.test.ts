import { describe, expect, it } from "vitest";
import { RLError } from "@rl/core";
import { prefixTokenValues, prefixTree, prefixTreeNodes, renderPrefixTree } from "../../src/index.js";

// spec credit.md §11 worked example (pad = -1)
const tokenIds = [
  [5, 7, 9, 2],
  [5, 7, 8, -1],
  [5, 6, 1, 2],
  [5, 6, 1, 3],
];
const rewards = [1, 1, 1, 0];

function nodeOf(forest: ReturnType<typeof prefixTree>, prefix: number[]): number {
  const nodes = prefixTreeNodes(forest);
  let cur = forest.roots[0] as number;
  for (const tok of prefix) {
    const next = nodes[cur]?.children.find((c) => nodes[c]?.token === tok);
    if (next === undefined) throw new Error(`no node for ${prefix.join(",")}`);
    cur = next;
  }
  return cur;
}

describe("prefixTree (P2T)", () => {
  const forest = prefixTree({ tokenIds, rewards });

  it("reproduces the node counts and values of spec §11", () => {
    const expected: [number[], number, number][] = [
      [[], 4, 0.75],
      [[5], 4, 0.75],
      [[5, 7], 2, 1],
      [[5, 6], 2, 0.5],
      [[5, 7, 9], 1, 1],
      [[5, 7, 8], 1, 1],
      [[5, 6, 1], 2, 0.5],
      [[5, 6, 1, 2], 1, 1],
      [[5, 6, 1, 3], 1, 0],
      [[5, 7, 9, 2], 1, 1],
    ];
    for (const [prefix, count, value] of expected) {
      const node = nodeOf(forest, prefix);
      expect(forest.count[node], prefix.join(",")).toBe(count);
      expect(forest.value[node], prefix.join(",")).toBeCloseTo(value, 12);
      expect(forest.depth[node]).toBe(prefix.length);
    }
    expect(forest.nodeCount).toBe(10); // shared prefixes merge
  });

  it("marks the branching tokens of spec §11", () => {
    const { isBranch } = prefixTokenValues(forest);
    expect(isBranch.toArray()).toEqual([
      [0, 1, 1, 0],
      [0, 1, 1, 0],
      [0, 1, 0, 1],
      [0, 1, 0, 1],
    ]);
  });

  it("gives per-token nodes and prefix values V_j, V_{j-1}", () => {
    const v = prefixTokenValues(forest);
    expect(v.valueAfter.toArray()[3]).toEqual([0.75, 0.5, 0.5, 0]);
    expect(v.valueBefore.toArray()[3]).toEqual([0.75, 0.75, 0.5, 0.5]);
    expect(v.nodeAfter.get(1, 3)).toBe(-1); // padding is outside the tree
    expect(v.valueAfter.get(1, 3)).toBe(0);
    expect(v.nodeBefore.get(0, 0)).toBe(forest.roots[0]);
    expect(v.nodeBefore.get(2, 2)).toBe(v.nodeAfter.get(2, 1));
  });

  it("exposes branch points and serialises to JSON", () => {
    const nodes = prefixTreeNodes(forest);
    const branchPoints = nodes.filter((n) => n.isBranchPoint).map((n) => n.id);
    expect(branchPoints.sort()).toEqual([nodeOf(forest, [5]), nodeOf(forest, [5, 7]), nodeOf(forest, [5, 6, 1])].sort());
    const round = JSON.parse(JSON.stringify(nodes)) as typeof nodes;
    expect(round).toEqual(nodes);
    expect(nodes[0]).toMatchObject({ parent: null, token: null, depth: 0, count: 4, group: 0 });
    expect(nodes.filter((n) => n.ends > 0).reduce((a, n) => a + n.ends, 0)).toBe(4);
  });

  it("draws the tree, merging chains without branches", () => {
    expect(renderPrefixTree(forest)).toBe(
      [
        "group 0  n=4 V=0.750",
        "└─ 5  n=4 V=0.750",
        "   ├─ 7  n=2 V=1.000",
        "   │  ├─ 9 2  n=1 V=1.000",
        "   │  └─ 8  n=1 V=1.000",
        "   └─ 6 1  n=2 V=0.500",
        "      ├─ 2  n=1 V=1.000",
        "      └─ 3  n=1 V=0.000",
      ].join("\n"),
    );
  });

  it("builds one tree per group, rows in any order", () => {
    const f = prefixTree({ tokenIds: [[1, 2], [1, 2], [1, 3], [1, 3]], rewards: [1, 0, 0, 1], groups: ["a", "b", "a", "b"] });
    expect(f.roots.length).toBe(2);
    expect(f.groupIds).toEqual(["a", "b"]);
    expect(f.count[0]).toBe(2);
    expect(f.value[0]).toBeCloseTo(0.5);
    expect(f.value[1]).toBeCloseTo(0.5);
    // rows 0 and 2 diverge at t=1 in group "a"; rows 1 and 3 in group "b"
    const v = prefixTokenValues(f);
    expect(v.valueAfter.toArray()).toEqual([
      [0.5, 1],
      [0.5, 0],
      [0.5, 0],
      [0.5, 1],
    ]);
  });

  it("identical rows share every node; a group of one is a chain without branches", () => {
    const same = prefixTree({ tokenIds: [[4, 4, 4], [4, 4, 4]], rewards: [1, 0] });
    expect(same.nodeCount).toBe(4);
    expect(prefixTokenValues(same).isBranch.toFlatArray()).toEqual([0, 0, 0, 0, 0, 0]);
    const one = prefixTree({ tokenIds: [[4, 5, 6]], rewards: [2] });
    expect(one.nodeCount).toBe(4);
    expect(prefixTokenValues(one).isBranch.toFlatArray()).toEqual([0, 0, 0]);
  });

  it("interior masks: stopAtFirst ends the path, skip walks on over valid tokens", () => {
    const batch = { tokenIds: [[1, 9, 2], [1, 8, 2]], mask: [[1, 0, 1], [1, 0, 1]], rewards: [1, 0] };
    const stop = prefixTokenValues(prefixTree(batch));
    expect(stop.nodeAfter.toArray().map((r) => r.map((n) => n >= 0))).toEqual([
      [true, false, false],
      [true, false, false],
    ]);
    const skip = prefixTree(batch, { interiorMask: "skip" });
    expect(skip.nodeCount).toBe(3); // root, 1, 1·2 (masked ids 9 / 8 are never compared)
    expect(prefixTokenValues(skip).valueAfter.toArray()).toEqual([
      [0.5, 0, 0.5],
      [0.5, 0, 0.5],
    ]);
  });

  it("handles a node with many children (Map index past 8 children)", () => {
    const rows = Array.from({ length: 20 }, (_, i) => [7, i % 12, 3]);
    const f = prefixTree({ tokenIds: rows, rewards: rows.map((_, i) => i) });
    expect(f.nodeCount).toBe(1 + 1 + 12 + 12);
    const v = prefixTokenValues(f);
    for (let i = 0; i < 20; i++) {
      const same = rows.map((_, k) => k).filter((k) => k % 12 === i % 12);
      expect(v.valueAfter.get(i, 1)).toBeCloseTo(same.reduce((a, k) => a + k, 0) / same.length, 12);
    }
  });

  it("throws clear errors", () => {
    expect(() => prefixTree({ tokenIds: [], rewards: [] })).toThrow(/prefixTree: the batch is empty/);
    expect(() => prefixTree({ tokenIds: [[1, 2]], rewards: [1, 2] })).toThrow(/rewards has 2 entries, tokenIds has 1 rows/);
    expect(() => prefixTree({ tokenIds: [[1, 2]], rewards: [1], mask: [[1, 1, 1]] })).toThrow(/mask has shape \[1,3\], tokenIds has \[1,2\]/);
    expect(() => prefixTree({ tokenIds: [[1.5]], rewards: [1] })).toThrow(/tokenIds\[0\]\[0\] is 1.5/);
    expect(() => prefixTree({ tokenIds: [[1], [2]], rewards: [1, 0], groups: [0] })).toThrow(/groups has 1 entries, tokenIds has 2 rows/);
    expect(() => prefixTree({ tokenIds: [[1]], rewards: [Number.NaN] })).toThrow(RLError);
    expect(() => prefixTree({ tokenIds: [[1]], rewards: [1] }, { interiorMask: "nope" as "skip" })).toThrow(/invalid config/);
  });
});

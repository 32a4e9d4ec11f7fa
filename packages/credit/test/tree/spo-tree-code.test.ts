import { loadConformanceCases } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { expectCloseMasked as expectClose } from "../conformance-helpers.js";
import { spoTreeEdges, type SegmentTree } from "../../src/index.js";

// Vectors of seed-repos.json: computed by AIFrameResearch/SPO @ b9fc6a26 (_construct_tree, extract_edges_from_tree).
describe("SPO-tree against the official code (conformance advantage.spoTree)", () => {
  const cases = loadConformanceCases(["advantage.spoTree"]);
  it("has the 20 cases", () => expect(cases.length).toBe(20));
  for (const c of cases) {
    it(c.id, () => {
      const a = c.args;
      const e = c.expected;
      const { edges, values, std } = spoTreeEdges(
        { parent: a.parents as number[], reward: a.leafRewards as (number | null)[] },
        { method: a.advMethod === "grpo" ? "std" : "diff", dropZero: a.onlyNonZero as boolean, prover: { weight: 0 } },
      );
      expectClose(values.toFlatArray(), e.nodeValues as number[], c.tol, undefined, `${c.id} values`);
      const wantStd = e.nodeStd as (number | null)[];
      expect(std.map((s) => s === null)).toEqual(wantStd.map((s) => s === null));
      expectClose(std.map((s) => s ?? 0), wantStd.map((s) => s ?? 0), c.tol, undefined, `${c.id} std`);
      expect(edges.map((x) => x.child)).toEqual(e.edgeNodes);
      expect(edges.map((x) => x.leaf)).toEqual(e.edgeLeaf);
      expectClose(edges.map((x) => x.advantage), e.advantages as number[], c.tol, undefined, `${c.id} advantages`);
      expectClose(edges.map((x) => x.proverAdvantage), e.proverAdvantages as number[], c.tol, undefined, `${c.id} prover`);
      expectClose(edges.map((x) => x.value), e.edgeValues as number[], c.tol, undefined, `${c.id} edge values`);
      // weight 0: the prover term is reported, not added
      edges.forEach((x) => expect(x.total).toBe(x.advantage));
    });
  }
});

describe("SPO-tree: the code's conventions, hand-worked", () => {
  // root → 1{3: 1, 4: 0}, 2 (leaf 0): V(1) = 0.5, V(root) = mean(0.5, 0) = 0.25
  const tree: SegmentTree = { parent: [-1, 0, 0, 1, 1], reward: [null, null, 0, 1, 0] };

  it("edges come in depth-first pre-order (1's subtree before 2), negatives kept", () => {
    const { edges } = spoTreeEdges(tree);
    expect(edges.map((e) => [e.parent, e.child, e.advantage])).toEqual([
      [0, 1, 0.25],
      [1, 3, 0.5],
      [1, 4, -0.5],
      [0, 2, -0.25],
    ]);
    expect(edges.map((e) => e.leaf)).toEqual([false, true, true, true]);
  });

  it("std is the population std of the children's values, null for leaves", () => {
    expect(spoTreeEdges(tree).std).toEqual([0.25, 0.5, null, null, null]);
    // "std" advantages divide by the parent's std + 1e-8: 0.25 / 0.25 ≈ 1, 0.5 / 0.5 ≈ 1
    const { edges } = spoTreeEdges(tree, { method: "std" });
    edges.forEach((e, k) => expect(e.advantage).toBeCloseTo([1, 1, -1, -1][k] as number, 6));
  });

  it("prover weight 0 reports BoK(V(c)) − BoK(V(p)) with K = 4 and leaves total = advantage", () => {
    const e = spoTreeEdges(tree, { prover: { weight: 0 } }).edges[0];
    expect(e?.proverAdvantage).toBeCloseTo(1 - 0.5 ** 4 - (1 - 0.75 ** 4), 12); // 0.9375 − 0.68359375
    expect(e?.total).toBe(0.25);
  });
});

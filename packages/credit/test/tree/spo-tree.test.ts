import { rlErrorCode } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { spoTreeEdges, spoTreeTokenAdvantages, spoTreeValues, type SegmentTree } from "../../src/index.js";

// spec credit.md §14 example 1: root → A{a1:1, a2:1}, B{b1:1, b2:0}
const tree: SegmentTree = { parent: [-1, 0, 0, 1, 1, 2, 2], reward: [null, null, null, 1, 1, 1, 0] };

// random trees: node k > 0 hangs off an earlier node; leaf rewards in {0, 0.25, …, 1}
const arbTree = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 4 })), { minLength: 1, maxLength: 30 }).map((spec) => {
  const parent = [-1];
  for (const [p] of spec) parent.push(p % parent.length);
  const hasChild = new Set(parent.filter((p) => p >= 0));
  const reward = parent.map((_, k) => (hasChild.has(k) ? null : ((spec[k - 1]?.[1] ?? 0) as number) / 4));
  return { parent, reward };
});

describe("spoTreeValues / spoTreeEdges (SPO-tree)", () => {
  it("values are means over children (spec §14 examples 1 and 3)", () => {
    expect(spoTreeValues(tree).toFlatArray()).toEqual([0.75, 1, 0.5, 1, 1, 1, 0]);
    // root → A (leaf, 1), B{1, 0, 0}: V(root) = mean(1, 1/3), not the leaf mean 0.5
    const v = spoTreeValues({ parent: [-1, 0, 0, 2, 2, 2], reward: [null, 1, null, 1, 0, 0] }).toFlatArray();
    expect(v[2]).toBeCloseTo(1 / 3, 12);
    expect(v[0]).toBeCloseTo(0.6666667, 6);
  });

  it("diff advantages, zero edges dropped (spec §14 example 1)", () => {
    const { edges } = spoTreeEdges(tree);
    expect(edges.map((e) => [e.child, e.advantage])).toEqual([
      [1, 0.25],
      [2, -0.25],
      [5, 0.5],
      [6, -0.5],
    ]);
    expect(spoTreeEdges(tree, { dropZero: false }).edges.length).toBe(6);
  });

  it("std advantages (spec §14 example 2)", () => {
    const { edges } = spoTreeEdges(tree, { method: "std" });
    expect(edges.map((e) => e.child)).toEqual([1, 2, 5, 6]);
    edges.forEach((e, k) => expect(e.advantage).toBeCloseTo([1, -1, 1, -1][k] as number, 6));
  });

  it("prover advantages (spec §14 example 3 numbers)", () => {
    const { edges } = spoTreeEdges(tree, { prover: { bestOfK: 4, weight: 5 } });
    const byChild = new Map(edges.map((e) => [e.child, e]));
    expect(byChild.get(1)?.proverAdvantage).toBeCloseTo(0.0039063, 6);
    expect(byChild.get(2)?.proverAdvantage).toBeCloseTo(-0.0585938, 6);
    expect(byChild.get(1)?.total).toBeCloseTo(0.25 + 5 * 0.00390625, 12);
    expect(spoTreeEdges(tree).edges[0]?.proverAdvantage).toBe(0);
  });

  it("single child under std gives 0 (dropped)", () => {
    const { edges } = spoTreeEdges({ parent: [-1, 0, 1, 1], reward: [null, null, 1, 0] }, { method: "std", dropZero: false });
    expect(edges.find((e) => e.child === 1)?.advantage).toBe(0);
  });

  it("diff advantages of siblings sum to 0 (property)", () => {
    fc.assert(
      fc.property(arbTree, (t) => {
        const { edges } = spoTreeEdges(t, { dropZero: false });
        const sums = new Map<number, number>();
        for (const e of edges) sums.set(e.parent, (sums.get(e.parent) ?? 0) + e.advantage);
        for (const s of sums.values()) expect(Math.abs(s)).toBeLessThanOrEqual(1e-12);
      }),
      { numRuns: 100 },
    );
  });

  it("the order is a pre-order of the same edges as by id (property)", () => {
    fc.assert(
      fc.property(arbTree, (t) => {
        const { edges } = spoTreeEdges(t, { dropZero: false });
        // every non-root node once
        expect(edges.map((e) => e.child).sort((x, y) => x - y)).toEqual(t.parent.flatMap((p, k) => (p >= 0 ? [k] : [])));
        // pre-order: each edge hangs off the current root-to-node path; siblings by increasing id
        const path = [0];
        const lastChild = new Map<number, number>();
        for (const e of edges) {
          while (path.length > 0 && path[path.length - 1] !== e.parent) path.pop();
          expect(path.length).toBeGreaterThan(0);
          expect(e.child).toBeGreaterThan(lastChild.get(e.parent) ?? -1);
          lastChild.set(e.parent, e.child);
          path.push(e.child);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("broadcasts edge totals over their segments' tokens", () => {
    const { edges } = spoTreeEdges({ parent: [-1, 0, 0], reward: [null, 1, 0] });
    const r = spoTreeTokenAdvantages(edges, [0, 2, 3]);
    expect(r.advantages.data).toBeInstanceOf(Float32Array);
    expect(r.advantages.toArray()).toEqual([
      [0.5, 0.5, 0],
      [-0.5, -0.5, -0.5],
    ]);
    expect(r.mask.toArray()).toEqual([
      [1, 1, 0],
      [1, 1, 1],
    ]);
    expect(() => spoTreeTokenAdvantages(edges, [0, 2])).toThrow(/segmentLengths has 2 entries, edge 0->2 needs entry 2/);
    expect(() => spoTreeTokenAdvantages(edges, [0, 0, 1])).toThrow(/segmentLengths\[1\] is 0/);
    expect(() => spoTreeTokenAdvantages([], [])).toThrow(/edges is empty/);
  });

  it("token advantages: default float32 output is the float64 output rounded entry by entry; dtype float64 keeps Float64Array", () => {
    // root → A{1, 0, 0}, B(leaf 1): V(A) = 1/3, V(root) = 2/3; the prover terms add (1 − 1/3)^4-type values
    const t: SegmentTree = { parent: [-1, 0, 0, 1, 1, 1], reward: [null, null, 1, 1, 0, 0] };
    const { edges } = spoTreeEdges(t, { prover: { bestOfK: 4, weight: 5 } });
    const lengths = [0, 3, 2, 1, 4, 2];
    const x = spoTreeTokenAdvantages(edges, lengths, { dtype: "float64" });
    const y = spoTreeTokenAdvantages(edges, lengths);
    expect(x.advantages.data).toBeInstanceOf(Float64Array);
    expect(x.mask.data).toBeInstanceOf(Float64Array);
    expect(y.advantages.data).toBeInstanceOf(Float32Array);
    expect(y.mask.data).toBeInstanceOf(Float32Array);
    expect(x.advantages.shape).toEqual([edges.length, 4]);
    // the float64 rows hold every edge's total exactly
    edges.forEach((e, r) => expect(x.advantages.toArray()[r]?.[0]).toBe(e.total));
    expect(edges.some((e) => Math.fround(e.total) !== e.total)).toBe(true);
    expect(y.advantages.data).toEqual(Float32Array.from(x.advantages.data));
    expect(y.mask.data).toEqual(Float32Array.from(x.mask.data));
    expect(() => spoTreeTokenAdvantages(edges, lengths, { dtype: "float16" as never })).toThrow(/spoTreeTokenAdvantages: invalid config/);
  });

  it("throws clear errors", () => {
    expect(() => spoTreeEdges({ parent: [], reward: [] })).toThrow(/spoTreeEdges: the tree is empty/);
    // A batch meant for another estimator (e.g. through assignCredit("spo-tree", …)) is an RLError, not a TypeError.
    const notATree = { tokenRewards: [[1]], mask: [[1]], groups: [0] } as never;
    expect(() => spoTreeEdges(notATree)).toThrow("spoTreeEdges: the input must be a segment tree { parent, reward } (arrays of one entry per node)");
    expect(rlErrorCode(() => spoTreeValues(null as never))).toBe("INVALID_INPUT");
    expect(() => spoTreeEdges({ parent: [-1, 0], reward: [null] })).toThrow(/reward has 1 entries, parent has 2/);
    expect(() => spoTreeEdges({ parent: [-1, 5], reward: [null, 1] })).toThrow(/parent\[1\] is 5/);
    expect(() => spoTreeEdges({ parent: [-1, 2, 1], reward: [1, 1, 1] })).toThrow(/cycle/);
    expect(() => spoTreeEdges({ parent: [-1, 0], reward: [null, null] })).toThrow(/leaf 1 needs a finite reward/);
    expect(() => spoTreeValues({ parent: [-1, 0], reward: [null, Number.NaN] })).toThrow(/spoTreeValues: reward\[1\] is NaN/);
  });
});

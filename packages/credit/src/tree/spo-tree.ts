import { z } from "zod";
import { Matrix, RLError, parseConfig, describeValue } from "@rl/core/arrays";
import { isList } from "../process/batch-checks.js";
import { outputArray, outputDtype, assertFiniteOutput } from "../output.js";
import { requireArray } from "../args.js";

/**
 * A segment tree of SPO-tree: node `k` has parent `parent[k]` (`-1` for a root; several roots =
 * several prompts). Nodes without children are leaves and need a finite `reward[k]` (a finished
 * generation, or a node at the maximum depth); the reward of an inner node is ignored (use `null`).
 */
export interface SegmentTree {
  readonly parent: ArrayLike<number>;
  readonly reward: ArrayLike<number | null>;
}

/**
 * Config of {@link spoTreeEdges} (defaults of the SPO code, AIFrameResearch/SPO @ b9fc6a26,
 * `TreeEpisodeUtils.extract_edges_from_tree`).
 * - `method` ("diff", code name "rloo"): `A = V(child) − V(parent)`; "std" (code name "grpo")
 *   divides by the population std of the sibling values plus `epsilon` (1e-8).
 * - `dropZero` (true, `only_adv_greater_than_zero`): edges whose total advantage is 0 are left out;
 *   despite the code's name, negative advantages are kept (every non-zero edge is).
 * - `prover` (false): when set, the PAV best-of-K prover advantage
 *   `BoK(V(child)) − BoK(V(parent))`, `BoK(v) = 1 − (1 − v)^bestOfK` (bestOfK 4), is added with
 *   `weight` (5): `total = A + weight · A_prover`.
 */
export const spoTreeConfig = z.object({
  method: z.enum(["diff", "std"]).default("diff"),
  dropZero: z.boolean().default(true),
  epsilon: z.number().nonnegative().default(1e-8),
  prover: z
    .union([
      z.literal(false),
      z.object({ bestOfK: z.number().int().positive().default(4), weight: z.number().default(5) }),
    ])
    .default(false),
});
/** Input type of {@link spoTreeConfig}. */
export type SpoTreeConfig = z.input<typeof spoTreeConfig>;

/** One segment (edge parent → child) of a segment tree with its advantage. */
export interface SpoTreeEdge {
  readonly parent: number;
  readonly child: number;
  /** `V(child)`. */
  readonly value: number;
  /** `V(parent)`. */
  readonly parentValue: number;
  /** Whether the child is a leaf (a finished generation; the code's `leaf`). */
  readonly leaf: boolean;
  /** `V(child) − V(parent)` ("diff") or that over `σ_pop(siblings) + ε` ("std"). */
  readonly advantage: number;
  /** `BoK(V(child)) − BoK(V(parent))` (0 when the prover is off). */
  readonly proverAdvantage: number;
  /** `advantage + weight · proverAdvantage`: the value to broadcast over the segment's tokens. */
  readonly total: number;
}

/** Result of {@link spoTreeEdges}. */
export interface SpoTreeResult {
  /** The kept edges, in the code's visiting order: depth-first pre-order from each root (roots and children by increasing id). */
  readonly edges: SpoTreeEdge[];
  /** `V` of every node `[N]`. */
  readonly values: Matrix;
  /** Population std (ddof 0) of each node's children's values `[N]` (the code's `reward_std`); `null` for a leaf. */
  readonly std: readonly (number | null)[];
}

/**
 * Node values of an SPO segment tree (SPO, arXiv:2505.23564, §SPO-tree):
 * `V(leaf) = reward(leaf)`, `V(node) = mean over its children of V(child)` — a mean over
 * children, not over descendant leaves, so an early-finished leaf weighs as much as a sibling
 * subtree (`root → A(leaf 1), B{1, 0, 0}` gives `V(root) = (1 + 1/3)/2 = 0.6667`, not 0.5).
 *
 * Throws `RLError` for an empty tree, a parent out of range, a cycle, mismatched lengths, or a
 * leaf without a finite reward.
 *
 * @example
 * spoTreeValues({ parent: [-1, 0, 0, 1, 1, 2, 2], reward: [null, null, null, 1, 1, 1, 0] }).toFlatArray();
 * // [0.75, 1, 0.5, 1, 1, 1, 0]
 * @remarks arXiv:2505.23564
 */
export function spoTreeValues(tree: SegmentTree): Matrix {
  return new Matrix(treeValues(tree, "spoTreeValues").values, [tree.parent.length]);
}

/**
 * SPO-tree segment advantages (SPO, arXiv:2505.23564): every edge (segment) of the tree gets
 * `A(e) = V(child) − V(parent)` with the values of {@link spoTreeValues}; the "diff" advantages
 * of siblings sum to 0. Edges with total 0 are dropped by default (no signal; this changes the
 * batch composition, as in the reference). A single child under "std" gives `0/ε = 0`.
 * Segments are then trained as independent episodes with `total` broadcast over their tokens.
 * As the official code (AIFrameResearch/SPO @ b9fc6a26, `_construct_tree` and
 * `extract_edges_from_tree`; checked by the conformance op `advantage.spoTree`): values are
 * means of child means, `std` is the population std, edges come in depth-first pre-order.
 * To see the code's `prover_advantage` without adding it, pass `prover: { weight: 0 }`.
 *
 * @example
 * const { edges } = spoTreeEdges({ parent: [-1, 0, 0, 1, 1, 2, 2], reward: [null, null, null, 1, 1, 1, 0] });
 * edges.map((e) => [e.child, e.advantage]); // [[1, 0.25], [2, -0.25], [5, 0.5], [6, -0.5]]
 * @remarks arXiv:2505.23564 (prover: PAV, arXiv:2410.08146)
 */
export function spoTreeEdges(tree: SegmentTree, config: SpoTreeConfig = {}): SpoTreeResult {
  const fn = "spoTreeEdges";
  const { method, dropZero, epsilon, prover } = parseConfig(spoTreeConfig, config, fn);
  const { values, children, roots } = treeValues(tree, fn);
  assertFiniteOutput(values, 1, fn, "values");
  const n = values.length;
  const bok = (v: number) => (prover === false ? 0 : 1 - (1 - v) ** prover.bestOfK);
  const std: (number | null)[] = [];
  for (let p = 0; p < n; p++) std.push(populationStd(values, children[p] as number[]));
  for (let p = 0; p < n; p++) {
    const sd = std[p];
    if (sd !== null && sd !== undefined && sd - sd !== 0) {
      throw new RLError("NON_FINITE", `${fn}: the std of node ${p}'s child values is ${sd} from finite rewards (their squares overflow); rescale the rewards`);
    }
  }
  const edges: SpoTreeEdge[] = [];
  // Pre-order walk (the code's `dfs`): a node's edge, then its children's subtrees by increasing id.
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const c = stack.pop() as number;
    const kids = children[c] as number[];
    for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k] as number);
    const p = tree.parent[c] as number;
    if (p < 0) continue;
    const vc = values[c] as number;
    const vp = values[p] as number;
    const diff = vc - vp;
    const advantage = method === "diff" ? diff : diff / ((std[p] as number) + epsilon);
    const proverAdvantage = bok(vc) - bok(vp);
    const total = advantage + (prover === false ? 0 : prover.weight * proverAdvantage);
    if (total - total !== 0) {
      throw new RLError("NON_FINITE", `${fn}: the advantage of edge ${p}->${c} is ${total} from finite rewards (values ${vp} → ${vc} overflow); rescale the rewards`);
    }
    if (dropZero && total === 0) continue;
    edges.push({ parent: p, child: c, value: vc, parentValue: vp, leaf: kids.length === 0, advantage, proverAdvantage, total });
  }
  return { edges, values: new Matrix(values, [n]), std };
}

/** Population std of the children's values; `null` without children. */
function populationStd(values: Float64Array, kids: readonly number[]): number | null {
  if (kids.length === 0) return null;
  let mu = 0;
  for (const c of kids) mu += values[c] as number;
  mu /= kids.length;
  let v = 0;
  for (const c of kids) v += ((values[c] as number) - mu) ** 2;
  return Math.sqrt(v / kids.length);
}

function treeValues(tree: SegmentTree, fn: string): { values: Float64Array; children: number[][]; roots: number[] } {
  if (typeof tree !== "object" || tree === null || !isList(tree.parent) || !isList(tree.reward)) {
    throw new RLError("INVALID_INPUT", `${fn}: the input must be a segment tree { parent, reward } (arrays of one entry per node)`);
  }
  const n = tree.parent.length;
  if (n === 0) throw new RLError("INVALID_INPUT", `${fn}: the tree is empty (parent has 0 entries)`);
  if (tree.reward.length !== n) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: reward has ${tree.reward.length} entries, parent has ${n}`);
  }
  const children: number[][] = Array.from({ length: n }, () => []);
  const roots: number[] = [];
  for (let k = 0; k < n; k++) {
    const p = tree.parent[k] as number;
    if (p === -1) roots.push(k);
    else if (!Number.isInteger(p) || p < 0 || p >= n || p === k) {
      throw new RLError("INVALID_INPUT", `${fn}: parent[${k}] is ${describeValue(p)}; expected -1 or a node id in [0, ${n - 1}] other than ${k}`);
    } else (children[p] as number[]).push(k);
  }
  // Post-order from the roots; nodes never reached sit on a cycle.
  const order: number[] = [];
  const stack = [...roots];
  while (stack.length > 0) {
    const k = stack.pop() as number;
    order.push(k);
    for (const c of children[k] as number[]) stack.push(c);
  }
  if (order.length !== n) {
    throw new RLError("INVALID_INPUT", `${fn}: parent has a cycle (${n - order.length} nodes are not reachable from a root)`);
  }
  const values = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const k = order[i] as number;
    const kids = children[k] as number[];
    if (kids.length === 0) {
      const r = tree.reward[k];
      if (typeof r !== "number" || !Number.isFinite(r)) {
        throw new RLError("INVALID_INPUT", `${fn}: reward[${k}] is ${describeValue(r)}; leaf ${k} needs a finite reward`);
      }
      values[k] = r;
    } else {
      let s = 0;
      for (const c of kids) s += values[c] as number;
      values[k] = s / kids.length;
    }
  }
  return { values, children, roots };
}

/**
 * Config of {@link spoTreeTokenAdvantages} (the per-token stage of SPO-tree).
 * - `dtype` ("float32"): storage of `advantages` and `mask` (see `outputDtype`); `"float64"` keeps
 *   every bit of the float64 arithmetic. The edges and node values ({@link spoTreeEdges},
 *   {@link spoTreeValues}) stay float64.
 */
export const spoTreeTokenConfig = z.object({
  dtype: outputDtype,
});
/** Input type of {@link spoTreeTokenConfig}. */
export type SpoTreeTokenConfig = z.input<typeof spoTreeTokenConfig>;

/** Result of {@link spoTreeTokenAdvantages}: one row per edge `[E][maxLength]`, in the config's `dtype`. */
export interface SpoTreeTokenAdvantages {
  /** The edge's `total` on each of its segment's tokens, 0 on padding. */
  readonly advantages: Matrix;
  /** 0/1: the segment's tokens. */
  readonly mask: Matrix;
}

/**
 * Broadcasts SPO-tree edge advantages over their segments' tokens: row `e` holds
 * `edges[e].total` on the first `segmentLengths[edges[e].child]` columns (the segment that ends
 * at the child node), right-padded with 0. Each row is then trained as its own episode (query =
 * the parent's text, response = the segment), as in the SPO code; an empty segment is an error
 * (the reference discards it; drop the edge first).
 *
 *   advantages[e][t] = total(e) = A(e) + weight · A_prover(e)   for t < segmentLengths[child(e)], else 0
 *
 * Defaults: `dtype` = "float32" (each row holds the float64 `total` rounded once; see
 * {@link spoTreeTokenConfig}).
 *
 * @example
 * const { edges } = spoTreeEdges({ parent: [-1, 0, 0], reward: [null, 1, 0] });
 * spoTreeTokenAdvantages(edges, [0, 2, 3]).advantages.toArray(); // [[0.5, 0.5, 0], [-0.5, -0.5, -0.5]]
 * @remarks arXiv:2505.23564
 */
export function spoTreeTokenAdvantages(
  edges: readonly SpoTreeEdge[],
  segmentLengths: ArrayLike<number>,
  config: SpoTreeTokenConfig = {},
): SpoTreeTokenAdvantages {
  const fn = "spoTreeTokenAdvantages";
  const { dtype } = parseConfig(spoTreeTokenConfig, config, fn);
  requireArray(edges, "edges", fn);
  requireArray(segmentLengths, "segmentLengths", fn);
  if (edges.length === 0) throw new RLError("INVALID_INPUT", `${fn}: edges is empty (every edge was dropped?)`);
  let width = 0;
  for (const e of edges) {
    if (typeof e !== "object" || e === null || typeof e.total !== "number" || !Number.isFinite(e.total)) {
      throw new RLError("INVALID_INPUT", `${fn}: every edge needs a finite total (an edge from spoTreeEdges), got ${typeof e === "object" && e !== null ? describeValue(e.total) : describeValue(e)}`);
    }
    if (typeof e.child !== "number" || !Number.isInteger(e.child) || e.child < 0) {
      throw new RLError("INVALID_INPUT", `${fn}: an edge's child is ${describeValue(e.child)}; expected a node id (an edge from spoTreeEdges)`);
    }
    const len = segmentLengths[e.child];
    if (len === undefined) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: segmentLengths has ${segmentLengths.length} entries, edge ${e.parent}->${e.child} needs entry ${e.child}`);
    }
    if (typeof len !== "number" || !Number.isInteger(len) || len <= 0) {
      throw new RLError("INVALID_INPUT", `${fn}: segmentLengths[${e.child}] is ${describeValue(len)}; a segment needs a positive integer length`);
    }
    if (len > width) width = len;
  }
  if (edges.length * width > 2 ** 31 - 1) {
    throw new RLError("INVALID_INPUT", `${fn}: ${edges.length} edges × the longest segment (${width} tokens) is too large an output`);
  }
  const adv = outputArray(edges.length * width, dtype);
  const mask = outputArray(edges.length * width, dtype);
  edges.forEach((e, r) => {
    const len = segmentLengths[e.child] as number;
    adv.fill(e.total, r * width, r * width + len);
    mask.fill(1, r * width, r * width + len);
  });
  assertFiniteOutput(adv, width, fn, "advantages");
  return { advantages: new Matrix(adv, [edges.length, width]), mask: new Matrix(mask, [edges.length, width]) };
}

import { z } from "zod";
import { Matrix, RLError, assertMask, assertSameShape, indexGroups, parseConfig, toMatrix2D, toVector, type GroupIds, type GroupIndex, type MatrixLike } from "@rl/core/arrays";
import { renamedField, rowRewardsOf } from "../batch-fields.js";

/**
 * Config of {@link prefixTree}.
 * - `interiorMask`: what a `mask = 0` token inside a row does. `"stopAtFirst"` (default, the TEMPO
 *   reference) ends the row's path at its first masked token: later tokens are not in the tree.
 *   `"skip"` leaves masked tokens out and keeps walking, so the row's path is its valid tokens.
 */
export const prefixTreeConfig = z.object({
  interiorMask: z.enum(["stopAtFirst", "skip"]).default("stopAtFirst"),
});
/** Input type of {@link prefixTreeConfig}. */
export type PrefixTreeConfig = z.input<typeof prefixTreeConfig>;

/** Input of {@link prefixTree}. */
export interface PrefixTreeBatch {
  /** Token ids `[B][T]` (integers; the value at a masked position is never read, e.g. `-1` padding). */
  readonly tokenIds?: MatrixLike;
  /** @deprecated use `tokenIds` (accepted for one release; must agree with `tokenIds` if both are given). */
  readonly responses?: MatrixLike;
  /** One reward `s_b` per row `[B]` (usually the sequence reward); required (or its deprecated name `outcomes`). */
  readonly rewards?: MatrixLike;
  /** @deprecated use `rewards` (accepted for one release; must agree with `rewards` if both are given). */
  readonly outcomes?: MatrixLike;
  /** 0/1 mask `[B][T]`. Default: `tokenIds[b][t] >= 0` (the `-1` padding of `rolloutGroupsToBatch`). */
  readonly mask?: MatrixLike;
  /** Prompt id of every row; rows with equal ids form one tree. Default: one group. */
  readonly groups?: GroupIds;
}

/**
 * A prefix forest: one trie per group, stored flat in typed arrays (node `k` is entry `k` of
 * every per-node array). Node `g < groupIds.length` is the root (empty prefix) of group `g`.
 * Serialise it with {@link prefixTreeNodes}; draw it with {@link renderPrefixTree}.
 */
export interface PrefixForest {
  /** Rows `B` and columns `T` of the batch it was built from. */
  readonly rows: number;
  readonly cols: number;
  /** Number of nodes (roots included). */
  readonly nodeCount: number;
  /** Parent node, `-1` for a root. */
  readonly parent: Int32Array;
  /** Token id on the edge into the node, `-1` for a root. */
  readonly token: Int32Array;
  /** Prefix length: 0 for a root, `t + 1` for the node of `y_{≤t}`. */
  readonly depth: Int32Array;
  /** `|D(s)|`: rows whose path goes through the node. */
  readonly count: Int32Array;
  /** `Σ_{i∈D(s)} s_i` (float64). */
  readonly sum: Float64Array;
  /** `V(s) = sum / count`: the mean outcome of the rows through the node. */
  readonly value: Float64Array;
  /** Rows whose path ends at the node. */
  readonly ends: Int32Array;
  /** Group index of the node. */
  readonly group: Int32Array;
  /** Root node of every group index (equal to the index). */
  readonly roots: Int32Array;
  /** Group id (as given) of every group index. */
  readonly groupIds: readonly (string | number)[];
  /** Group index of every row. */
  readonly rowGroup: Int32Array;
  /** Flat `[B*T]`: node of `y_{≤t}` for every token in the tree, `-1` for tokens outside it. */
  readonly nodeAfter: Int32Array;
}

/**
 * Prefix-to-Tree (P2T; TEMPO, arXiv:2509.18314): the trie of each group's responses. Shared
 * prefixes merge into one node; each node carries the number of rows through it and their mean
 * outcome, the nonparametric prefix value
 *
 *   V(s) = (1/|D(s)|) Σ_{i∈D(s)} s_i,   D(s) = rows whose valid prefix starts with s,
 *
 * with `V(root) = μ_g`. A token `t` of row `i` is a branching token when
 * `|D(y_{≤t})| < |D(y_{<t})|`.
 *
 * Built in O(total valid tokens): children are linked lists (a Map once a node has more than 8).
 * Only valid tokens are compared (padding ids are never read). Identical rows share every node;
 * a group of one is a single chain. Edge cases: an empty batch, mismatched shapes, non-integer
 * token ids and non-finite outcomes throw an `RLError`; a row with no valid token ends at its root.
 *
 * @example
 * const forest = prefixTree({
 *   tokenIds: [[5, 7, 9, 2], [5, 7, 8, -1], [5, 6, 1, 2], [5, 6, 1, 3]],
 *   rewards: [1, 1, 1, 0],
 * });
 * forest.value[forest.nodeAfter[1] as number]; // V(5,7) = 1
 * @remarks arXiv:2509.18314 (TEMPO, §P2T)
 */
export function prefixTree(batch: PrefixTreeBatch, config: PrefixTreeConfig = {}): PrefixForest {
  const fn = "prefixTree";
  const { interiorMask } = parseConfig(prefixTreeConfig, config, fn);
  if (typeof batch !== "object" || batch === null) throw new RLError("INVALID_INPUT", `${fn}: batch must be { tokenIds, rewards, mask?, groups? }`);
  const responses = toMatrix2D(tokenIdsOf(batch, fn), "tokenIds", fn, { finite: false }); // ids checked where valid
  if (responses.rows === 0) throw new RLError("INVALID_INPUT", `${fn}: the batch is empty (tokenIds has 0 rows)`);
  const rowRewards = rowRewardsOf<MatrixLike>(batch, fn);
  if (rowRewards === undefined) throw new RLError("INVALID_INPUT", `${fn}: rewards (one per row, [B]) is required`);
  const outcomes = toVector(rowRewards, "rewards", fn);
  if (outcomes.size !== responses.rows) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: rewards has ${outcomes.size} entries, tokenIds has ${responses.rows} rows`);
  }
  let mask: Matrix;
  if (batch.mask === undefined) {
    mask = responses.map((v) => (v >= 0 ? 1 : 0));
  } else {
    mask = toMatrix2D(batch.mask, "mask", fn, { finite: false }); // assertMask rejects non-finite
    assertSameShape({ tokenIds: responses, mask }, fn);
    assertMask(mask, "mask", fn);
  }
  const groups = indexGroups(batch.groups, responses.rows, { fn, rowsName: "tokenIds", optional: true });
  return buildPrefixForest(responses, mask, outcomes.data, groups, interiorMask === "skip", fn);
}

/**
 * Builds the forest from validated inputs (shared by {@link prefixTree} and TEMPO). Rows with
 * `skipRow[b] = 1` are left out (a root no row reaches has count 0 and value 0).
 * @remarks internal
 */
export function buildPrefixForest(
  responses: Matrix,
  mask: Matrix,
  outcomes: ArrayLike<number>,
  groups: GroupIndex,
  skipInteriorMask: boolean,
  fn: string,
  skipRow?: Uint8Array,
): PrefixForest {
  const B = responses.rows;
  const T = responses.cols;
  const G = groups.ids.length;
  const ids = responses.data;
  const m = mask.data;
  let valid = 0;
  for (let k = 0; k < m.length; k++) if ((m[k] as number) !== 0) valid++;
  const maxNodes = G + valid;

  const parent = new Int32Array(maxNodes);
  const token = new Int32Array(maxNodes);
  const depth = new Int32Array(maxNodes);
  const count = new Int32Array(maxNodes);
  const sum = new Float64Array(maxNodes);
  const ends = new Int32Array(maxNodes);
  const group = new Int32Array(maxNodes);
  const roots = new Int32Array(G);
  for (let g = 0; g < G; g++) {
    roots[g] = g;
    parent[g] = -1;
    token[g] = -1;
    group[g] = g;
  }
  let nodeCount = G;

  // Children as linked lists (firstChild / nextSibling; 0 = none, since a root is never a child):
  // nodes of one path are created consecutively, so walks stay cache-friendly. A node with more
  // than BIG children also gets a Map from token to child, keeping a lookup O(1).
  const firstChild = new Int32Array(maxNodes);
  const nextSibling = new Int32Array(maxNodes);
  const childCount = new Int32Array(maxNodes);
  const big = new Map<number, Map<number, number>>();
  const nodeAfter = new Int32Array(B * T).fill(-1);

  for (let b = 0; b < B; b++) {
    if (skipRow !== undefined && skipRow[b] === 1) continue;
    const g = groups.of[b] as number;
    const s = outcomes[b] as number;
    let node = roots[g] as number;
    count[node] = (count[node] as number) + 1;
    sum[node] = (sum[node] as number) + s;
    const base = b * T;
    let fresh = false;
    for (let t = 0; t < T; t++) {
      if ((m[base + t] as number) === 0) {
        if (skipInteriorMask) continue;
        break;
      }
      const v = ids[base + t] as number;
      const tok = v | 0;
      if (tok !== v) {
        throw new RLError("INVALID_INPUT", `${fn}: tokenIds[${b}][${t}] is ${v}; token ids must be 32-bit integers`);
      }
      let child = 0;
      if (!fresh) {
        const nKids = childCount[node] as number;
        if (nKids > BIG) {
          child = (big.get(node) as Map<number, number>).get(tok) ?? 0;
        } else {
          child = firstChild[node] as number;
          while (child !== 0 && token[child] !== tok) child = nextSibling[child] as number;
        }
        if (child !== 0) {
          count[child] = (count[child] as number) + 1;
          sum[child] = (sum[child] as number) + s;
        }
      }
      if (child === 0) {
        // A new node; below a node this row created, every later node is new too (no lookup).
        const nKids = fresh ? 0 : (childCount[node] as number);
        child = nodeCount++;
        parent[child] = node;
        token[child] = tok;
        depth[child] = (depth[node] as number) + 1;
        group[child] = g;
        count[child] = 1;
        sum[child] = s;
        nextSibling[child] = firstChild[node] as number;
        firstChild[node] = child;
        childCount[node] = nKids + 1;
        if (nKids + 1 > BIG) indexChildren(big, node, firstChild, nextSibling, token);
        fresh = true;
      }
      nodeAfter[base + t] = child;
      node = child;
    }
    ends[node] = (ends[node] as number) + 1;
  }

  const value = new Float64Array(nodeCount);
  for (let k = 0; k < nodeCount; k++) value[k] = count[k] === 0 ? 0 : (sum[k] as number) / (count[k] as number);
  return {
    rows: B,
    cols: T,
    nodeCount,
    parent: parent.subarray(0, nodeCount),
    token: token.subarray(0, nodeCount),
    depth: depth.subarray(0, nodeCount),
    count: count.subarray(0, nodeCount),
    sum: sum.subarray(0, nodeCount),
    value,
    ends: ends.subarray(0, nodeCount),
    group: group.subarray(0, nodeCount),
    roots,
    groupIds: groups.ids,
    rowGroup: groups.of,
    nodeAfter,
  };
}

const BIG = 8;

function indexChildren(
  big: Map<number, Map<number, number>>,
  node: number,
  firstChild: Int32Array,
  nextSibling: Int32Array,
  token: Int32Array,
): void {
  let map = big.get(node);
  if (map === undefined) {
    map = new Map();
    big.set(node, map);
    for (let c = firstChild[node] as number; c !== 0; c = nextSibling[c] as number) map.set(token[c] as number, c);
  } else {
    const c = firstChild[node] as number;
    map.set(token[c] as number, c);
  }
}

/** `tokenIds`, or its deprecated name `responses` (both given: they must agree). */
export function tokenIdsOf(batch: { readonly tokenIds?: MatrixLike; readonly responses?: MatrixLike }, fn: string): MatrixLike {
  const ids = renamedField<MatrixLike>(batch, "tokenIds", "responses", fn);
  if (ids === undefined) throw new RLError("INVALID_INPUT", `${fn}: tokenIds (token ids [B][T]) is required`);
  return ids;
}

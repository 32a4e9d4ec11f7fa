import { checkForest } from "./check-forest.js";
import { Matrix } from "@rl/core/arrays";
import type { PrefixForest } from "./prefix-tree.js";

/** Per-token views of a {@link PrefixForest}, every one `[B][T]`. */
export interface PrefixTokenValues {
  /** Node of `y_{≤t}` (`-1` for tokens outside the tree: padding, or after an interior mask). */
  readonly nodeAfter: Matrix;
  /** Node of `y_{<t}` (the parent of `nodeAfter`; `-1` outside the tree). */
  readonly nodeBefore: Matrix;
  /** `V(y_{≤t})` = TEMPO's `V_j` (0 outside the tree). */
  readonly valueAfter: Matrix;
  /** `V(y_{<t})` = TEMPO's `V_{j−1}`, `μ_g` at `t = 0` (0 outside the tree). */
  readonly valueBefore: Matrix;
  /** 1 where the token is a branching token, `|D(y_{≤t})| < |D(y_{<t})|`, else 0. */
  readonly isBranch: Matrix;
}

/**
 * Per-token node ids and prefix values of every row of a {@link PrefixForest}: the node and
 * value of the prefix before and after each token, and the branching-token indicator.
 * Tokens outside the tree (mask 0, or after the first interior mask under `"stopAtFirst"`)
 * get node `-1`, values 0 and `isBranch` 0.
 *
 * @example
 * const forest = prefixTree({ tokenIds: [[5, 7], [5, 8]], rewards: [1, 0] });
 * prefixTokenValues(forest).valueAfter.toArray(); // [[0.5, 1], [0.5, 0]]
 * prefixTokenValues(forest).isBranch.toArray();   // [[0, 1], [0, 1]]
 * @remarks arXiv:2509.18314 (TEMPO, §P2T)
 */
export function prefixTokenValues(forest: PrefixForest): PrefixTokenValues {
  checkForest(forest, "prefixTokenValues");
  const n = forest.rows * forest.cols;
  const shape = [forest.rows, forest.cols];
  const after = new Float64Array(n);
  const before = new Float64Array(n);
  const vAfter = new Float64Array(n);
  const vBefore = new Float64Array(n);
  const branch = new Float64Array(n);
  const { nodeAfter, parent, value, count } = forest;
  for (let k = 0; k < n; k++) {
    const node = nodeAfter[k] as number;
    if (node < 0) {
      after[k] = -1;
      before[k] = -1;
      continue;
    }
    const p = parent[node] as number;
    after[k] = node;
    before[k] = p;
    vAfter[k] = value[node] as number;
    vBefore[k] = value[p] as number;
    branch[k] = (count[node] as number) < (count[p] as number) ? 1 : 0;
  }
  return {
    nodeAfter: new Matrix(after, shape),
    nodeBefore: new Matrix(before, shape),
    valueAfter: new Matrix(vAfter, shape),
    valueBefore: new Matrix(vBefore, shape),
    isBranch: new Matrix(branch, shape),
  };
}


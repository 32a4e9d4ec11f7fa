import type { PrefixForest } from "./prefix-tree.js";
import { RLError, describeValue } from "@rl/core/arrays";
import { requireObject } from "../args.js";
import { checkForest, checkForestNodes } from "./check-forest.js";

/** One node of a prefix tree as plain, JSON-serialisable data. */
export interface PrefixTreeNode {
  /** Node id (index into the forest's arrays). */
  readonly id: number;
  /** Parent id, `null` for a root. */
  readonly parent: number | null;
  /** Token id on the edge into the node, `null` for a root. */
  readonly token: number | null;
  /** Prefix length (0 for a root). */
  readonly depth: number;
  /** Rows through the node. */
  readonly count: number;
  /** Mean outcome of those rows, `V(s)`. */
  readonly value: number;
  /** Rows whose path ends here. */
  readonly ends: number;
  /** Group id (as given to `prefixTree`). */
  readonly group: string | number;
  /** Child ids in creation order. */
  readonly children: readonly number[];
  /** True when some child holds fewer rows than the node: the responses diverge (or end) here. */
  readonly isBranchPoint: boolean;
}

/**
 * The nodes of a {@link PrefixForest} as plain objects (for JSON, inspection and drawing),
 * in id order; roots first. Branch points are the nodes where responses diverge or end while
 * others continue.
 *
 * @example
 * const nodes = prefixTreeNodes(prefixTree({ tokenIds: [[5, 7], [5, 8]], rewards: [1, 0] }));
 * nodes.filter((n) => n.isBranchPoint).map((n) => n.token); // [5]
 * JSON.stringify(nodes); // serialisable
 * @remarks arXiv:2509.18314 (TEMPO, §P2T)
 */
export function prefixTreeNodes(forest: PrefixForest): PrefixTreeNode[] {
  checkForest(forest, "prefixTreeNodes");
  checkForestNodes(forest, "prefixTreeNodes");
  const children: number[][] = Array.from({ length: forest.nodeCount }, () => []);
  for (let k = 0; k < forest.nodeCount; k++) {
    const p = forest.parent[k] as number;
    if (p >= 0) (children[p] as number[]).push(k);
  }
  const nodes: PrefixTreeNode[] = [];
  for (let k = 0; k < forest.nodeCount; k++) {
    const kids = children[k] as number[];
    const count = forest.count[k] as number;
    const p = forest.parent[k] as number;
    nodes.push({
      id: k,
      parent: p >= 0 ? p : null,
      token: p >= 0 ? (forest.token[k] as number) : null,
      depth: forest.depth[k] as number,
      count,
      value: forest.value[k] as number,
      ends: forest.ends[k] as number,
      group: forest.groupIds[forest.group[k] as number] as string | number,
      children: kids,
      isBranchPoint: kids.some((c) => (forest.count[c] as number) < count),
    });
  }
  return nodes;
}

/** Options of {@link renderPrefixTree}. */
export interface RenderPrefixTreeOptions {
  /** Draw only this group id. Default: every group. */
  readonly group?: string | number;
  /** Turns a token id into text. Default `String`. */
  readonly decode?: (token: number) => string;
  /** Digits of the values. Default 3. */
  readonly digits?: number;
}

/**
 * Draws a {@link PrefixForest} as text, one line per run of tokens without a branch (chains of
 * single children holding the same rows are merged), with the row count `n` and value `V`:
 *
 * ```
 * group 0  n=4 V=0.750
 * └─ 5  n=4 V=0.750
 *    ├─ 7  n=2 V=1.000
 *    │  ├─ 9 2  n=1 V=1.000
 *    │  └─ 8  n=1 V=1.000
 *    └─ 6 1  n=2 V=0.500
 *       ├─ 2  n=1 V=1.000
 *       └─ 3  n=1 V=0.000
 * ```
 *
 * @example
 * console.log(renderPrefixTree(prefixTree({ tokenIds: [[5, 7], [5, 8]], rewards: [1, 0] })));
 * @remarks arXiv:2509.18314 (TEMPO, §P2T)
 */
export function renderPrefixTree(forest: PrefixForest, options: RenderPrefixTreeOptions = {}): string {
  requireObject(options, "options", "renderPrefixTree");
  const decode = options.decode ?? String;
  const digits = options.digits ?? 3;
  if (typeof digits !== "number" || !Number.isInteger(digits) || digits < 0 || digits > 100) {
    throw new RLError("INVALID_CONFIG", `renderPrefixTree: digits must be an integer in [0, 100], got ${describeValue(digits)}`);
  }
  if (typeof decode !== "function") throw new RLError("INVALID_CONFIG", `renderPrefixTree: decode must be a function, got ${describeValue(decode)}`);
  const nodes = prefixTreeNodes(forest);
  const lines: string[] = [];
  const label = (id: number) => {
    const n = nodes[id] as PrefixTreeNode;
    return `n=${n.count} V=${n.value.toFixed(digits)}`;
  };
  const walk = (id: number, prefix: string, last: boolean) => {
    const tokens: string[] = [];
    let cur = id;
    tokens.push(decode((nodes[cur] as PrefixTreeNode).token as number));
    for (;;) {
      const n = nodes[cur] as PrefixTreeNode;
      const only = n.children.length === 1 ? (nodes[n.children[0] as number] as PrefixTreeNode) : undefined;
      if (only === undefined || only.count !== n.count) break;
      cur = only.id;
      tokens.push(decode(only.token as number));
    }
    lines.push(`${prefix}${last ? "└─ " : "├─ "}${tokens.join(" ")}  ${label(cur)}`);
    const kids = (nodes[cur] as PrefixTreeNode).children;
    kids.forEach((c, i) => walk(c, prefix + (last ? "   " : "│  "), i === kids.length - 1));
  };
  for (let g = 0; g < forest.roots.length; g++) {
    const id = forest.groupIds[g] as string | number;
    if (options.group !== undefined && options.group !== id) continue;
    const root = forest.roots[g] as number;
    lines.push(`group ${typeof id === "string" || typeof id === "number" ? String(id) : describeValue(id)}  ${label(root)}`);
    const kids = (nodes[root] as PrefixTreeNode).children;
    kids.forEach((c, i) => walk(c, "", i === kids.length - 1));
  }
  return lines.join("\n");
}

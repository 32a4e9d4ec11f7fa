// Internal: not exported from the package index (tree/index.ts lists its modules explicitly).
import { RLError, describeValue } from "@rl/core/arrays";
import type { PrefixForest } from "./prefix-tree.js";

/**
 * Checks that `forest` is a consistent {@link PrefixForest} (as `prefixTree` builds it) before any
 * loop runs over it: `rows`/`cols` non-negative integers with `nodeAfter` of `rows·cols` entries,
 * and every node index in range. A hand-edited forest with `rows: -1, cols: -2^31` once looped for
 * 2^31 iterations.
 * @internal
 */
export function checkForest(forest: PrefixForest, fn: string): void {
  if (typeof forest !== "object" || forest === null) throw new RLError("INVALID_INPUT", `${fn}: forest must be a PrefixForest (from prefixTree)`);
  const { rows, cols, nodeCount, nodeAfter, parent, value, count } = forest;
  for (const [name, v] of [["rows", rows], ["cols", cols], ["nodeCount", nodeCount]] as const) {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new RLError("INVALID_INPUT", `${fn}: forest.${name} must be a non-negative integer, got ${describeValue(v)}`);
  }
  for (const [name, a] of [["nodeAfter", nodeAfter], ["parent", parent], ["value", value], ["count", count]] as const) {
    if (!ArrayBuffer.isView(a)) throw new RLError("INVALID_INPUT", `${fn}: forest.${name} must be a typed array (from prefixTree)`);
  }
  if (nodeAfter.length !== rows * cols) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: forest.nodeAfter has ${nodeAfter.length} entries, rows·cols is ${rows * cols}`);
  }
  if (parent.length < nodeCount || value.length < nodeCount || count.length < nodeCount) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: forest.parent/value/count must hold nodeCount (${nodeCount}) entries`);
  }
  for (let k = 0; k < nodeAfter.length; k++) {
    const node = nodeAfter[k] as number;
    if (node >= nodeCount) throw new RLError("INVALID_INPUT", `${fn}: forest.nodeAfter[${k}] is ${node}; the forest has ${nodeCount} nodes`);
    if (node >= 0) {
      const p = parent[node] as number;
      if (!(p >= 0 && p < nodeCount)) throw new RLError("INVALID_INPUT", `${fn}: forest.parent[${node}] is ${p}; the forest has ${nodeCount} nodes`);
    }
  }
}

/**
 * The node fields that {@link checkForest} does not read, checked for the functions that list or
 * draw every node (`prefixTreeNodes`, `renderPrefixTree`): typed arrays of `nodeCount` entries,
 * `roots` one in-range node per entry of `groupIds`, and `group` an index into `groupIds`.
 */
export function checkForestNodes(forest: PrefixForest, fn: string): void {
  const { nodeCount, token, depth, ends, group, roots, groupIds } = forest;
  for (const [name, a] of [["token", token], ["depth", depth], ["ends", ends], ["group", group], ["roots", roots]] as const) {
    if (!ArrayBuffer.isView(a)) throw new RLError("INVALID_INPUT", `${fn}: forest.${name} must be a typed array (from prefixTree), got ${describeValue(a)}`);
  }
  if (token.length < nodeCount || depth.length < nodeCount || ends.length < nodeCount || group.length < nodeCount) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: forest.token/depth/ends/group must hold nodeCount (${nodeCount}) entries`);
  }
  if (!Array.isArray(groupIds)) throw new RLError("INVALID_INPUT", `${fn}: forest.groupIds must be an array, got ${describeValue(groupIds)}`);
  if (roots.length !== groupIds.length) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: forest.roots has ${roots.length} entries, forest.groupIds has ${groupIds.length}`);
  }
  for (let g = 0; g < roots.length; g++) {
    const r = roots[g] as number;
    if (!(r >= 0 && r < nodeCount)) throw new RLError("INVALID_INPUT", `${fn}: forest.roots[${g}] is ${r}; the forest has ${nodeCount} nodes`);
  }
  for (let k = 0; k < nodeCount; k++) {
    const g = group[k] as number;
    if (!(g >= 0 && g < groupIds.length)) throw new RLError("INVALID_INPUT", `${fn}: forest.group[${k}] is ${g}; the forest has ${groupIds.length} groups`);
  }
}

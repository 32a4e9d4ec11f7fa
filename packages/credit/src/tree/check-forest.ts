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

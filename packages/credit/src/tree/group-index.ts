import { RLError } from "@rl/core/arrays";

/** Group ids of a batch: `groups[b]` is the prompt id of row `b`; equal ids form a group. */
export type GroupIds = readonly (string | number)[];

/** Rows of a batch mapped to dense group indices (in order of first appearance). */
export interface GroupIndex {
  /** The distinct group ids, indexed by group index. */
  readonly ids: readonly (string | number)[];
  /** Group index of every row. */
  readonly of: Int32Array;
  /** Number of rows of every group. */
  readonly size: Int32Array;
}

/**
 * Maps group ids to dense indices; `undefined` puts every row in one group.
 * Throws `SHAPE_MISMATCH` when `groups` does not have one entry per row.
 * @remarks internal helper of the tree and segment estimators; no paper
 */
export function indexGroups(groups: GroupIds | undefined, rows: number, fn: string, rowsName: string): GroupIndex {
  const of = new Int32Array(rows);
  if (groups === undefined) {
    const size = new Int32Array(rows > 0 ? 1 : 0);
    if (rows > 0) size[0] = rows;
    return { ids: rows > 0 ? [0] : [], of, size };
  }
  if (groups.length !== rows) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: groups has ${groups.length} entries, ${rowsName} has ${rows} rows`);
  }
  const byId = new Map<string | number, number>();
  const ids: (string | number)[] = [];
  const counts: number[] = [];
  for (let b = 0; b < rows; b++) {
    const id = groups[b] as string | number;
    if (typeof id !== "string" && !(typeof id === "number" && Number.isFinite(id))) {
      throw new RLError("INVALID_INPUT", `${fn}: groups[${b}] is ${String(id)}; expected a string or a finite number`);
    }
    let g = byId.get(id);
    if (g === undefined) {
      g = ids.length;
      byId.set(id, g);
      ids.push(id);
      counts.push(0);
    }
    of[b] = g;
    counts[g] = (counts[g] as number) + 1;
  }
  return { ids, of, size: Int32Array.from(counts) };
}

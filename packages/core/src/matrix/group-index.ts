import { RLError } from "../errors.js";
import { describeValue } from "../validate.js";

/** Group ids of a batch: `groups[b]` is the prompt id of row `b`; rows with equal ids form a group. */
export type GroupIds = readonly (string | number)[];

/**
 * Rows of a batch mapped to dense group indices, in order of first appearance (what
 * {@link indexGroups} returns).
 */
export interface GroupIndex {
  /** The distinct group ids, indexed by group index. */
  readonly ids: readonly (string | number)[];
  /** Group index of every row; −1 for a row left out by `skip`. */
  readonly of: Int32Array;
  /** Number of (not skipped) rows of every group. */
  readonly sizes: Int32Array;
  /** Number of groups (`ids.length`). */
  readonly count: number;
}

/** Options of {@link indexGroups}. */
export interface IndexGroupsOptions {
  /** Name of the calling function, for error messages (default `"indexGroups"`). */
  readonly fn?: string;
  /** Name of the argument that fixed the number of rows, for error messages (default `"the batch"`). */
  readonly rowsName?: string;
  /** `groups` may be undefined: every row is then in one group (default false: it is required). */
  readonly optional?: boolean;
  /** `skip[b] = 1` leaves row b out of every group (`of[b] = −1`), e.g. an unscored row. */
  readonly skip?: Uint8Array | undefined;
}

/**
 * Indexes a batch's group ids: dense group indices in order of first appearance, the group of
 * every row and the size of every group. The one group index of the library: every group
 * estimator, selection and step-level function of `@rl/credit` reads its groups through it.
 *
 *   of[b] = g  where ids[g] = groups[b]        sizes[g] = #{b : of[b] = g}
 *
 * Ids are strings or finite numbers and compare with `Map` semantics (`1` and `"1"` differ).
 * Throws `RLError` (`INVALID_INPUT`) for a missing `groups` (unless `optional`) or a bad id, and
 * `SHAPE_MISMATCH` naming both lengths when `groups` does not have one entry per row.
 *
 * @example
 * const index = indexGroups(["a", "b", "a", "c"], 4);
 * index.ids; // ["a", "b", "c"]
 * Array.from(index.of); // [0, 1, 0, 2]
 * Array.from(index.sizes); // [2, 1, 1]
 */
export function indexGroups(groups: unknown, rows: number, options: IndexGroupsOptions = {}): GroupIndex {
  if (options === null || typeof options !== "object") {
    throw new RLError("INVALID_CONFIG", `indexGroups: options must be an object { fn, rowsName, optional, skip }, got ${describeValue(options)}`);
  }
  const fn = options.fn ?? "indexGroups";
  if (!Number.isSafeInteger(rows) || rows < 0) {
    throw new RLError("INVALID_INPUT", `${fn}: the number of rows must be a non-negative integer, got ${describeValue(rows)}`);
  }
  const rowsName = options.rowsName ?? "the batch";
  const skip = options.skip;
  const of = new Int32Array(rows);
  if (groups === undefined && options.optional === true) {
    let n = 0;
    for (let b = 0; b < rows; b++) {
      if (skip !== undefined && skip[b] === 1) of[b] = -1;
      else n++;
    }
    const one = rows > 0;
    return { ids: one ? [0] : [], of, sizes: one ? Int32Array.of(n) : new Int32Array(0), count: one ? 1 : 0 };
  }
  if (!Array.isArray(groups)) {
    throw new RLError("INVALID_INPUT", `${fn}: groups is required (one prompt id per row, number or string)`);
  }
  const list = groups as GroupIds;
  if (list.length !== rows) throw new RLError("SHAPE_MISMATCH", `${fn}: groups has ${list.length} entries, ${rowsName} has ${rows} rows`);
  const byId = new Map<string | number, number>();
  // Small non-negative integer ids (the usual prompt index) are looked up in a table instead of
  // the Map: `table[id] = g + 1`, 0 for an id not seen yet. Every such id goes through the table,
  // so the two never hold the same id.
  const table = new Int32Array(Math.min(4 * rows, 1 << 20));
  const ids: (string | number)[] = [];
  let sizes = new Int32Array(Math.min(rows, 16));
  for (let b = 0; b < rows; b++) {
    const id = list[b];
    if (typeof id !== "string" && !(typeof id === "number" && Number.isFinite(id))) {
      throw new RLError("INVALID_INPUT", `${fn}: groups[${b}] is ${describeValue(id)}; expected a string or a finite number`);
    }
    if (skip !== undefined && skip[b] === 1) {
      of[b] = -1;
      continue;
    }
    const small = typeof id === "number" && id >= 0 && id < table.length && Number.isInteger(id);
    let g = small ? (table[id] as number) - 1 : byId.get(id);
    if (g === undefined || g < 0) {
      g = ids.length;
      if (small) table[id] = g + 1;
      else byId.set(id, g);
      ids.push(id);
      if (g === sizes.length) {
        const grown = new Int32Array(Math.min(rows, 2 * sizes.length));
        grown.set(sizes);
        sizes = grown;
      }
    }
    of[b] = g;
    sizes[g] = (sizes[g] as number) + 1;
  }
  return { ids, of, sizes: sizes.slice(0, ids.length), count: ids.length };
}

/**
 * The rows of every group of `index`, in row order: `members[g]` lists the rows b with
 * `of[b] = g` (skipped rows are in none).
 *
 * @example
 * groupMembers(indexGroups([7, 3, 7], 3)); // [[0, 2], [1]]
 */
export function groupMembers(index: GroupIndex): number[][] {
  if (
    index === null ||
    typeof index !== "object" ||
    !(index.of instanceof Int32Array) ||
    !Number.isSafeInteger(index.count) ||
    index.count < 0 ||
    index.of.some((g) => g >= index.count)
  ) {
    throw new RLError("INVALID_INPUT", `groupMembers: index must be what indexGroups returns ({ ids, of, sizes, count }), got ${describeValue(index)}`);
  }
  const members: number[][] = Array.from({ length: index.count }, () => []);
  for (let b = 0; b < index.of.length; b++) {
    const g = index.of[b] as number;
    if (g >= 0) (members[g] as number[]).push(b);
  }
  return members;
}

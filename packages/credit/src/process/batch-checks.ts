import { Matrix, RLError, assertMask, groupMembers, indexGroups, toMatrix2D, type MatrixLike, describeValue } from "@rl/core/arrays";

/** Group id of a row: a string or a finite number (rows with equal ids form a group). */
export type GroupId = string | number;

/**
 * Internal helpers shared by the process/, step/ and labels/ folders (not re-exported).
 * Every check throws an {@link RLError} naming the function and both lengths.
 */

/** Throws unless `input` is a non-null object (the input record of a public function). */
export function requireObject(input: unknown, name: string, fn: string): void {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new RLError("INVALID_INPUT", `${fn}: ${name} must be an object, got ${input === null ? "null" : Array.isArray(input) ? "an array" : typeof input}`);
  }
}

/** A 2-D matrix argument that must have at least one row. */
export function nonEmptyMatrix(input: MatrixLike, name: string, fn: string): Matrix {
  const m = toMatrix2D(input, name, fn);
  if (m.rows === 0) throw new RLError("INVALID_INPUT", `${fn}: ${name} is empty; expected at least one row`);
  return m;
}

/** A 0/1 mask (2-D, at least one row). */
export function nonEmptyMask(input: MatrixLike, name: string, fn: string): Matrix {
  const m = nonEmptyMatrix(input, name, fn);
  assertMask(m, name, fn);
  return m;
}

/** A 0/1 mask with the shape of `like`. */
export function maskLike(input: MatrixLike, name: string, like: Matrix, likeName: string, fn: string): Matrix {
  const m = toMatrix2D(input, name, fn);
  if (m.rows !== like.rows || m.cols !== like.cols) {
    throw new RLError(
      "SHAPE_MISMATCH",
      `${fn}: ${name} has shape [${m.rows},${m.cols}], ${likeName} has [${like.rows},${like.cols}]`,
    );
  }
  assertMask(m, name, fn);
  return m;
}

/** A matrix with the shape of `like` (not necessarily 0/1). */
export function sameShape(input: MatrixLike, name: string, like: Matrix, likeName: string, fn: string): Matrix {
  const m = toMatrix2D(input, name, fn);
  if (m.rows !== like.rows || m.cols !== like.cols) {
    throw new RLError(
      "SHAPE_MISMATCH",
      `${fn}: ${name} has shape [${m.rows},${m.cols}], ${likeName} has [${like.rows},${like.cols}]`,
    );
  }
  return m;
}

/** Throws unless `length === expected`. */
export function requireLength(length: number, name: string, expected: number, expectedName: string, fn: string): void {
  if (length !== expected) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} has ${length} entries, ${expectedName} has ${expected}`);
  }
}

/** Whether `x` is a list: an array or typed array (anything with a numeric `length`, not a string). */
export function isList(x: unknown): x is ArrayLike<unknown> {
  return typeof x === "object" && x !== null && typeof (x as { length?: unknown }).length === "number";
}

/** Throws unless `input` is a list (array or typed array) of `expected` entries; names a missing one. */
export function requireList(input: unknown, name: string, expected: number, expectedName: string, fn: string): void {
  if (!isList(input)) {
    throw new RLError("INVALID_INPUT", `${fn}: ${name} is required (${expected} entries, one per ${expectedName.replace(/s$/, "")})`);
  }
  requireLength((input as ArrayLike<unknown>).length, name, expected, expectedName, fn);
}

/** A 1-D list of finite numbers of a required length. */
export function finiteVector(
  input: ArrayLike<number>,
  name: string,
  expected: number,
  expectedName: string,
  fn: string,
): Float64Array {
  requireList(input, name, expected, expectedName, fn);
  const out = new Float64Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const v = input[i] as number;
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new RLError("NON_FINITE", `${fn}: ${name}[${i}] is ${describeValue(v)}; expected a finite number`);
    }
    out[i] = v;
  }
  return out;
}

/** Rows of each group, in order of first appearance (core's `indexGroups`; ids must be strings or finite numbers). */
export function rowsOfGroups(groups: readonly GroupId[], fn: string): number[][] {
  return groupMembers(indexGroups(groups, groups.length, { fn, rowsName: "groups" }));
}

/** Index of the last valid token of row `b`, or -1 for an all-zero row. */
export function lastValidToken(mask: Matrix, b: number): number {
  for (let t = mask.cols - 1; t >= 0; t--) if (mask.get(b, t) !== 0) return t;
  return -1;
}

/** Mean and standard deviation (unbiased, n − 1) of `values` at `rows`; one row gives std 0. */
export function meanStd(values: ArrayLike<number>, rows: readonly number[]): { mean: number; std: number } {
  let s = 0;
  for (const r of rows) s += values[r] as number;
  const mean = s / rows.length;
  if (rows.length < 2) return { mean, std: 0 };
  let ss = 0;
  for (const r of rows) ss += ((values[r] as number) - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (rows.length - 1)) };
}

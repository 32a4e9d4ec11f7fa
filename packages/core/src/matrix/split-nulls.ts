/** What {@link splitNulls} returns. */
export interface SplitNulls {
  /** The input with 0 in place of every `null` (same nesting); the input itself when it has none. */
  readonly values: unknown;
  /**
   * `missing[k] = 1` where the k-th entry in row-major order was `null`, 0 elsewhere; undefined when
   * the input holds no `null`.
   */
  readonly missing: Uint8Array | undefined;
}

/**
 * Separates "no signal" from the numbers: a `number[]` or `number[][]` whose entries may be
 * `null` (a reward function that abstained, TRL's `None`) becomes the same array with 0 in place
 * of each `null`, plus a row-major mask of where the `null`s were. Anything else (a Matrix, a
 * typed array, an array without `null`) is returned as is with `missing` undefined, so the caller
 * validates the values as usual (`Matrix.from` still rejects NaN, strings and ragged rows).
 *
 *   values[k] = x[k] ?? 0        missing[k] = [x[k] = null]
 *
 * @example
 * const { values, missing } = splitNulls([[1, null], [null, 2]]);
 * values; // [[1, 0], [0, 2]]
 * Array.from(missing ?? []); // [0, 1, 1, 0]
 */
export function splitNulls(input: unknown): SplitNulls {
  if (!Array.isArray(input)) return { values: input, missing: undefined };
  const nested = input.some((row: unknown) => Array.isArray(row));
  const hasNull = nested ? input.some((row: unknown) => Array.isArray(row) && row.includes(null)) : input.includes(null);
  if (!hasNull) return { values: input, missing: undefined };
  if (!nested) {
    return { values: input.map((x: unknown) => (x === null ? 0 : x)), missing: Uint8Array.from(input, (x: unknown) => (x === null ? 1 : 0)) };
  }
  const size = input.reduce((n: number, row: unknown) => n + (Array.isArray(row) ? row.length : 1), 0);
  const missing = new Uint8Array(size);
  let k = 0;
  const values = input.map((row: unknown) => {
    if (!Array.isArray(row)) {
      k++;
      return row;
    }
    return row.map((x: unknown) => (x === null ? ((missing[k++] = 1), 0) : (k++, x)));
  });
  return { values, missing };
}

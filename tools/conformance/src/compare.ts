/** Tolerance of a case: `|got − want| ≤ abs + rel·|want|`. */
export interface Tolerance {
  abs: number;
  rel: number;
}

/** The default tolerance of the conformance README (float32 against float64 references). */
export const defaultTolerance: Tolerance = { abs: 2e-4, rel: 2e-4 };

/**
 * Compares a result with an expected value. Returns the first mismatch as a readable path
 * message, or `null` when equal. Numbers compare within tolerance; strings, booleans and
 * null exactly; arrays by shape then entry; objects by every expected key.
 * `ignore(path)` says whether a numeric leaf is padding (not compared).
 */
export function compareValues(
  want: unknown,
  got: unknown,
  tol: Tolerance,
  path = "",
  ignore: (path: readonly number[]) => boolean = () => false,
  index: readonly number[] = [],
): string | null {
  if (typeof want === "number") {
    if (ignore(index)) return null;
    if (typeof got !== "number") return `${path}: expected number ${want}, got ${describe(got)}`;
    if (Number.isNaN(want) && Number.isNaN(got)) return null;
    if (!Number.isFinite(want) || !Number.isFinite(got)) {
      return want === got ? null : `${path}: expected ${want}, got ${got}`;
    }
    const bound = tol.abs + tol.rel * Math.abs(want);
    return Math.abs(got - want) <= bound ? null : `${path}: expected ${want}, got ${got} (|diff| ${Math.abs(got - want).toExponential(2)} > ${bound.toExponential(2)})`;
  }
  if (want === null || typeof want === "string" || typeof want === "boolean") {
    return got === want ? null : `${path}: expected ${JSON.stringify(want)}, got ${describe(got)}`;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return `${path}: expected an array of ${want.length}, got ${describe(got)}`;
    if (got.length !== want.length) return `${path}: expected ${want.length} entries, got ${got.length}`;
    for (let k = 0; k < want.length; k++) {
      const r = compareValues(want[k], got[k], tol, `${path}[${k}]`, ignore, [...index, k]);
      if (r !== null) return r;
    }
    return null;
  }
  if (typeof want === "object") {
    if (typeof got !== "object" || got === null) return `${path}: expected an object, got ${describe(got)}`;
    for (const [key, value] of Object.entries(want)) {
      if (!(key in got)) return `${path}.${key}: missing from the result`;
      const r = compareValues(value, (got as Record<string, unknown>)[key], tol, `${path}.${key}`, ignore, index);
      if (r !== null) return r;
    }
    return null;
  }
  return `${path}: cannot compare ${describe(want)}`;
}

function describe(x: unknown): string {
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (x === null) return "null";
  if (typeof x === "string") return JSON.stringify(x);
  return typeof x === "object" ? "an object" : String(x);
}

/** Whether `x` is a nested numeric matrix of the given outer shape `[B][T]`. */
export function isMatrixOfShape(x: unknown, rows: number, cols: number): boolean {
  return Array.isArray(x) && x.length === rows && x.every((r) => Array.isArray(r) && r.length === cols);
}

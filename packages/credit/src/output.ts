// Output storage of the credit estimators: one rule for the whole package.
import { Matrix, RLError, type MatrixData } from "@rl/core/arrays";
import { z } from "zod";

/** Storage of an estimator's per-token output: `"float32"` (default) or `"float64"`. */
export type OutputDtype = "float32" | "float64";

/**
 * `dtype` config field of every registered credit estimator: the storage of the per-token
 * matrices it returns (advantages, returns, and the like). Default `"float32"`, the dtype a
 * policy loss consumes (verl and TRL keep advantages in float32 tensors) and the one
 * `Matrix.toTensor()` hands to tfjs without a copy. The arithmetic is float64 either way (sums,
 * means, recurrences and tree counts run on float64 values); only the final store rounds, once
 * per entry, so a float32 output is the float64 result rounded to nearest (relative error
 * ≤ 2⁻²⁴ ≈ 6e-8). `"float64"` keeps every bit, for chaining more float64 math or comparing with
 * float64 references below the conformance tolerance. See docs/credit.md, "Output storage".
 */
export const outputDtype = z.enum(["float32", "float64"]).default("float32");

/** A zeroed array of `size` entries in `dtype` storage. */
export function outputArray(size: number, dtype: OutputDtype): MatrixData {
  return dtype === "float64" ? new Float64Array(size) : new Float32Array(size);
}

type AllocUnsafe = (size: number) => Uint8Array;
const allocUnsafe = (globalThis as { Buffer?: { allocUnsafeSlow?: AllocUnsafe } }).Buffer?.allocUnsafeSlow;

/**
 * An array of `size` entries in `dtype` storage whose entries the caller overwrites, every one.
 * In Node it is not zeroed (`Buffer.allocUnsafeSlow`, its own 8-byte-aligned ArrayBuffer) when it
 * has 1024 entries or more; elsewhere (browsers) and below that size it is {@link outputArray}.
 * Why not zeroed: docs/core-decisions.md, "Performance notes moved from API docs".
 */
export function overwrittenArray(size: number, dtype: OutputDtype): MatrixData {
  if (allocUnsafe === undefined || size < 1024) return outputArray(size, dtype);
  const bytes = allocUnsafe(size * (dtype === "float64" ? 8 : 4));
  return dtype === "float64" ? new Float64Array(bytes.buffer, bytes.byteOffset, size) : new Float32Array(bytes.buffer, bytes.byteOffset, size);
}

/**
 * Wraps float64 results as an output Matrix: the array itself for `"float64"`, a float32 copy
 * (each entry rounded once) for `"float32"`. For estimators that need their float64 values after
 * computing them (whitening, recurrences read back); writers that compute each entry in a local
 * can write into {@link outputArray} directly.
 */
export function outputMatrix(values: Float64Array, shape: readonly number[], dtype: OutputDtype): Matrix {
  return new Matrix(dtype === "float64" ? values : Float32Array.from(values), shape);
}

/**
 * Throws `NON_FINITE` naming `fn`, the output `name` and the first entry that is NaN or ±Inf
 * although every input was finite (sums of values near 1e308 overflow, float32 storage holds
 * |x| ≤ 3.4e38 only). One read pass over the output, after the estimator's loops; `cols` gives
 * the `[b][t]` position in the message (1 for vectors).
 */
export function assertFiniteOutput(values: ArrayLike<number>, cols: number, fn: string, name: string): void {
  for (let k = 0; k < values.length; k++) {
    const v = values[k] as number;
    if (v - v !== 0) {
      const at = cols > 1 ? `[${Math.floor(k / cols)}][${k % cols}]` : `[${k}]`;
      throw new RLError(
        "NON_FINITE",
        `${fn}: ${name}${at} is ${v} from finite inputs (the inputs are too large: their sums or differences overflow the ${values instanceof Float32Array ? "float32" : "float64"} output); rescale the rewards`,
      );
    }
  }
}

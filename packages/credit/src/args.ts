// Internal: presence / type checks of public arguments (issue 19), one home for the credit package.
import { RLError, describeValue } from "@rl/core/arrays";

/** Throws an `RLError` naming `fn` and `name` unless `x` is a (non-null) object. */
export function requireObject<T>(x: T, name: string, fn: string): asserts x is NonNullable<T> {
  if (typeof x !== "object" || x === null) {
    throw new RLError("INVALID_INPUT", `${fn}: ${name} must be an object, got ${describeValue(x)}`);
  }
}

/** Throws an `RLError` naming `fn` and `name` unless `x` is an array or a typed array. */
export function requireArray<T>(x: T, name: string, fn: string): asserts x is NonNullable<T> {
  if (!Array.isArray(x) && !(ArrayBuffer.isView(x) && !(x instanceof DataView))) {
    throw new RLError("INVALID_INPUT", `${fn}: ${name} must be an array, got ${describeValue(x)}`);
  }
}

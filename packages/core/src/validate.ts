/**
 * The boundary layer of `@rl/*`: small validators every public entry uses to turn bad arguments
 * (missing, wrong type, wrong dtype, disposed tensors, masks outside {0, 1}, malformed state
 * objects, non-finite results) into an {@link RLError} naming the function and the field.
 * Validate once, at the public entry; inner loops stay unchecked.
 *
 * The module needs no tfjs (tensors are duck-typed), so the array layer can use it.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { RLError } from "./errors.js";
import { isTensor, loadedTf } from "./tf-slot.js";

/** Options of {@link assertTensor}. */
export interface AssertTensorOptions {
  /** Dtypes accepted. Default `["float32"]`: bool, int32, complex64 and string tensors are rejected. */
  dtypes?: readonly tf.DataType[];
  /** Required rank (omit for any). */
  rank?: number;
}

/**
 * Asserts that `x` is a live tfjs tensor of an accepted dtype (float32 by default) and, when given,
 * rank. A non-tensor, a disposed tensor or a bool/int tensor gets `RLError("INVALID_INPUT")` here,
 * rather than a tfjs error or a wasm abort later.
 *
 * @example
 * assertTensor(tf.ones([2]), "ppoPolicyLoss", "logProbs"); // ok
 * assertTensor(tf.ones([2], "bool"), "ppoPolicyLoss", "logProbs"); // throws INVALID_INPUT "ppoPolicyLoss: logProbs must be float32, got bool"
 */
export function assertTensor(x: unknown, fn: string, name: string, options: AssertTensorOptions = {}): asserts x is tf.Tensor {
  if (!isTensor(x)) {
    throw new RLError("INVALID_INPUT", `${fn}: ${name} must be a tf.Tensor, got ${describeValue(x)}`);
  }
  if ((x as { isDisposed?: boolean }).isDisposed === true) {
    throw new RLError("INVALID_INPUT", `${fn}: ${name} is a disposed tensor`);
  }
  const dtypes = options.dtypes ?? ["float32"];
  if (!dtypes.includes(x.dtype)) {
    throw new RLError("INVALID_INPUT", `${fn}: ${name} must be ${dtypes.join(" or ")}, got ${x.dtype}`);
  }
  if (options.rank !== undefined && x.rank !== options.rank) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} must have rank ${options.rank}, got shape [${x.shape.join(",")}]`);
  }
}

/**
 * Asserts that a mask tensor holds only 0 and 1 (reads it back synchronously; a mask carries no
 * gradient, so this is safe inside a gradient tape).
 * @example
 * assertTensorMask(tf.tensor([[1, 0]]), "maskedMean", "mask"); // ok
 */
export function assertTensorMask(mask: tf.Tensor, fn: string, name = "mask"): void {
  assertTensor(mask, fn, name, { dtypes: ["float32", "int32", "bool"] });
  const d = mask.dataSync();
  for (let k = 0; k < d.length; k++) {
    const v = d[k];
    if (v !== 0 && v !== 1) {
      throw new RLError("INVALID_INPUT", `${fn}: ${name} entry ${k} is ${String(v)}; a mask holds only 0 and 1`);
    }
  }
}

/**
 * Asserts that every entry of a plain array or typed array is 0 or 1.
 * @example
 * assertMaskValues([1, 1, 0], "placeStepRewards", "mask"); // ok
 */
export function assertMaskValues(values: ArrayLike<number>, fn: string, name = "mask"): void {
  if (typeof values !== "object" || values === null || typeof values.length !== "number") throw new RLError("INVALID_INPUT", `${fn}: ${name} must be an array, got ${describeValue(values)}`);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (v !== 0 && v !== 1) {
      throw new RLError("INVALID_INPUT", `${fn}: ${name}[${k}] is ${describeValue(v)}; a mask holds only 0 and 1`);
    }
  }
}

/**
 * Asserts that `value` is a finite number (`RLError("INVALID_INPUT")`, or `NON_FINITE` for NaN/±Inf).
 * @example
 * assertFiniteNumber(0.5, "bestOfKValue", "value"); // ok
 */
export function assertFiniteNumber(value: unknown, fn: string, name: string): asserts value is number {
  if (typeof value !== "number") throw new RLError("INVALID_INPUT", `${fn}: ${name} must be a number, got ${describeValue(value)}`);
  if (!Number.isFinite(value)) throw new RLError("NON_FINITE", `${fn}: ${name} is ${value}; expected a finite number`);
}

/**
 * Asserts that `value` is an integer in `[min, max]` (defaults `[0, Number.MAX_SAFE_INTEGER]`).
 * @example
 * assertInteger(3, "adamW", "state.step"); // ok
 * assertInteger(-1, "adamW", "state.step"); // throws INVALID_INPUT
 */
export function assertInteger(value: unknown, fn: string, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RLError("INVALID_INPUT", `${fn}: ${name} must be an integer in [${min}, ${max}], got ${describeValue(value)}`);
  }
}

/**
 * Asserts that `state` is an object whose listed fields are finite numbers (`"finite"`),
 * non-negative integers (`"count"`) or numbers that may also be ±Infinity but not NaN (`"extended"`).
 * Used by every stateful helper's `update`, so that a malformed or hand-edited saved state is
 * rejected instead of producing NaN.
 * @example
 * assertState({ step: 0 }, "adamW", { step: "count" }); // ok
 */
export function assertState(
  state: unknown,
  fn: string,
  fields: Record<string, "finite" | "count" | "extended" | "positive">,
): void {
  if (typeof state !== "object" || state === null) {
    throw new RLError("INVALID_INPUT", `${fn}: state must be an object (from init() or a previous update), got ${describeValue(state)}`);
  }
  const s = state as Record<string, unknown>;
  if (typeof fields !== "object" || fields === null) throw new RLError("INVALID_INPUT", `assertState: fields must be an object, got ${describeValue(fields)}`);
  for (const [key, kind] of Object.entries(fields)) {
    const v = s[key];
    const name = `state.${key}`;
    if (kind === "count") assertInteger(v, fn, name);
    else if (kind === "extended") {
      if (typeof v !== "number" || Number.isNaN(v)) throw new RLError("INVALID_INPUT", `${fn}: ${name} must be a number, got ${describeValue(v)}`);
    } else {
      assertFiniteNumber(v, fn, name);
      if (kind === "positive" && !(v > 0)) throw new RLError("INVALID_INPUT", `${fn}: ${name} must be > 0, got ${v}`);
    }
  }
}

/**
 * Asserts that a computed number is finite; otherwise `RLError("NON_FINITE")` explaining `why`
 * (e.g. "a hyper-parameter too small underflows"). Used where finite inputs can still overflow.
 * @example
 * assertFiniteResult(1 / 5e-324, "gpgAdvantages", "advantages", "fNorm is too small"); // throws NON_FINITE
 */
export function assertFiniteResult(values: number | ArrayLike<number>, fn: string, name: string, why = ""): void {
  const arr: ArrayLike<number> = typeof values === "number" ? [values] : values;
  if (typeof arr !== "object" || arr === null || typeof arr.length !== "number") throw new RLError("INVALID_INPUT", `${fn}: ${name} must be a number or an array, got ${describeValue(values)}`);
  for (let k = 0; k < arr.length; k++) {
    if (!Number.isFinite(arr[k])) {
      throw new RLError(
        "NON_FINITE",
        `${fn}: ${name} would be ${describeValue(arr[k])} from finite inputs${why === "" ? "" : ` (${why})`}`,
      );
    }
  }
}

/**
 * Short description of a value for error messages (`"undefined"`, `"string \"3\""`, `"a bool tensor [2]"`).
 * @example
 * describeValue(undefined); // "undefined"
 */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "string") return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (isTensor(v)) return `a ${v.dtype} tensor [${v.shape.join(",")}]`;
  return typeof v;
}

/**
 * Recovers the tfjs engine after an error thrown inside a gradient computation (`tf.grad`,
 * `tf.variableGrads`, `optimizer.minimize`): tfjs leaves `activeTape` set and the tensors the
 * recorded ops saved allocated, so every later op would fail or leak. This frees them and resets
 * the tape. It reads the engine's state (tfjs-core 4.x field names) and does nothing when those
 * fields are absent or a gradient computation is still open (`gradientDepth > 0`). Call it in the
 * `catch` of every public function that runs a tape.
 * @example
 * const x = tf.variable(tf.scalar(1));
 * try { tf.variableGrads(() => { throw new Error("bad forward"); }, [x]); } catch { resetGradientTape(); }
 * tf.add(x, 1).dataSync()[0]; // 2   (the engine works again)
 */
export function resetGradientTape(): void {
  const tf = loadedTf("resetGradientTape");
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: number; activeTape?: { saved?: tf.Tensor[] }[] | null } }).state;
  if (state === undefined || state.gradientDepth !== 0 || !Array.isArray(state.activeTape)) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) if (!t.isDisposed) t.dispose();
  state.activeTape = null;
}

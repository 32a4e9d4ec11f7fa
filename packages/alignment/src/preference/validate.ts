import { RLError, assertTensor, describeValue, tf } from "@rl/core";

/**
 * Checks that every named tensor is 1-D with the same non-zero length and holds only finite
 * values (one read per tensor; the inputs are `[B]` vectors, so this is cheap).
 * Throws `SHAPE_MISMATCH`, `INVALID_INPUT` (empty batch) or `NON_FINITE`, naming the function
 * and the field. Returns the batch size `B`.
 * @internal
 */
export function assertBatchVectors(named: Record<string, tf.Tensor | undefined>, fn: string): number {
  let batch: number | undefined;
  let firstName = "";
  for (const [name, t] of Object.entries(named)) {
    if (t === undefined) continue;
    assertTensor(t, fn, name);
    if (t.rank !== 1) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} must be 1-D [B], got shape [${t.shape.join(",")}]`);
    }
    const n = t.shape[0] as number;
    if (batch === undefined) {
      batch = n;
      firstName = name;
    } else if (n !== batch) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} has ${n} entries, ${firstName} has ${batch}`);
    }
  }
  if (batch === undefined || batch === 0) {
    throw new RLError("INVALID_INPUT", `${fn}: empty batch (${firstName || "inputs"} has 0 entries)`);
  }
  for (const [name, t] of Object.entries(named)) if (t !== undefined) assertFinite(t, name, fn);
  return batch;
}

/** Throws `NON_FINITE` naming the first NaN / ±Infinity entry of `t`. @internal */
export function assertFinite(t: tf.Tensor, name: string, fn: string): void {
  assertTensor(t, fn, name);
  const d = t.dataSync();
  for (let k = 0; k < d.length; k++) {
    const v = d[k] as number;
    if (!Number.isFinite(v)) throw new RLError("NON_FINITE", `${fn}: ${name}[${k}] is ${v}`);
  }
}

/** Throws `SHAPE_MISMATCH` unless `t` has exactly `shape`. @internal */
export function assertShape(t: tf.Tensor, shape: readonly number[], name: string, fn: string): void {
  assertTensor(t, fn, name, { dtypes: ["float32", "int32"] });
  if (t.rank !== shape.length || t.shape.some((s, k) => s !== shape[k])) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} has shape [${t.shape.join(",")}], expected [${shape.join(",")}]`);
  }
}

/** Validates a scalar input given as a number or a one-element tensor (finite). @internal */
export function assertScalarInput(x: tf.Tensor | number, name: string, fn: string): void {
  if (typeof x === "number") {
    if (!Number.isFinite(x)) throw new RLError("NON_FINITE", `${fn}: ${name} is ${x}`);
    if (Math.abs(x) > 3.4028234663852886e38) throw new RLError("NON_FINITE", `${fn}: ${name} is ${x}, outside the float32 range (max 3.4e38); it would become ±Infinity`);
    return;
  }
  assertTensor(x, fn, name);
  if (x.size !== 1) throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} must be a scalar, got shape [${x.shape.join(",")}]`);
  assertFinite(x, name, fn);
}

/** A number or one-element tensor as a scalar tensor (call inside `tf.tidy`). @internal */
export function asScalar(x: tf.Tensor | number): tf.Tensor {
  return typeof x === "number" ? tf.scalar(x) : tf.reshape(x, []);
}

/** Throws `INVALID_INPUT` unless `inputs` is an object (`shape` lists its fields for the message). @internal */
export function assertInputsObject(inputs: unknown, fn: string, shape: string): asserts inputs is Record<string, unknown> {
  if (typeof inputs !== "object" || inputs === null) throw new RLError("INVALID_INPUT", `${fn}: inputs must be ${shape}, got ${describeValue(inputs)}`);
}

/** Throws `INVALID_INPUT` naming the first of `named` that is missing (undefined or null). @internal */
export function assertPresent(named: Record<string, unknown>, fn: string): void {
  for (const [name, v] of Object.entries(named)) {
    if (v === undefined || v === null) throw new RLError("INVALID_INPUT", `${fn}: ${name} is required, got ${describeValue(v)}`);
  }
}

/**
 * Host numbers of a tensor (checked live, numeric dtype) or of an array-like of numbers /
 * booleans; anything else is an `INVALID_INPUT` naming the field. Finiteness is the caller's.
 * @internal
 */
export function hostNumbers(x: unknown, name: string, fn: string): number[] {
  if (x instanceof tf.Tensor) {
    assertTensor(x, fn, name, { dtypes: ["float32", "int32", "bool"] });
    return Array.from(x.dataSync(), Number);
  }
  if (x === null || typeof x !== "object" || typeof (x as ArrayLike<unknown>).length !== "number") {
    throw new RLError("INVALID_INPUT", `${fn}: ${name} must be a tensor or an array of numbers, got ${describeValue(x)}`);
  }
  return Array.from(x as ArrayLike<unknown>, (v, k) => {
    if (typeof v === "number") return v;
    if (typeof v === "boolean") return Number(v);
    throw new RLError("INVALID_INPUT", `${fn}: ${name}[${k}] is ${describeValue(v)}; expected a number`);
  });
}

/**
 * Host numbers of a `[B]` input ({@link hostNumbers}) that must have `batch` entries, all finite;
 * `SHAPE_MISMATCH` names `batchField` (the input that fixed B), `NON_FINITE` the first bad entry.
 * @internal
 */
export function hostVector(x: unknown, name: string, batch: number, batchField: string, fn: string): number[] {
  const v = hostNumbers(x, name, fn);
  if (v.length !== batch) throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} has ${v.length} entries, ${batchField} has ${batch}`);
  v.forEach((s, k) => {
    if (!Number.isFinite(s)) throw new RLError("NON_FINITE", `${fn}: ${name}[${k}] is ${s}`);
  });
  return v;
}

/** Host rows `[b][k]` of a 2-D tensor or a nested array-like of numbers (see {@link hostNumbers}). @internal */
export function hostRows(x: unknown, name: string, fn: string): number[][] {
  if (x instanceof tf.Tensor) {
    assertTensor(x, fn, name, { dtypes: ["float32", "int32"] });
    if (x.rank !== 2) throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} must be 2-D, got shape [${x.shape.join(",")}]`);
    return x.arraySync() as number[][];
  }
  if (x === null || typeof x !== "object" || typeof (x as ArrayLike<unknown>).length !== "number") {
    throw new RLError("INVALID_INPUT", `${fn}: ${name} must be a tensor or an array of rows, got ${describeValue(x)}`);
  }
  return Array.from(x as ArrayLike<unknown>, (r, i) => hostNumbers(r, `${name}[${i}]`, fn));
}

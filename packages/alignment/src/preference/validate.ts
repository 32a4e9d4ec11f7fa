import { RLError, assertTensor, tf } from "@rl/core";

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

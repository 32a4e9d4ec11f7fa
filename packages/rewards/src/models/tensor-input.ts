import { RLError, isTensor, tf, assertTensor, describeValue } from "@rl/core";

/** A tensor, or plain numbers that are converted once at the boundary. */
export type TensorLike1D = tf.Tensor | readonly number[] | Float32Array;
/** A tensor, or nested plain numbers. */
export type TensorLike2D = tf.Tensor | readonly (readonly number[])[];
/** A tensor, or nested plain numbers. */
export type TensorLike3D = tf.Tensor | readonly (readonly (readonly number[])[])[];

/** Loss reductions (docs/rewards/models.md). */
export type Reduction = "mean" | "sum" | "none";

/**
 * Converts to a float32 tensor of the given rank (call inside `tf.tidy`: a converted array is
 * then freed with the scope; a tensor passed in is used as is and never disposed).
 * @internal
 */
export function asTensor(x: TensorLike1D | TensorLike2D | TensorLike3D, rank: number, fn: string, field: string): tf.Tensor {
  let t: tf.Tensor;
  if (isTensor(x)) {
    assertTensor(x, fn, field, { dtypes: ["float32", "int32"] });
    t = x;
  } else {
    if (!Array.isArray(x) && !ArrayBuffer.isView(x)) throw new RLError("INVALID_INPUT", `${fn}: ${field} must be a tensor or a (nested) number array, got ${describeValue(x)}`);
    const flat = readValues(x, fn, field); // finiteness of plain arrays is checked here, at the boundary
    void flat;
    try {
      t = tf.tensor(x as number[], undefined, "float32");
    } catch (e) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: ${field} is ragged or not numeric: ${(e as Error).message}`, { cause: e });
    }
  }
  if (t.rank !== rank) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: ${field} must have rank ${rank}, got shape [${t.shape.join(",")}]`);
  }
  return t.dtype === "float32" ? t : tf.cast(t, "float32");
}

/** Reads a tensor or array as float32 values (outside `tf.tidy`). @internal */
export function readValues(x: TensorLike1D | TensorLike2D | TensorLike3D, fn: string, field: string): Float32Array {
  let out: Float32Array;
  if (isTensor(x)) {
    assertTensor(x, fn, field, { dtypes: ["float32", "int32"] });
    out = Float32Array.from(x.dataSync());
  } else if (ArrayBuffer.isView(x)) out = Float32Array.from(x as Float32Array);
  else if (Array.isArray(x)) {
    const flat = (x as unknown[]).flat(3);
    flat.forEach((v, k) => {
      if (typeof v !== "number") throw new RLError("INVALID_INPUT", `${fn}: ${field} entry ${k} is ${describeValue(v)}; expected a number`);
    });
    out = Float32Array.from(flat as number[]);
  } else throw new RLError("INVALID_INPUT", `${fn}: ${field} must be a tensor or a (nested) number array, got ${describeValue(x)}`);
  // ±Infinity is never valid; NaN passes (several losses read it as "missing label") and is checked by each caller
  for (let k = 0; k < out.length; k++) {
    const v = out[k] as number;
    if (v === Infinity || v === -Infinity) throw new RLError("NON_FINITE", `${fn}: ${field} entry ${k} is ${v}; expected a finite number`);
  }
  return out;
}

/** The shape of a tensor or nested array. @internal */
export function shapeOf(x: TensorLike1D | TensorLike2D | TensorLike3D): number[] {
  if (isTensor(x)) return [...x.shape];
  const shape: number[] = [];
  let cur: unknown = x;
  while (Array.isArray(cur) || cur instanceof Float32Array) {
    const a = cur as ArrayLike<unknown>;
    shape.push(a.length);
    cur = a.length > 0 ? a[0] : undefined;
  }
  return shape;
}

/** Throws `SHAPE_MISMATCH` unless the two shapes are equal. @internal */
export function assertShape(got: readonly number[], want: readonly number[], fn: string, field: string, ref: string): void {
  if (got.length !== want.length || got.some((d, k) => d !== want[k])) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: ${field} has shape [${got.join(",")}], ${ref} has shape [${want.join(",")}]`);
  }
}

/** Throws `INVALID_INPUT` for an empty batch. @internal */
export function assertNonEmpty(n: number, fn: string, field: string): void {
  if (n === 0) throw new RLError("INVALID_INPUT", `${fn}: ${field} is empty (an empty batch has no loss)`);
}

/** Throws `NON_FINITE` when a value is NaN or infinite. @internal */
export function assertFinite(values: ArrayLike<number>, fn: string, field: string): void {
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k] as number)) {
      throw new RLError("NON_FINITE", `${fn}: ${field}[${k}] is ${values[k] as number}`);
    }
  }
}

/** Applies a reduction to per-item losses (inside `tf.tidy`). @internal */
export function reduceLoss(perItem: tf.Tensor, reduction: Reduction): tf.Tensor {
  if (reduction === "none") return perItem;
  return reduction === "sum" ? tf.sum(perItem) : tf.mean(perItem);
}

/** Binary cross-entropy with logits, `−[y·logσ(z) + (1−y)·logσ(−z)]`, stable. @internal */
export function bceWithLogits(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  const lsPos = tf.neg(tf.softplus(tf.neg(logits)));
  const lsNeg = tf.neg(tf.softplus(logits));
  return tf.neg(tf.add(tf.mul(targets, lsPos), tf.mul(tf.sub(1, targets), lsNeg)));
}

/** Throws `INVALID_INPUT` unless `input` is an object holding every field in `fields`. @internal */
export function assertInputObject(input: unknown, fn: string, fields: readonly string[]): void {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new RLError("INVALID_INPUT", `${fn}: input must be an object { ${fields.join(", ")} }, got ${describeValue(input)}`);
  }
  for (const f of fields) {
    if ((input as Record<string, unknown>)[f] === undefined) throw new RLError("INVALID_INPUT", `${fn}: input.${f} is missing`);
  }
}

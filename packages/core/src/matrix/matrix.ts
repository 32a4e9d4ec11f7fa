import { formatValue, jupyterDisplay, nodeInspect, type MimeBundle } from "../display/displayable.js";
import { RLError } from "../errors.js";
import { describeValue } from "../validate.js";
import type * as tf from "@tensorflow/tfjs-core";
import { isTensor, loadedTf } from "../tf-slot.js";

/** Storage of a {@link Matrix}: float64 for exact credit math, float32 to share with tensors. */
export type MatrixData = Float64Array | Float32Array;

/** Anything a public function accepts where it wants a matrix. */
export type MatrixLike =
  | Matrix
  | readonly number[]
  | readonly (readonly number[])[]
  | { readonly data: ArrayLike<number>; readonly shape: readonly number[] };

/** Options of {@link Matrix.from}. */
export interface MatrixFromOptions {
  /** Argument name used in error messages. Default `"input"`. */
  name?: string;
  /** Function name used in error messages. */
  fn?: string;
  /** Reject NaN and ±Infinity (code `NON_FINITE`). Default `true`. */
  finite?: boolean;
  /** Storage for nested arrays. Default `"float64"`. */
  dtype?: "float64" | "float32";
}

/**
 * A row-major typed array with its shape: the representation of everything that is not
 * differentiated (credit assignment, reward post-processing, metrics).
 *
 * - `Matrix.from` accepts `number[]`, `number[][]`, another Matrix or `{ data, shape }` and
 *   checks raggedness and finiteness once, at the boundary.
 * - `toTensor()` hands a Float32Array to tfjs without an intermediate copy;
 *   `Matrix.fromTensor` wraps the tensor's read-back data without copying it again.
 * - Nested arrays become float64 so credit math matches the float64 references.
 *
 * @example
 * const m = Matrix.from([[1, 2], [3, 4]]);
 * m.get(1, 0); // 3
 * m.toArray(); // [[1, 2], [3, 4]]
 */
export class Matrix {
  readonly data: MatrixData;
  readonly shape: readonly number[];
  /** Number of rows (first axis). */
  readonly rows: number;
  /**
   * Number of columns (second axis; 1 for a vector). A plain field, not a getter (why: see
   * docs/core-decisions.md, "Performance notes moved from API docs").
   */
  readonly cols: number;

  constructor(data: MatrixData, shape: readonly number[]) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) {
      throw new RLError("SHAPE_MISMATCH", `Matrix: data has ${data.length} entries, shape [${shape.join(",")}] needs ${size}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.rows = shape[0] ?? 1;
    this.cols = shape.length >= 2 ? (shape[1] as number) : 1;
  }

  /** Number of entries. */
  get size(): number {
    return this.data.length;
  }

  /** Entry (i, j) of a 2-D matrix. */
  get(i: number, j = 0): number {
    return this.data[i * this.cols + j] as number;
  }

  /** Sets entry (i, j) in place. */
  set(i: number, j: number, value: number): void {
    this.data[i * this.cols + j] = value;
  }

  /** Row `i` as a zero-copy view. */
  row(i: number): MatrixData {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols);
  }

  /**
   * Nested plain arrays, one inner array per row: `number[][]` for 2-D; a 1-D matrix gives one
   * single-entry row per entry (`[[x0], [x1], …]`, its `cols` is 1). `toFlatArray()` gives `number[]`.
   */
  toArray(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.row(i)));
    return out;
  }

  /** Flat plain array. */
  toFlatArray(): number[] {
    return Array.from(this.data);
  }

  /** A float32 tensor of the same shape; the caller owns (and disposes) it. */
  toTensor(): tf.Tensor {
    const tf = loadedTf("Matrix.toTensor");
    const data = this.data instanceof Float32Array ? this.data : Float32Array.from(this.data);
    return tf.tensor(data, [...this.shape], "float32");
  }

  /** A copy with float64 storage. */
  clone(): Matrix {
    return new Matrix(Float64Array.from(this.data), this.shape);
  }

  /** A new matrix with `f` applied to every entry. */
  map(f: (value: number, index: number) => number): Matrix {
    const out = new Float64Array(this.data.length);
    for (let k = 0; k < out.length; k++) out[k] = f(this.data[k] as number, k);
    return new Matrix(out, this.shape);
  }

  /** A zero matrix. */
  static zeros(shape: readonly number[], dtype: "float64" | "float32" = "float64"): Matrix {
    const size = shape.reduce((a, b) => a * b, 1);
    return new Matrix(dtype === "float64" ? new Float64Array(size) : new Float32Array(size), shape);
  }

  /** A matrix filled with `value`. */
  static full(shape: readonly number[], value: number): Matrix {
    const m = Matrix.zeros(shape);
    m.data.fill(value);
    return m;
  }

  /** Builds a Matrix from any {@link MatrixLike}, validating shape (and finiteness by default). */
  static from(input: MatrixLike, options: MatrixFromOptions = {}): Matrix {
    const name = options.name ?? "input";
    const where = options.fn !== undefined ? `${options.fn}: ` : "";
    const finite = options.finite ?? true;
    let m: Matrix;
    if (input instanceof Matrix) {
      m = input;
    } else if (isTensor(input)) {
      throw new RLError("INVALID_INPUT", `${where}${name} is a tf.Tensor; use Matrix.fromTensor (async) or fromTensorSync`);
    } else if (Array.isArray(input)) {
      m = fromNested(input as readonly unknown[], name, where, options.dtype ?? "float64");
    } else if (typeof input === "object" && input !== null && "data" in input && "shape" in input) {
      const { data, shape } = input as { data: ArrayLike<number>; shape: readonly number[] };
      const typed =
        data instanceof Float64Array || data instanceof Float32Array ? data : Float64Array.from(data as ArrayLike<number>);
      m = new Matrix(typed, shape);
    } else {
      throw new RLError("INVALID_INPUT", `${where}${name} must be a number[], number[][], Matrix or { data, shape }`);
    }
    if (finite) assertFinite(m, name, where);
    return m;
  }

  /** Reads a tensor back (async, the non-blocking path) and wraps the data without a copy. */
  static async fromTensor(t: tf.Tensor): Promise<Matrix> {
    const data = (await t.data()) as Float32Array;
    return new Matrix(data instanceof Float32Array ? data : Float32Array.from(data), t.shape);
  }

  /** Reads a tensor back synchronously and wraps the data without a copy. */
  static fromTensorSync(t: tf.Tensor): Matrix {
    const data = t.dataSync() as Float32Array;
    return new Matrix(data instanceof Float32Array ? data : Float32Array.from(data), t.shape);
  }

  /** HTML table (first 20 rows and columns), for notebooks and reports. */
  toHTML(): string {
    return matrixToHtml(this);
  }

  /** Text form: shape, dtype and the first 20 rows and columns, aligned. */
  toString(): string {
    return matrixToText(this);
  }

  /** Jupyter rich display (Deno kernel): an HTML table plus its text form. */
  [jupyterDisplay](): MimeBundle {
    return { "text/plain": matrixToText(this), "text/html": matrixToHtml(this) };
  }

  /** Text shown by `console.log`, the Node REPL and tslab. */
  [nodeInspect](): string {
    return matrixToText(this);
  }
}

function fromNested(input: readonly unknown[], name: string, where: string, dtype: "float64" | "float32"): Matrix {
  if (input.length === 0) return Matrix.zeros([0, 0], dtype);
  if (!Array.isArray(input[0])) {
    const data = dtype === "float64" ? new Float64Array(input.length) : new Float32Array(input.length);
    for (let i = 0; i < input.length; i++) {
      const v = input[i];
      if (typeof v !== "number") throw new RLError("INVALID_INPUT", `${where}${name}[${i}] is not a number`);
      data[i] = v;
    }
    return new Matrix(data, [input.length]);
  }
  const rows = input.length;
  const cols = (input[0] as unknown[]).length;
  const data = dtype === "float64" ? new Float64Array(rows * cols) : new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = input[i];
    if (!Array.isArray(row)) throw new RLError("INVALID_INPUT", `${where}${name}[${i}] is not an array`);
    if (row.length !== cols) {
      throw new RLError("SHAPE_MISMATCH", `${where}${name} is ragged: row 0 has ${cols} entries, row ${i} has ${row.length}`);
    }
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (typeof v !== "number") throw new RLError("INVALID_INPUT", `${where}${name}[${i}][${j}] is not a number`);
      data[i * cols + j] = v;
    }
  }
  return new Matrix(data, [rows, cols]);
}

function assertFinite(m: Matrix, name: string, where: string): void {
  const d = m.data;
  for (let k = 0; k < d.length; k++) {
    if (!Number.isFinite(d[k])) {
      const pos = m.shape.length >= 2 ? `[${Math.floor(k / m.cols)}][${k % m.cols}]` : `[${k}]`;
      throw new RLError("NON_FINITE", `${where}${name}${pos} is ${d[k]}; expected a finite number`);
    }
  }
}

const PREVIEW = 20;

function matrixCaption(m: Matrix): string {
  return `Matrix [${m.shape.join(", ")}] ${m.data instanceof Float64Array ? "float64" : "float32"}`;
}

/** The displayed corner of a matrix (a 1-D matrix is one row), as formatted strings. */
function previewCells(m: Matrix): string[][] {
  // A vector is one row; trailing axes of a 3-D+ matrix are flattened into the columns.
  const rows = m.shape.length === 1 ? 1 : m.rows;
  const cols = rows === 0 ? 0 : m.size / rows;
  const out: string[][] = [];
  for (let i = 0; i < Math.min(rows, PREVIEW); i++) {
    const cells: string[] = [];
    for (let j = 0; j < Math.min(cols, PREVIEW); j++) cells.push(formatValue(m.data[i * cols + j] as number));
    if (cols > PREVIEW) cells.push("…");
    out.push(cells);
  }
  if (rows > PREVIEW) out.push(["…"]);
  return out;
}

function matrixToHtml(m: Matrix): string {
  const body = previewCells(m)
    .map((r) => `<tr>${r.map((c) => `<td style="text-align:right;padding:1px 6px">${c}</td>`).join("")}</tr>`)
    .join("");
  return `<table class="rl-matrix"><caption>${matrixCaption(m)}</caption>${body}</table>`;
}

function matrixToText(m: Matrix): string {
  const cells = previewCells(m);
  const width = Math.max(1, ...cells.flat().map((c) => c.length));
  return [matrixCaption(m), ...cells.map((r) => r.map((c) => c.padStart(width)).join(" "))].join("\n");
}


/**
 * Asserts that named matrices share one shape; throws `SHAPE_MISMATCH` naming both.
 * @example
 * const tokenRewards = Matrix.zeros([2, 3]), mask = Matrix.zeros([2, 4]);
 * assertSameShape({ tokenRewards, mask }, "grpoAdvantages"); // throws SHAPE_MISMATCH "grpoAdvantages: mask has shape [2,4], tokenRewards has [2,3]"
 */
export function assertSameShape(named: Record<string, { shape: readonly number[] }>, fn: string): void {
  if (typeof named !== "object" || named === null) throw new RLError("INVALID_INPUT", `${fn}: assertSameShape needs { name: value } to compare, got ${describeValue(named)}`);
  const entries = Object.entries(named);
  const [firstName, first] = entries[0] ?? [];
  if (first === undefined || firstName === undefined) return;
  for (const [n, m] of entries) {
    if (typeof m !== "object" || m === null || !Array.isArray(m.shape)) {
      throw new RLError("INVALID_INPUT", `${fn}: ${n} must be a Matrix or tensor (with a shape), got ${describeValue(m)}`);
    }
  }
  for (const [n, m] of entries.slice(1)) {
    if (m.shape.length !== first.shape.length || m.shape.some((s, k) => s !== first.shape[k])) {
      throw new RLError(
        "SHAPE_MISMATCH",
        `${fn}: ${n} has shape [${m.shape.join(",")}], ${firstName} has [${first.shape.join(",")}]`,
      );
    }
  }
}

/**
 * Converts a {@link MatrixLike} argument and requires it to be 2-D (a 1-D input becomes one row
 * only when `allowVector` is set).
 */
export function toMatrix2D(input: MatrixLike, name: string, fn: string, options: { finite?: boolean } = {}): Matrix {
  checkNames("toMatrix2D", name, fn);
  const m = Matrix.from(input, { name, fn, finite: options.finite ?? true });
  if (m.shape.length !== 2) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} must be 2-D [B, T], got shape [${m.shape.join(",")}]`);
  }
  return m;
}

/** The `name` / `fn` arguments of the conversion helpers are strings (they go into messages). */
function checkNames(helper: string, name: unknown, fn: unknown): void {
  if (typeof fn !== "string") throw new RLError("INVALID_INPUT", `${helper}: fn must be a function name (string), got ${describeValue(fn)}`);
  if (typeof name !== "string") throw new RLError("INVALID_INPUT", `${fn}: ${helper}: name must be a field name (string), got ${describeValue(name)}`);
}

/**
 * Converts a {@link MatrixLike} argument and requires it to be 1-D.
 */
export function toVector(input: MatrixLike, name: string, fn: string, options: { finite?: boolean } = {}): Matrix {
  checkNames("toVector", name, fn);
  const m = Matrix.from(input, { name, fn, finite: options.finite ?? true });
  if (m.shape.length !== 1) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} must be 1-D [B], got shape [${m.shape.join(",")}]`);
  }
  return m;
}

/** Asserts that a 0/1 mask holds only zeros and ones. */
export function assertMask(mask: Matrix, name: string, fn: string): void {
  if (!(mask instanceof Matrix)) throw new RLError("INVALID_INPUT", `${fn}: ${name} must be a Matrix, got ${describeValue(mask)}`);
  const d = mask.data;
  for (let k = 0; k < d.length; k++) {
    const v = d[k];
    if (v !== 0 && v !== 1) {
      const pos = mask.shape.length >= 2 ? `[${Math.floor(k / mask.cols)}][${k % mask.cols}]` : `[${k}]`;
      throw new RLError("INVALID_INPUT", `${fn}: ${name}${pos} is ${v}; a mask holds only 0 and 1`);
    }
  }
}

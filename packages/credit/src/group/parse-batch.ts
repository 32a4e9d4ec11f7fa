// Internal: one validating pass over the inputs shared by the estimators of group/ and value/.
// Not re-exported from the package (the public face is the estimators).
import { Matrix, RLError, assertSameShape, splitNulls, type GroupIndex, type MatrixData, type MatrixLike } from "@rl/core/arrays";
import { rowRewardsOf } from "../batch-fields.js";
import { overwrittenArray, type OutputDtype } from "../output.js";
import { maskPrefixes, rowSums } from "./row-scan.js";

/** A validated `[B, T]` batch: flat row-major views plus the per-row score and length. */
export interface ParsedRows {
  readonly rows: number;
  readonly cols: number;
  readonly shape: readonly number[];
  readonly mask: MatrixData;
  /** `tokenRewards` data, or undefined when only per-row rewards were given. */
  readonly rewards: MatrixData | undefined;
  /** Score per row: `rewards[b]` or `Σ_t tokenRewards[b][t]`. */
  readonly scores: Float64Array;
  /**
   * Valid tokens per row: `Σ_t mask[b][t]`; only when parsed with `{ lengths: true }` (the
   * default). Without it the mask is not read here and `broadcastRows` validates it while
   * writing the output (one pass less over `[B, T]`).
   */
  readonly lengths: Float64Array | undefined;
  /**
   * Mask layout per row, from the `{ lengths: false }` pass over `tokenRewards`: `prefix[b] = n`
   * when row b's mask is n ones followed by zeros (the usual right-padded response), −1 otherwise
   * (ones after a zero, or a value other than 0/1, reported by `broadcastRows`). Undefined when
   * that pass did not read the mask.
   */
  readonly prefix?: Int32Array | undefined;
  /** The argument that fixed B, for error messages (`"tokenRewards"`, or `"mask"` without it). */
  readonly rowsName: string;
  /** `unscored[b] = 1` where `rewards[b]` was `null` ("no signal", TRL); undefined when none. */
  readonly unscored?: Uint8Array | undefined;
  /** A `[B, T]` output array (not zeroed: {@link broadcastRows} writes every entry), when parsed with `{ output: dtype }`. */
  readonly output?: MatrixData | undefined;
}

/** Options of {@link parseTokenRewards} and {@link parseOutcomeBatch}. */
export interface ParseOptions {
  /** Count the valid tokens per row (default true); false reads the mask layout instead. */
  readonly lengths?: boolean;
  /**
   * Allocate the `[B, T]` output (not zeroed) in this dtype as soon as the shape is known, before any
   * other array of the call; it is returned as {@link ParsedRows.output}. Why first: see
   * docs/core-decisions.md, "Performance notes moved from API docs".
   */
  readonly output?: OutputDtype | undefined;
}

function requireObject(batch: unknown, fn: string): Record<string, unknown> {
  if (typeof batch !== "object" || batch === null) {
    throw new RLError("INVALID_INPUT", `${fn}: batch must be an object { tokenRewards, mask, ... }, got ${batch === null ? "null" : typeof batch}`);
  }
  return batch as Record<string, unknown>;
}

/** Converts a 2-D argument without the finiteness pass (done later, fused with the reads). */
export function matrix2D(input: unknown, name: string, fn: string): Matrix {
  if (input === undefined || input === null) throw new RLError("INVALID_INPUT", `${fn}: ${name} is required`);
  const m = Matrix.from(input as MatrixLike, { name, fn, finite: false });
  if (m.shape.length !== 2) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} must be 2-D [B, T], got shape [${m.shape.join(",")}]`);
  }
  return m;
}

/** Converts a 1-D argument of `rows` entries, rejecting non-finite values. */
export function vectorOf(input: unknown, name: string, rows: number, fn: string): MatrixData {
  if (input === undefined || input === null) throw new RLError("INVALID_INPUT", `${fn}: ${name} is required`);
  const m = Matrix.from(input as MatrixLike, { name, fn });
  if (m.shape.length !== 1) throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} must be 1-D [B], got shape [${m.shape.join(",")}]`);
  if (m.size !== rows) throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} has ${m.size} entries, mask has ${rows} rows`);
  return m.data;
}

/** Validates the mask (0/1 only) and returns the per-row lengths. */
function maskLengths(mask: MatrixData, rows: number, cols: number, fn: string): Float64Array {
  const lengths = new Float64Array(rows);
  for (let b = 0; b < rows; b++) {
    let n = 0;
    const base = b * cols;
    for (let t = 0; t < cols; t++) {
      const v = mask[base + t] as number;
      if (v === 1) n++;
      else if (v !== 0) throw new RLError("INVALID_INPUT", `${fn}: mask[${b}][${t}] is ${v}; a mask holds only 0 and 1`);
    }
    lengths[b] = n;
  }
  return lengths;
}

/** Names the first non-finite entry of row `b` (called only when the row's sum is not finite). */
function throwNonFinite(x: MatrixData, b: number, cols: number, name: string, fn: string): never {
  for (let t = 0; t < cols; t++) {
    const v = x[b * cols + t] as number;
    if (!Number.isFinite(v)) throw new RLError("NON_FINITE", `${fn}: ${name}[${b}][${t}] is ${v}; expected a finite number`);
  }
  throw new RLError("NON_FINITE", `${fn}: ${name} row ${b} sums to a non-finite number (overflow)`);
}

/** Rejects an empty batch with a clear message. */
function assertNotEmpty(m: Matrix, name: string, fn: string): void {
  if (m.rows === 0 || m.cols === 0) {
    throw new RLError("INVALID_INPUT", `${fn}: the batch is empty (${name} has shape [${m.shape.join(",")}]); expected at least one row and one token`);
  }
}

/**
 * The `{ lengths: false }` read of `tokenRewards` and `mask`: writes the row sums into `scores`
 * (throwing on a non-finite row) and returns the mask layout per row (see
 * {@link ParsedRows.prefix}). The mask is not validated here: a row that is not a clean prefix
 * gets −1 and `broadcastRows` names its bad entry, so errors come in the same order as without
 * this pass. Both reads run at memcmp speed on typed arrays in Node (`row-scan.ts`).
 */
function rowSumsAndMaskPrefix(r: MatrixData, mask: MatrixData, rows: number, cols: number, scores: Float64Array, fn: string): Int32Array {
  const prefix = maskPrefixes(mask, rows, cols);
  rowSums(r, rows, cols, prefix, scores);
  for (let b = 0; b < rows; b++) if (!Number.isFinite(scores[b])) throwNonFinite(r, b, cols, "tokenRewards", fn);
  return prefix;
}

/**
 * Parses `{ tokenRewards, mask }` (rewards required): shapes, 0/1 mask, finite rewards.
 * Scores are the unmasked row sums of the rewards (verl). One fused pass over both matrices.
 */
export function parseTokenRewards(batch: unknown, fn: string, options: ParseOptions = {}): ParsedRows {
  const obj = requireObject(batch, fn);
  const rewardsM = matrix2D(obj.tokenRewards, "tokenRewards", fn);
  const maskM = matrix2D(obj.mask, "mask", fn);
  assertSameShape({ tokenRewards: rewardsM, mask: maskM }, fn);
  assertNotEmpty(rewardsM, "tokenRewards", fn);
  const { rows, cols } = maskM;
  const output = options.output === undefined ? undefined : overwrittenArray(rows * cols, options.output);
  const r = rewardsM.data;
  const mask = maskM.data;
  const scores = new Float64Array(rows);
  if (options.lengths === false) {
    const prefix = rowSumsAndMaskPrefix(r, mask, rows, cols, scores, fn);
    return { rows, cols, shape: maskM.shape, mask, rewards: r, scores, lengths: undefined, prefix, rowsName: "tokenRewards", output };
  }
  const lengths = new Float64Array(rows);
  for (let b = 0; b < rows; b++) {
    const base = b * cols;
    let n = 0;
    let s = 0;
    for (let t = 0; t < cols; t++) {
      const v = mask[base + t] as number;
      if (v === 1) n++;
      else if (v !== 0) throw new RLError("INVALID_INPUT", `${fn}: mask[${b}][${t}] is ${v}; a mask holds only 0 and 1`);
      s += r[base + t] as number;
    }
    if (!Number.isFinite(s)) throwNonFinite(r, b, cols, "tokenRewards", fn);
    lengths[b] = n;
    scores[b] = s;
  }
  return { rows, cols, shape: maskM.shape, mask, rewards: r, scores, lengths, rowsName: "tokenRewards", output };
}

/**
 * Parses an outcome batch `{ tokenRewards?, rewards?, mask }` (`outcomes`: deprecated name of
 * `rewards`): `rewards` wins when given, otherwise the score is `Σ_t tokenRewards[b][t]`.
 */
export function parseOutcomeBatch(batch: unknown, fn: string, options: ParseOptions = {}): ParsedRows {
  const obj = requireObject(batch, fn);
  const rowRewards = rowRewardsOf<unknown>(obj, fn);
  if (rowRewards === undefined) return parseTokenRewards(batch, fn, options);
  const mask = matrix2D(obj.mask, "mask", fn);
  assertNotEmpty(mask, "mask", fn);
  const output = options.output === undefined ? undefined : overwrittenArray(mask.rows * mask.cols, options.output);
  let rewards: MatrixData | undefined;
  if (obj.tokenRewards !== undefined) {
    const r = matrix2D(obj.tokenRewards, "tokenRewards", fn);
    assertSameShape({ tokenRewards: r, mask }, fn);
    rewards = r.data;
  }
  const lengths = options.lengths === false ? undefined : maskLengths(mask.data, mask.rows, mask.cols, fn);
  const { values, missing: unscored } = splitNulls(rowRewards);
  const scores = Float64Array.from(vectorOf(values, "rewards", mask.rows, fn));
  return { rows: mask.rows, cols: mask.cols, shape: mask.shape, mask: mask.data, rewards, scores, lengths, unscored, rowsName: rewards === undefined ? "mask" : "tokenRewards", output };
}

/** Options of {@link broadcastRows}. */
export interface BroadcastOptions {
  /** Mask layout per row from the parse pass ({@link ParsedRows.prefix}); computed here if absent. */
  readonly prefix?: Int32Array | undefined;
  /** Preallocated storage of `rows · cols` entries to write (every entry is overwritten). */
  readonly out?: MatrixData | undefined;
}

/**
 * `out[b][t] = value[b]` where `mask = 1`, exactly 0 elsewhere (no `-0`). Validates the mask
 * (0/1 only) in the same pass, for batches parsed with `{ lengths: false }`. A row whose mask
 * is ones then zeros (`prefix[b] = n`) is written with `fill` and its mask is not read again;
 * any other row goes through the per-token loop, which names a bad mask entry.
 */
export function broadcastRows(
  values: ArrayLike<number>,
  mask: MatrixData,
  rows: number,
  cols: number,
  fn: string,
  dtype: OutputDtype,
  options: BroadcastOptions = {},
): Matrix {
  const given = options.out;
  const out = given ?? overwrittenArray(rows * cols, dtype);
  // Every entry is written: `out` is a caller's buffer or an array that is not zeroed.
  const prefix = options.prefix ?? maskPrefixes(mask, rows, cols);
  const f32 = !(out instanceof Float64Array);
  // Prefix rows are written with `fill`, one call per run of equal values (a row's zero tail and
  // the next row's zeros, or consecutive full rows with the same advantage, are one run).
  let runValue = 0;
  let runStart = 0;
  let runEnd = 0;
  for (let b = 0; b < rows; b++) {
    const v = values[b] as number;
    const a = v === 0 ? 0 : v;
    if (!Number.isFinite(a) || (f32 && Math.abs(a) > FLOAT32_MAX)) {
      throw new RLError(
        "NON_FINITE",
        Number.isFinite(a)
          ? `${fn}: the advantage of row ${b} is ${a}, which overflows the float32 output; pass dtype: "float64" or rescale the rewards`
          : `${fn}: the advantage of row ${b} is ${a} from finite inputs; a hyper-parameter (epsilon, fNorm, …) is too small or the rewards too large`,
      );
    }
    const base = b * cols;
    const n = prefix[b] as number;
    if (n >= 0) {
      if (n > 0) {
        if (runEnd === base && runValue === a) runEnd = base + n;
        else {
          fillRun(out, runValue, runStart, runEnd);
          runValue = a;
          runStart = base;
          runEnd = base + n;
        }
      }
      if (n < cols) {
        if (runEnd === base + n && runValue === 0) runEnd = base + cols;
        else {
          fillRun(out, runValue, runStart, runEnd);
          runValue = 0;
          runStart = base + n;
          runEnd = base + cols;
        }
      }
      continue;
    }
    for (let t = 0; t < cols; t++) {
      const m = mask[base + t] as number;
      if (m === 1) out[base + t] = a;
      else if (m === 0) {
        out[base + t] = 0;
      } else throw new RLError("INVALID_INPUT", `${fn}: mask[${b}][${t}] is ${m}; a mask holds only 0 and 1`);
    }
  }
  fillRun(out, runValue, runStart, runEnd);
  return new Matrix(out, [rows, cols]);
}

/** `out[start .. end) = value`: a loop for short runs (a `fill` call costs ~20 ns), `fill` otherwise. */
function fillRun(out: MatrixData, value: number, start: number, end: number): void {
  if (end - start >= 16) out.fill(value, start, end);
  else for (let k = start; k < end; k++) out[k] = value;
}

/** True when two typed arrays share bytes. */
function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * Checks a caller's `out` buffer against the batch: `rows · cols` entries, the storage of a
 * `dtype` that the raw (unparsed) config asks for explicitly, and no memory shared with the
 * inputs (rows with holes read the mask while `out` is written).
 */
export function checkOutputBuffer(
  out: MatrixData,
  rawConfig: unknown,
  parsed: Pick<ParsedRows, "rows" | "cols" | "mask" | "rewards">,
  fn: string,
): MatrixData {
  const { rows, cols } = parsed;
  if (out.length !== rows * cols) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: out has ${out.length} entries, the batch [${rows},${cols}] needs ${rows * cols}`);
  }
  const outDtype = out instanceof Float64Array ? "float64" : "float32";
  const requestedDtype = typeof rawConfig === "object" && rawConfig !== null ? (rawConfig as { dtype?: unknown }).dtype : undefined;
  if (requestedDtype !== undefined && requestedDtype !== outDtype) {
    throw new RLError("INVALID_CONFIG", `${fn}: dtype is "${String(requestedDtype)}" but out is a ${out.constructor.name}; give one or make them agree`);
  }
  for (const [name, input] of [["mask", parsed.mask], ["tokenRewards", parsed.rewards]] as const) {
    if (input !== undefined && overlaps(out, input)) {
      throw new RLError("INVALID_INPUT", `${fn}: out shares memory with ${name}; pass a separate buffer`);
    }
  }
  return out;
}

/** Per-group sums, counts, min and max of the scores. */
export interface GroupSums {
  readonly sum: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
}

/** One pass over the scores: sum, min and max per group. */
export function groupSums(scores: Float64Array, index: GroupIndex): GroupSums {
  const sum = new Float64Array(index.count);
  const min = new Float64Array(index.count).fill(Infinity);
  const max = new Float64Array(index.count).fill(-Infinity);
  for (let b = 0; b < scores.length; b++) {
    const g = index.of[b] as number;
    if (g < 0) continue;
    const s = scores[b] as number;
    sum[g] = (sum[g] as number) + s;
    if (s < (min[g] as number)) min[g] = s;
    if (s > (max[g] as number)) max[g] = s;
  }
  return { sum, min, max };
}

/**
 * Standard deviation per group around `mean`: unbiased (n−1, default; 0 for a group of one) or,
 * with `unbiased` false, the population one (n).
 */
export function groupStd(scores: Float64Array, index: GroupIndex, mean: Float64Array, unbiased = true): Float64Array {
  const ss = new Float64Array(index.count);
  for (let b = 0; b < scores.length; b++) {
    const g = index.of[b] as number;
    if (g < 0) continue;
    const d = (scores[b] as number) - (mean[g] as number);
    ss[g] = (ss[g] as number) + d * d;
  }
  for (let g = 0; g < index.count; g++) {
    const n = index.sizes[g] as number;
    const d = unbiased ? n - 1 : n;
    ss[g] = d > 0 ? Math.sqrt((ss[g] as number) / d) : 0;
  }
  return ss;
}

/** Counts singleton and zero-variance groups. */
export function diagnosticsOf(index: GroupIndex, sums: GroupSums): { groups: number; singletonGroups: number; zeroStdGroups: number } {
  let singletonGroups = 0;
  let zeroStdGroups = 0;
  for (let g = 0; g < index.count; g++) {
    if ((index.sizes[g] as number) === 1) singletonGroups++;
    else if (sums.min[g] === sums.max[g]) zeroStdGroups++;
  }
  return { groups: index.count, singletonGroups, zeroStdGroups };
}

/** Largest finite float32. */
export const FLOAT32_MAX = 3.4028234663852886e38;

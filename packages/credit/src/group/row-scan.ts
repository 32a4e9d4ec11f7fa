// Internal: the two reads of a `[B, T]` batch that the broadcast estimators (GRPO, RLOO, GPG, …)
// make, the mask layout per row and the row sums of the rewards, at memcmp speed in Node.
// Not re-exported from the package. See docs/core-decisions.md, "Group advantages on 1M tokens".
//
// A JS loop reads about one entry per ns here; glibc's memcmp reads tens of bytes per ns. So each
// read compares the input, a block of whole rows at a time, with a small scratch block ("template")
// holding what the input is expected to be: for the mask, every row's guessed ones-then-zeros
// layout; for the rewards, zeros except one entry per row (the last valid token, where outcome
// rewards sit), copied from the input. A block that compares equal proves every guess in it; a
// block that does not is compared row by row, and the rows that still differ take the per-entry
// loops. Results are the same numbers as the per-entry loops (the sums keep their left-to-right
// order: adding +0 changes nothing). Without Node's `Buffer` (browsers) the per-entry loops run.
import type { MatrixData } from "@rl/core/arrays";

/** The part of Node's `Buffer` used here: a byte view and its `compare`. */
interface ByteView {
  compare(target: ByteView, targetStart: number, targetEnd: number, sourceStart: number, sourceEnd: number): number;
}
interface BufferConstructorLike {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): ByteView;
}
const NodeBuffer = (globalThis as unknown as { Buffer?: BufferConstructorLike }).Buffer;

/** Smallest template, in bytes: 256 KiB (two templates stay in a 1 MiB L2). Grown to hold one row. */
const TEMPLATE_BYTES = 1 << 18;

/** A scratch block of whole rows, in the input's storage type, and its byte view. */
interface Template {
  readonly data: MatrixData;
  readonly bytes: ByteView;
  /** Rows per block (the template holds `rows · cols` entries). */
  rows: number;
  cols: number;
  /** Mask templates: the ones-prefix length written in each row of the block. */
  slots: Int32Array;
}

const templates = new Map<string, Template>();

function byteView(x: MatrixData): ByteView | undefined {
  return NodeBuffer === undefined ? undefined : NodeBuffer.from(x.buffer, x.byteOffset, x.byteLength);
}

/**
 * The template of `kind` for inputs like `like` with rows of `cols` entries, all zeros (mask
 * templates: as recorded in `slots`; reset to zeros when `cols` changes).
 */
function templateFor(kind: "mask" | "rewards", like: MatrixData, cols: number): Template {
  const f32 = like instanceof Float32Array;
  const key = `${kind}${f32 ? 32 : 64}`;
  let t = templates.get(key);
  if (t === undefined || t.data.length < cols) {
    const size = Math.max(cols, Math.floor(TEMPLATE_BYTES / like.BYTES_PER_ELEMENT));
    const data = f32 ? new Float32Array(size) : new Float64Array(size);
    t = { data, bytes: byteView(data) as ByteView, rows: 0, cols: 0, slots: new Int32Array(0) };
    templates.set(key, t);
  }
  if (t.cols !== cols) {
    t.data.fill(0);
    t.cols = cols;
    t.rows = Math.floor(t.data.length / cols);
    t.slots = new Int32Array(t.rows);
  }
  return t;
}

/** Length of the ones-then-zeros prefix of a mask row, or −1 when the row is not of that form. */
export function maskRowPrefix(mask: MatrixData, base: number, cols: number): number {
  const end = base + cols;
  let k = base;
  while (k + 4 <= end && mask[k] === 1 && mask[k + 1] === 1 && mask[k + 2] === 1 && mask[k + 3] === 1) k += 4;
  while (k < end && mask[k] === 1) k++;
  const ones = k - base;
  while (k + 4 <= end && mask[k] === 0 && mask[k + 1] === 0 && mask[k + 2] === 0 && mask[k + 3] === 0) k += 4;
  while (k < end && mask[k] === 0) k++;
  return k === end ? ones : -1;
}

/**
 * The ones-prefix length of a row if it is ones then zeros (unproven): the last entry, the first,
 * then every 16th entry (one per 64-byte line, in order, so the reads stream) up to the first that
 * is not 1, and a binary search inside that stride.
 */
function guessPrefix(mask: MatrixData, base: number, cols: number): number {
  if (mask[base + cols - 1] === 1) return cols;
  if (mask[base] !== 1) return 0;
  // mask[base + lo − 1] is 1 and mask[base + hi] is not
  let lo = 1;
  let hi = 16;
  while (hi < cols - 1 && mask[base + hi] === 1) {
    lo = hi + 1;
    hi += 16;
  }
  if (hi > cols - 1) hi = cols - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (mask[base + mid] === 1) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Mask layout per row: `prefix[b] = n` when row b is n ones followed by zeros (the usual
 * right-padded response), −1 otherwise (ones after a zero, or a value other than 0 and 1: the
 * caller's per-entry loop names it). The mask is not validated beyond that.
 */
export function maskPrefixes(mask: MatrixData, rows: number, cols: number): Int32Array {
  const prefix = new Int32Array(rows);
  const view = byteView(mask);
  if (view === undefined) {
    for (let b = 0; b < rows; b++) prefix[b] = maskRowPrefix(mask, b * cols, cols);
    return prefix;
  }
  const t = templateFor("mask", mask, cols);
  const { data, bytes, slots } = t;
  const rowBytes = cols * mask.BYTES_PER_ELEMENT;
  const E = mask.BYTES_PER_ELEMENT;
  for (let b0 = 0; b0 < rows; b0 += t.rows) {
    const n = Math.min(t.rows, rows - b0);
    let full = 0;
    for (let j = 0; j < n; j++) {
      const k = guessPrefix(mask, (b0 + j) * cols, cols);
      prefix[b0 + j] = k;
      if (k === cols) full++;
    }
    const start = b0 * rowBytes;
    const end = start + n * rowBytes;
    // A block of full rows: every entry equals the next one (the block compared with itself
    // shifted by one entry: one stream of reads instead of two) and the first is 1.
    if (full === n && mask[b0 * cols] === 1 && view.compare(view, start + E, end, start, end - E) === 0) continue;
    for (let j = 0; j < n; j++) {
      const k = prefix[b0 + j] as number;
      const old = slots[j] as number;
      const at = j * cols;
      if (k > old) data.fill(1, at + old, at + k);
      else if (k < old) data.fill(0, at + k, at + old);
      slots[j] = k;
    }
    if (view.compare(bytes, 0, n * rowBytes, start, end) === 0) continue;
    for (let j = 0; j < n; j++) {
      const s = start + j * rowBytes;
      if (view.compare(bytes, j * rowBytes, (j + 1) * rowBytes, s, s + rowBytes) !== 0) prefix[b0 + j] = -1;
    }
  }
  return prefix;
}

/** Left-to-right sum of `x[base .. base + cols)`. */
function sequentialSum(x: MatrixData, base: number, cols: number): number {
  const end = base + cols;
  let s = 0;
  let k = base;
  for (; k + 4 <= end; k += 4) s = s + (x[k] as number) + (x[k + 1] as number) + (x[k + 2] as number) + (x[k + 3] as number);
  for (; k < end; k++) s += x[k] as number;
  return s;
}

/**
 * `scores[b] = Σ_t r[b][t]`, summed left to right (the unmasked row sum, verl), for every row.
 * `prefix` (from {@link maskPrefixes}) says where each row's last valid token is: a row whose
 * other entries are all +0 sums to `0 + r[b][last]`, proved by comparing bytes; the other rows are
 * summed entry by entry. Non-finite sums are left for the caller to report.
 */
export function rowSums(r: MatrixData, rows: number, cols: number, prefix: Int32Array, scores: Float64Array): void {
  const view = byteView(r);
  if (view === undefined) {
    for (let b = 0; b < rows; b++) scores[b] = sequentialSum(r, b * cols, cols);
    return;
  }
  const t = templateFor("rewards", r, cols);
  const data = t.data;
  const bytes = t.bytes;
  const rowBytes = cols * r.BYTES_PER_ELEMENT;
  const last = new Int32Array(Math.min(t.rows, rows));
  for (let b0 = 0; b0 < rows; b0 += t.rows) {
    const n = Math.min(t.rows, rows - b0);
    for (let j = 0; j < n; j++) {
      const p = prefix[b0 + j] as number;
      const q = j * cols + (p > 0 ? p - 1 : cols - 1);
      last[j] = q;
      data[q] = r[b0 * cols + q] as number;
    }
    const start = b0 * rowBytes;
    const same = view.compare(bytes, 0, n * rowBytes, start, start + n * rowBytes) === 0;
    for (let j = 0; j < n; j++) {
      const b = b0 + j;
      const q = last[j] as number;
      const s = start + j * rowBytes;
      if (same || view.compare(bytes, j * rowBytes, (j + 1) * rowBytes, s, s + rowBytes) === 0) scores[b] = 0 + (r[b0 * cols + q] as number);
      else scores[b] = sequentialSum(r, b * cols, cols);
      data[q] = 0;
    }
  }
}

import { RLError } from "../errors.js";

/** A safetensors dtype this module reads (`F32`, `F64`, `I32`, `I64`, `U8`, `BOOL`, `F16`, `BF16`) or writes (`F32`, `F64`, `I32`, `U8`). */
export type SafetensorsDtype = "F32" | "F64" | "I32" | "I64" | "U8" | "BOOL" | "F16" | "BF16";

/** One tensor of a safetensors file: row-major data with its shape. */
export interface SafetensorsEntry {
  /** The file's dtype. */
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** F32 / F16 / BF16 → Float32Array, F64 → Float64Array, I32 / I64 → Int32Array (I64 must fit), U8 / BOOL → Uint8Array. */
  readonly data: Float32Array | Float64Array | Int32Array | Uint8Array;
}

/** Contents of a safetensors file: tensors by name and the `__metadata__` string map. */
export interface Safetensors {
  readonly tensors: Record<string, SafetensorsEntry>;
  readonly metadata: Record<string, string>;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4, I64: 8, U8: 1, BOOL: 1, F16: 2, BF16: 2 };
const MAX_HEADER = 100_000_000; // the reference implementation's limit

/**
 * Encodes tensors as a safetensors file (huggingface/safetensors format: an 8-byte little-endian
 * header length, a JSON header `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__ }`
 * padded with spaces to a multiple of 8, then the little-endian data, tensors in name order).
 * Writes F32, F64, I32 or U8 (from the typed array's kind). Metadata values must be strings.
 * @example
 * const bytes = encodeSafetensors({ w: { dtype: "F32", shape: [2], data: Float32Array.of(1, 2) } }, { step: "3" });
 * decodeSafetensors(bytes).metadata.step; // "3"
 * @remarks Format: huggingface/safetensors, README "Format".
 */
export function encodeSafetensors(tensors: Record<string, Omit<SafetensorsEntry, "dtype"> & { dtype?: SafetensorsDtype }>, metadata: Record<string, string> = {}): Uint8Array {
  const fn = "encodeSafetensors";
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") throw new RLError("INVALID_INPUT", `${fn}: metadata.${k} must be a string (safetensors metadata is a string map)`);
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const name of names) {
    if (name === "__metadata__") throw new RLError("INVALID_INPUT", `${fn}: "__metadata__" is reserved`);
    const t = tensors[name] as SafetensorsEntry;
    const dtype = t.dtype ?? dtypeOf(t.data);
    if (dtypeOf(t.data) !== dtype) throw new RLError("INVALID_INPUT", `${fn}: ${name} has dtype ${dtype} but its data is a ${t.data.constructor.name}`);
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0) || size !== t.data.length) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} has shape [${t.shape.join(",")}] (${size} entries) and ${t.data.length} values`);
    }
    const bytes = littleEndianBytes(t.data);
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  const pad = (8 - ((new TextEncoder().encode(json).length) % 8)) % 8;
  json += " ".repeat(pad);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Decodes a safetensors file (see {@link encodeSafetensors}); F16 / BF16 become float32, I64
 * becomes int32 (an entry past ±2³¹ throws). Every offset is checked: a truncated or malformed
 * file throws `RLError("PARSE")` naming the tensor, never returns partial data.
 * @example
 * decodeSafetensors(encodeSafetensors({ b: { shape: [1], data: Int32Array.of(7) } })).tensors.b.dtype; // "I32"
 * @remarks Format: huggingface/safetensors, README "Format".
 */
export function decodeSafetensors(bytes: Uint8Array): Safetensors {
  const fn = "decodeSafetensors";
  if (!(bytes instanceof Uint8Array) || bytes.length < 8) throw new RLError("PARSE", `${fn}: not a safetensors file (${bytes?.length ?? 0} bytes, the header length needs 8)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > MAX_HEADER || 8 + n > bytes.length) throw new RLError("PARSE", `${fn}: header length ${n} does not fit the file (${bytes.length} bytes)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  } catch (e) {
    throw new RLError("PARSE", `${fn}: the header is not UTF-8 JSON`, { cause: e });
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw new RLError("PARSE", `${fn}: the header is not a JSON object`);
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors: Record<string, SafetensorsEntry> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === "__metadata__") {
      for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        if (typeof v !== "string") throw new RLError("PARSE", `${fn}: __metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = info?.dtype as SafetensorsDtype;
    if (!(dtype in BYTES)) throw new RLError(typeof info?.dtype === "string" ? "NOT_IMPLEMENTED" : "PARSE", `${fn}: ${name} has dtype ${String(info?.dtype)}; supported: ${Object.keys(BYTES).join(", ")}`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new RLError("PARSE", `${fn}: ${name} has a bad shape ${JSON.stringify(shape)}`);
    const offsets = info.data_offsets;
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) throw new RLError("PARSE", `${fn}: ${name} has bad data_offsets`);
    const [begin, end] = offsets as [number, number];
    if (end < begin || end > dataLength || end - begin !== size * BYTES[dtype]) {
      throw new RLError("PARSE", `${fn}: ${name} [${(shape as number[]).join(",")}] ${dtype} needs ${size * BYTES[dtype]} bytes, data_offsets [${begin}, ${end}] of ${dataLength}`);
    }
    tensors[name] = { dtype, shape: shape as number[], data: readData(bytes.subarray(dataStart + begin, dataStart + end), dtype, size, name, fn) };
  }
  return { tensors, metadata };
}

function dtypeOf(data: SafetensorsEntry["data"]): SafetensorsDtype {
  if (data instanceof Float32Array) return "F32";
  if (data instanceof Float64Array) return "F64";
  if (data instanceof Int32Array) return "I32";
  if (data instanceof Uint8Array) return "U8";
  throw new RLError("INVALID_INPUT", "encodeSafetensors: data must be a Float32Array, Float64Array, Int32Array or Uint8Array");
}

function littleEndianBytes(data: SafetensorsEntry["data"]): Uint8Array {
  const copy = data.slice(); // aligned, owned
  const bytes = new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength);
  if (!littleEndianHost && copy.BYTES_PER_ELEMENT > 1) {
    for (let i = 0; i < bytes.length; i += copy.BYTES_PER_ELEMENT) bytes.subarray(i, i + copy.BYTES_PER_ELEMENT).reverse();
  }
  return bytes;
}

const littleEndianHost = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function readData(src: Uint8Array, dtype: SafetensorsDtype, size: number, name: string, fn: string): SafetensorsEntry["data"] {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  switch (dtype) {
    case "F32":
      return Float32Array.from({ length: size }, (_, i) => view.getFloat32(4 * i, true));
    case "F64":
      return Float64Array.from({ length: size }, (_, i) => view.getFloat64(8 * i, true));
    case "I32":
      return Int32Array.from({ length: size }, (_, i) => view.getInt32(4 * i, true));
    case "I64":
      return Int32Array.from({ length: size }, (_, i) => {
        const v = view.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) throw new RLError("NOT_IMPLEMENTED", `${fn}: ${name}[${i}] = ${v} does not fit int32`);
        return Number(v);
      });
    case "U8":
    case "BOOL":
      return Uint8Array.from(src);
    case "BF16":
      return Float32Array.from({ length: size }, (_, i) => {
        const f = new DataView(new ArrayBuffer(4));
        f.setUint32(0, view.getUint16(2 * i, true) << 16);
        return f.getFloat32(0);
      });
    case "F16":
      return Float32Array.from({ length: size }, (_, i) => half(view.getUint16(2 * i, true)));
  }
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : Number.NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

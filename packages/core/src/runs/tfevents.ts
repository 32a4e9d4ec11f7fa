import { RLError } from "../errors.js";
import { metricsRecord, type MetricsSink } from "./metrics-sink.js";

// TensorBoard event files, written by hand: no maintained npm package writes them without
// tfjs-node. Two layers, both small and public formats:
//  - TFRecord framing: u64 LE length, u32 LE masked CRC-32C of the length bytes, the data,
//    u32 LE masked CRC-32C of the data (mask(c) = ((c >>> 15) | (c << 17)) + 0xa282ead8).
//  - The `tensorflow.Event` protobuf: wall_time (1, double), step (2, int64), file_version
//    (3, string) or summary (5, Summary { repeated Value value = 1 { tag = 1, simple_value = 2 (float) } }).

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of `bytes`. */
function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = (CRC32C_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add 0xa282ead8 (mod 2³²). */
function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/**
 * Frames `data` as one TFRecord: `u64 length | u32 masked_crc32c(length) | data | u32 masked_crc32c(data)`,
 * little-endian (the framing of TensorBoard event files and `.tfrecord` datasets).
 * @example
 * encodeTfRecord(new Uint8Array([1, 2, 3])).length; // 8 + 4 + 3 + 4 = 19
 * @remarks Format: TensorFlow's `tensorflow/core/lib/io/record_writer.cc`.
 */
export function encodeTfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length >>> 0, true);
  view.setUint32(4, Math.floor(data.length / 2 ** 32), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/**
 * Splits TFRecord bytes into their records, checking both CRCs. A bad CRC or a record cut
 * short is `RLError("PARSE")` naming the record index and its byte offset.
 * @example
 * decodeTfRecords(encodeTfRecord(new Uint8Array([7]))); // [Uint8Array [7]]
 */
export function decodeTfRecords(bytes: Uint8Array): Uint8Array[] {
  const fn = "decodeTfRecords";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let off = 0;
  while (off < bytes.length) {
    const at = `record ${records.length} (byte ${off})`;
    if (off + 12 > bytes.length) throw new RLError("PARSE", `${fn}: ${at} is cut short in its header`);
    const length = view.getUint32(off, true) + view.getUint32(off + 4, true) * 2 ** 32;
    if (view.getUint32(off + 8, true) !== maskedCrc32c(bytes.subarray(off, off + 8))) throw new RLError("PARSE", `${fn}: ${at} has a bad length CRC`);
    if (off + 16 + length > bytes.length) throw new RLError("PARSE", `${fn}: ${at} is cut short: ${length} data bytes announced`);
    const data = bytes.subarray(off + 12, off + 12 + length);
    if (view.getUint32(off + 12 + length, true) !== maskedCrc32c(data)) throw new RLError("PARSE", `${fn}: ${at} has a bad data CRC`);
    records.push(data);
    off += 16 + length;
  }
  return records;
}

/** One TensorBoard event: a file-version header or a step's scalar summaries. */
export interface TfEvent {
  /** Seconds since the Unix epoch (TensorBoard's x axis in "relative"/"wall" mode). */
  readonly wallTime: number;
  readonly step: number;
  /** Set on the first event of a file (`"brain.Event:2"`). */
  readonly fileVersion?: string;
  /** Scalars by tag (`simple_value`, stored as float32). */
  readonly scalars?: Readonly<Record<string, number>>;
}

class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }
  varint(v: number): this {
    const out: number[] = [];
    let x = v;
    while (x >= 0x80) {
      out.push((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    out.push(x);
    this.push(Uint8Array.from(out));
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }
  double(field: number, v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.tag(field, 1).push(b);
    return this;
  }
  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.tag(field, 5).push(b);
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length).push(b);
    return this;
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

const utf8 = new TextEncoder();

/**
 * Serialises one event as the `tensorflow.Event` protobuf (not framed: see {@link encodeTfRecord}).
 * Each scalar becomes a `Summary.Value { tag, simple_value }`.
 * @example
 * encodeTfEvent({ wallTime: 0, step: 1, scalars: { loss: 0.5 } }); // Uint8Array (protobuf)
 * @remarks Format: TensorFlow's `event.proto` and `summary.proto`.
 */
export function encodeTfEvent(event: TfEvent): Uint8Array {
  const fn = "encodeTfEvent";
  if (!Number.isFinite(event.wallTime)) throw new RLError("INVALID_INPUT", `${fn}: wallTime must be finite, got ${event.wallTime}`);
  if (!Number.isSafeInteger(event.step) || event.step < 0) throw new RLError("INVALID_INPUT", `${fn}: step must be a non-negative integer, got ${event.step}`);
  const w = new ProtoWriter().double(1, event.wallTime);
  if (event.step !== 0) w.tag(2, 0).varint(event.step);
  if (event.fileVersion !== undefined) w.bytes(3, utf8.encode(event.fileVersion));
  if (event.scalars !== undefined) {
    const summary = new ProtoWriter();
    for (const [tag, value] of Object.entries(event.scalars)) {
      if (typeof value !== "number" || !Number.isFinite(value)) throw new RLError("NON_FINITE", `${fn}: scalar ${tag} at step ${event.step} is ${String(value)}`);
      summary.bytes(1, new ProtoWriter().bytes(1, utf8.encode(tag)).float(2, value).finish());
    }
    w.bytes(5, summary.finish());
  }
  return w.finish();
}

class ProtoReader {
  off = 0;
  constructor(
    readonly b: Uint8Array,
    readonly where: string,
  ) {}
  get done(): boolean {
    return this.off >= this.b.length;
  }
  fail(what: string): never {
    throw new RLError("PARSE", `decodeTfEvent: ${this.where}: ${what} at byte ${this.off}`);
  }
  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (this.off >= this.b.length) this.fail("varint cut short");
      const byte = this.b[this.off++] as number;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 0x80;
      if (scale > 2 ** 63) this.fail("varint too long");
    }
  }
  take(n: number): Uint8Array {
    if (this.off + n > this.b.length) this.fail("field cut short");
    const out = this.b.subarray(this.off, this.off + n);
    this.off += n;
    return out;
  }
  f64(): number {
    const b = this.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
  }
  f32(): number {
    const b = this.take(4);
    return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.take(8);
    else if (wire === 2) this.take(this.varint());
    else if (wire === 5) this.take(4);
    else this.fail(`unsupported wire type ${wire}`);
  }
}

const utf8Decoder = new TextDecoder();

/**
 * Parses one `tensorflow.Event` protobuf (the inverse of {@link encodeTfEvent}): wall time, step,
 * file version and `simple_value` scalars; other fields are skipped. Malformed bytes are `RLError("PARSE")`.
 * @example
 * decodeTfEvent(encodeTfEvent({ wallTime: 1, step: 2, scalars: { loss: 0.5 } })).scalars; // { loss: 0.5 }
 */
export function decodeTfEvent(bytes: Uint8Array): TfEvent {
  const r = new ProtoReader(bytes, "event");
  let wallTime = 0;
  let step = 0;
  let fileVersion: string | undefined;
  let scalars: Record<string, number> | undefined;
  while (!r.done) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 1 && wire === 1) wallTime = r.f64();
    else if (field === 2 && wire === 0) step = r.varint();
    else if (field === 3 && wire === 2) fileVersion = utf8Decoder.decode(r.take(r.varint()));
    else if (field === 5 && wire === 2) {
      const s = new ProtoReader(r.take(r.varint()), "summary");
      scalars ??= {};
      while (!s.done) {
        const k = s.varint();
        if (k !== (1 << 3) + 2) {
          s.skip(k % 8);
          continue;
        }
        const v = new ProtoReader(s.take(s.varint()), "summary value");
        let tag = "";
        let value: number | undefined;
        while (!v.done) {
          const kv = v.varint();
          if (kv === (1 << 3) + 2) tag = utf8Decoder.decode(v.take(v.varint()));
          else if (kv === (2 << 3) + 5) value = v.f32();
          else v.skip(kv % 8);
        }
        if (value !== undefined) Object.defineProperty(scalars, tag, { value, enumerable: true, writable: true, configurable: true }); // a tag may be "__proto__"
      }
    } else r.skip(wire);
  }
  return { wallTime, step, ...(fileVersion === undefined ? {} : { fileVersion }), ...(scalars === undefined ? {} : { scalars }) };
}

/** Options of {@link tensorboardMetricsSink}. */
export interface TensorboardSinkOptions {
  /** Put before every tag, e.g. `"train/"` (what `transformers`' TensorBoard callback writes). Default `""`. */
  readonly prefix?: string;
  /** The clock, in seconds since the epoch. Default `Date.now() / 1000`. */
  readonly wallTime?: () => number;
  /** The file name inside `logDir`. Default `events.out.tfevents.<seconds>.<host>.<pid>` (TensorBoard reads files whose name contains `tfevents`). */
  readonly fileName?: string;
}

/**
 * A {@link MetricsSink} that writes a TensorBoard event file in `logDir` (Node, no tfjs-node, no
 * dependency): `tensorboard --logdir <logDir>` plots every metric. One event per `log` call, with
 * every metric as a scalar under its TRL name ({@link metricsRecord}: `loss`, `grad_norm`,
 * `learning_rate`, …, non-finite values refused) and the optional `prefix`. Each event is one
 * whole TFRecord appended with a single write, so a crash never leaves half a record that a
 * reader would take for data (TensorBoard stops at a cut-short last record). Values are float32
 * (TensorBoard's `simple_value`). Read a file back with {@link decodeTfRecords} + {@link decodeTfEvent}.
 * @example
 * const sink = await tensorboardMetricsSink("runs/dpo", { prefix: "train/" });
 * await sink.log(1, { loss: 0.69, gradNorm: 1.2 }); // tags train/loss, train/grad_norm
 * await sink.close();
 */
export async function tensorboardMetricsSink(logDir: string, options: TensorboardSinkOptions = {}): Promise<MetricsSink & { readonly path: string }> {
  const fn = "tensorboardMetricsSink";
  const fs = await import("node:fs/promises");
  const nodePath = await import("node:path");
  const os = await import("node:os");
  const clock = options.wallTime ?? (() => Date.now() / 1000);
  const prefix = options.prefix ?? "";
  const start = clock();
  const fileName = options.fileName ?? `events.out.tfevents.${Math.floor(start)}.${os.hostname()}.${process.pid}`;
  const path = nodePath.join(logDir, fileName);
  let handle: Awaited<ReturnType<typeof fs.open>>;
  try {
    await fs.mkdir(logDir, { recursive: true });
    handle = await fs.open(path, "a");
    await handle.write(encodeTfRecord(encodeTfEvent({ wallTime: start, step: 0, fileVersion: "brain.Event:2" })));
  } catch (e) {
    throw new RLError("IO", `${fn}: cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
  let closed = false;
  return {
    path,
    async log(step, metrics) {
      if (closed) throw new RLError("INVALID_INPUT", `${fn}: log after close`);
      const { step: _step, ...values } = metricsRecord(step, metrics);
      const scalars = Object.fromEntries(Object.entries(values).map(([k, v]) => [prefix + k, v]));
      const record = encodeTfRecord(encodeTfEvent({ wallTime: clock(), step, scalars }));
      try {
        await handle.write(record);
      } catch (e) {
        throw new RLError("IO", `${fn}: cannot write ${path}: ${(e as Error).message}`, { cause: e });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.sync();
      await handle.close();
    },
  };
}

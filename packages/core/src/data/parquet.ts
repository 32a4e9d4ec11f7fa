import { z } from "zod";
import type { AsyncBuffer } from "hyparquet";
import { parseConfig } from "../config.js";
import { RLError, formatIssues } from "../errors.js";
import type { JsonlLineError } from "./jsonl-reader.js";

/** A Parquet source: a file path (Node), the file's bytes, or a hyparquet `AsyncBuffer` (e.g. `asyncBufferFromUrl`). */
export type ParquetSource = string | ArrayBuffer | Uint8Array | AsyncBuffer;

/**
 * Config of {@link readParquet}.
 * - `columns`: read only these columns (default: all).
 * - `rowStart` / `rowEnd`: the half-open row range `[rowStart, rowEnd)` (default: all rows).
 * - `onError`: a row failing the schema — `"stop"` (default) throws, `"skip"` drops it,
 *   `"collect"` drops it and lists it in `errors` (`line` = 1-based row number in the file).
 * - `bigint`: INT64 columns arrive as `bigint`; `"number"` (default) converts those within
 *   ±2^53 to numbers (larger ones stay bigint), `"keep"` leaves them all as bigint.
 */
export const readParquetConfig = z.object({
  columns: z.array(z.string()).optional(),
  rowStart: z.number().int().nonnegative().optional(),
  rowEnd: z.number().int().nonnegative().optional(),
  onError: z.enum(["stop", "skip", "collect"]).default("stop"),
  bigint: z.enum(["number", "keep"]).default("number"),
});
/** Config of {@link readParquet} (see {@link readParquetConfig}). */
export type ReadParquetConfig = z.input<typeof readParquetConfig>;

function toNumbers(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
  }
  if (Array.isArray(value)) return value.map(toNumbers);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toNumbers(v)]));
  }
  return value;
}

/**
 * Reads a Parquet dataset (as Hugging Face publishes them) into row objects with hyparquet
 * (uncompressed and snappy pages; other codecs need `hyparquet-compressors`), validating each
 * row with `schema` when given. Errors name the 1-based row and the field; an unreadable file is
 * `IO` (missing) or `PARSE` (not Parquet).
 * @example
 * const { records } = await readParquet("train-00000-of-00001.parquet", standardPreferenceSchema);
 */
export async function readParquet<S extends z.ZodType = z.ZodUnknown>(
  source: ParquetSource,
  schema?: S,
  config: ReadParquetConfig = {},
): Promise<{ records: z.output<S>[]; errors: JsonlLineError[] }> {
  const fn = "readParquet";
  const { columns, rowStart, rowEnd, onError, bigint } = parseConfig(readParquetConfig, config, fn);
  const hp = await import("hyparquet");
  let file: AsyncBuffer;
  if (typeof source === "string") {
    try {
      file = await hp.asyncBufferFromFile(source);
    } catch (e) {
      throw new RLError("IO", `${fn}: cannot open ${source}: ${(e as Error).message}`, { cause: e });
    }
  } else if (source instanceof Uint8Array) {
    file = source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength) as ArrayBuffer;
  } else {
    file = source;
  }
  let rows: Record<string, unknown>[];
  try {
    rows = await hp.parquetReadObjects({
      file,
      ...(columns === undefined ? {} : { columns }),
      ...(rowStart === undefined ? {} : { rowStart }),
      ...(rowEnd === undefined ? {} : { rowEnd }),
    });
  } catch (e) {
    throw new RLError("PARSE", `${fn}: cannot read Parquet: ${(e as Error).message}`, { cause: e });
  }
  const records: z.output<S>[] = [];
  const errors: JsonlLineError[] = [];
  const first = rowStart ?? 0;
  rows.forEach((raw, i) => {
    const row = bigint === "number" ? toNumbers(raw) : raw;
    if (schema === undefined) {
      records.push(row as z.output<S>);
      return;
    }
    const result = schema.safeParse(row);
    if (result.success) {
      records.push(result.data as z.output<S>);
      return;
    }
    const line = first + i + 1;
    const error = new RLError("INVALID_INPUT", `${fn}: row ${line}: ${formatIssues(result.error.issues)}`, { issues: result.error.issues });
    if (onError === "stop") throw error;
    if (onError === "collect") errors.push({ line, error });
  });
  return { records, errors };
}

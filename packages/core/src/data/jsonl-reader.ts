import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError, formatIssues } from "../errors.js";

/** Where JSONL comes from: a file path (Node), any async iterable of text or bytes, or a Web stream. */
export type JsonlSource = string | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array> | ReadableStream<string | Uint8Array>;

/**
 * Config of {@link readJsonl}.
 * - `onError`: what a bad line does. `"stop"` (default) throws it; `"skip"` drops it silently
 *   (but a source whose every non-blank line is bad throws the first error at the end: that is a
 *   wrong file, not an empty dataset); `"collect"` drops it and appends it to the reader's `errors`.
 *   A line that is not valid UTF-8 is a bad line (`PARSE`), like bad JSON.
 */
export const readJsonlConfig = z.object({
  onError: z.enum(["stop", "skip", "collect"]).default("stop"),
});
/** Config of {@link readJsonl} (see {@link readJsonlConfig}). */
export type ReadJsonlConfig = z.input<typeof readJsonlConfig>;

/** A bad line: its 1-based number and the error (`PARSE` for bad JSON, `INVALID_INPUT` + zod issues for a schema failure). */
export interface JsonlLineError {
  line: number;
  error: RLError;
}

/** An async iterable of validated records that also keeps the collected line errors. */
export interface JsonlReader<T> extends AsyncIterable<T> {
  /** Errors of bad lines (filled with `onError: "collect"`, as the iteration reaches them). */
  readonly errors: JsonlLineError[];
}

function isReadableStream(x: unknown): x is ReadableStream<string | Uint8Array> {
  return typeof x === "object" && x !== null && typeof (x as { getReader?: unknown }).getReader === "function";
}

async function* chunksOf(source: JsonlSource, fn: string): AsyncGenerator<string | Uint8Array> {
  if (typeof source === "string") {
    const { createReadStream } = await import("node:fs");
    const stream = createReadStream(source);
    try {
      for await (const chunk of stream) yield chunk as Uint8Array;
    } catch (e) {
      throw new RLError("IO", `${fn}: cannot read ${source}: ${(e as Error).message}`, { cause: e });
    } finally {
      stream.destroy();
    }
    return;
  }
  if (isReadableStream(source)) {
    const reader = source.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  yield* source as AsyncIterable<string | Uint8Array>;
}

/** A line of {@link linesOf}: its text, or the error that makes it unreadable (invalid UTF-8). */
type RawLine = string | RLError;

/**
 * Splits a text/byte stream into lines, streaming and in linear time: a line ends at `\n`,
 * `\r\n` or a lone `\r` (old Mac endings). Memory is one line plus one chunk; each chunk is
 * scanned once and a long line's pieces are joined once, at its end (concatenating the carry to
 * every chunk was quadratic). Bytes are decoded per line with a fatal UTF-8 decoder, so invalid
 * UTF-8 makes that line an `RLError("PARSE")` instead of silently becoming U+FFFD. A UTF-8 BOM at
 * the start is dropped; a last line without a terminator counts.
 */
async function* linesOf(source: JsonlSource, fn: string): AsyncGenerator<RawLine> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let parts: (string | Uint8Array)[] = [];
  let afterCR = false; // the previous terminator was \r: a \n right after it belongs to it
  let lineNo = 0;
  const finish = (): RawLine => {
    lineNo++;
    const ps = parts;
    parts = [];
    let text: string;
    if (ps.every((p) => typeof p === "string")) text = (ps as string[]).join("");
    else {
      const pieces: string[] = [];
      let bytes: Uint8Array[] = [];
      const flush = (): void => {
        if (bytes.length === 0) return;
        const total = bytes.reduce((n, b) => n + b.length, 0);
        const joined = new Uint8Array(total);
        let off = 0;
        for (const b of bytes) {
          joined.set(b, off);
          off += b.length;
        }
        pieces.push(decoder.decode(joined));
        bytes = [];
      };
      try {
        for (const p of ps) {
          if (typeof p === "string") {
            flush();
            pieces.push(p);
          } else bytes.push(p);
        }
        flush();
      } catch (e) {
        return new RLError("PARSE", `${fn}: line ${lineNo}: invalid UTF-8`, { cause: e });
      }
      text = pieces.join("");
    }
    if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return text;
  };
  for await (const chunk of chunksOf(source, fn)) {
    const isText = typeof chunk === "string";
    if (!isText && !(chunk instanceof Uint8Array)) throw new RLError("INVALID_INPUT", `${fn}: a chunk is neither a string nor bytes`);
    const n = chunk.length;
    let start = 0;
    for (let k = 0; k < n; k++) {
      const c = isText ? chunk.charCodeAt(k) : (chunk[k] as number);
      if (c !== 10 && c !== 13) {
        afterCR = false;
        continue;
      }
      if (c === 10 && afterCR && k === start) {
        // the \n of a \r\n split across chunks (or right after the \r): not a new line
        afterCR = false;
        start = k + 1;
        continue;
      }
      if (k > start) parts.push(isText ? chunk.slice(start, k) : chunk.subarray(start, k));
      yield finish();
      if (c === 13 && k + 1 < n && (isText ? chunk.charCodeAt(k + 1) : chunk[k + 1]) === 10) k++;
      else afterCR = c === 13;
      start = k + 1;
    }
    if (start < n) parts.push(isText ? chunk.slice(start) : chunk.slice(start)); // a copy: the source may reuse its buffer
  }
  if (parts.length > 0) yield finish();
}

/**
 * Parses one JSONL line: JSON, then the schema when given. Throws `RLError` `PARSE` (bad JSON) or
 * `INVALID_INPUT` (schema; the message names the zod path, `issues` carries them), the message
 * starting `"<fn>: line <n>: "`.
 * @example
 * parseJsonlLine('{"prompt":"p","chosen":1}', 3, standardPreferenceSchema);
 * // throws RLError INVALID_INPUT "parseJsonlLine: line 3: chosen: Invalid input: expected string, received number; rejected: …"
 */
export function parseJsonlLine<S extends z.ZodType = z.ZodUnknown>(text: string, line: number, schema?: S, fn = "parseJsonlLine"): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RLError("PARSE", `${fn}: line ${line}: invalid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (schema === undefined) return value as z.output<S>;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new RLError("INVALID_INPUT", `${fn}: line ${line}: ${formatIssues(result.error.issues)}`, { issues: result.error.issues });
  }
  return result.data as z.output<S>;
}

/**
 * Streams a JSONL file (or any text/byte stream) record by record, validating each line with
 * `schema` when given. Lines end at `\n`, `\r\n` or a lone `\r`; reading is linear in the size
 * of the source, however long a line. Blank lines are skipped (but counted: line numbers are 1-based physical
 * lines). Bad lines follow `onError` (see {@link readJsonlConfig}); every error names the line
 * and the field. A string source is a file path (Node only); to parse text in memory pass
 * `[text]`.
 * @example
 * const reader = readJsonl("prefs.jsonl", standardPreferenceSchema, { onError: "collect" });
 * for await (const rec of reader) console.log(rec.prompt);
 * console.log(reader.errors.map((e) => e.error.message)); // ["readJsonl: line 7: chosen: …"]
 */
export function readJsonl<S extends z.ZodType = z.ZodUnknown>(source: JsonlSource, schema?: S, config: ReadJsonlConfig = {}): JsonlReader<z.output<S>> {
  const fn = "readJsonl";
  const { onError } = parseConfig(readJsonlConfig, config, fn);
  const errors: JsonlLineError[] = [];
  return {
    errors,
    async *[Symbol.asyncIterator]() {
      let line = 0;
      let good = 0;
      let firstBad: RLError | undefined;
      for await (const text of linesOf(source, fn)) {
        line++;
        if (typeof text === "string" && text.trim() === "") continue;
        try {
          if (typeof text !== "string") throw text;
          const record = parseJsonlLine(text, line, schema, fn);
          good++;
          yield record;
        } catch (e) {
          if (!RLError.isInstance(e) || onError === "stop") throw e;
          firstBad ??= e;
          if (onError === "collect") errors.push({ line, error: e });
        }
      }
      // "skip" drops bad lines, but a source where every line is bad is a wrong file, not an empty dataset
      if (onError === "skip" && good === 0 && firstBad !== undefined) {
        throw new RLError(firstBad.code, `${fn}: every non-blank line is bad (onError "skip"); the first: ${firstBad.message}`, { cause: firstBad });
      }
    },
  };
}

/**
 * Reads a whole JSONL source into memory: `{ records, errors }` (errors as with
 * `onError: "collect"`, unless `onError` says otherwise).
 * @example
 * const { records, errors } = await readJsonlAll("prefs.jsonl", standardPreferenceSchema, { onError: "collect" });
 */
export async function readJsonlAll<S extends z.ZodType = z.ZodUnknown>(
  source: JsonlSource,
  schema?: S,
  config: ReadJsonlConfig = {},
): Promise<{ records: z.output<S>[]; errors: JsonlLineError[] }> {
  const reader = readJsonl(source, schema, config);
  const records: z.output<S>[] = [];
  for await (const r of reader) records.push(r);
  return { records, errors: reader.errors };
}

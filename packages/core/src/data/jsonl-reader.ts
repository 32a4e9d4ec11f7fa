import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError, formatIssues } from "../errors.js";

/** Where JSONL comes from: a file path (Node), any async iterable of text or bytes, or a Web stream. */
export type JsonlSource = string | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array> | ReadableStream<string | Uint8Array>;

/**
 * Config of {@link readJsonl}.
 * - `onError`: what a bad line does. `"stop"` (default) throws it; `"skip"` drops it silently;
 *   `"collect"` drops it and appends it to the reader's `errors`.
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

/**
 * Splits a text/byte stream into lines (`\n` or `\r\n`), streaming: memory is one line plus one
 * chunk. A UTF-8 BOM at the start is dropped; a last line without `\n` counts.
 */
async function* linesOf(source: JsonlSource, fn: string): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8");
  let carry = "";
  let first = true;
  for await (const chunk of chunksOf(source, fn)) {
    let text = carry + (typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let start = 0;
    for (let nl = text.indexOf("\n", start); nl !== -1; nl = text.indexOf("\n", start)) {
      yield text.slice(start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  carry += decoder.decode();
  if (carry.endsWith("\r")) carry = carry.slice(0, -1);
  if (carry.length > 0) yield carry;
}

/**
 * Parses one JSONL line: JSON, then the schema when given. Throws `RLError` `PARSE` (bad JSON) or
 * `INVALID_INPUT` (schema; the message names the zod path, `issues` carries them), the message
 * starting `"<fn>: line <n>: "`.
 * @example
 * parseJsonlLine('{"prompt":"p","chosen":1}', 3, standardPreferenceSchema);
 * // throws RLError INVALID_INPUT "parseJsonlLine: line 3: chosen: Invalid input: expected string, received number; rejected: …"
 * @remarks no paper
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
 * `schema` when given. Blank lines are skipped (but counted: line numbers are 1-based physical
 * lines). Bad lines follow `onError` (see {@link readJsonlConfig}); every error names the line
 * and the field. A string source is a file path (Node only); to parse text in memory pass
 * `[text]`.
 * @example
 * const reader = readJsonl("prefs.jsonl", standardPreferenceSchema, { onError: "collect" });
 * for await (const rec of reader) console.log(rec.prompt);
 * console.log(reader.errors.map((e) => e.error.message)); // ["readJsonl: line 7: chosen: …"]
 * @remarks no paper
 */
export function readJsonl<S extends z.ZodType = z.ZodUnknown>(source: JsonlSource, schema?: S, config: ReadJsonlConfig = {}): JsonlReader<z.output<S>> {
  const fn = "readJsonl";
  const { onError } = parseConfig(readJsonlConfig, config, fn);
  const errors: JsonlLineError[] = [];
  return {
    errors,
    async *[Symbol.asyncIterator]() {
      let line = 0;
      for await (const text of linesOf(source, fn)) {
        line++;
        if (text.trim() === "") continue;
        try {
          yield parseJsonlLine(text, line, schema, fn);
        } catch (e) {
          if (!RLError.isInstance(e) || onError === "stop") throw e;
          if (onError === "collect") errors.push({ line, error: e });
        }
      }
    },
  };
}

/**
 * Reads a whole JSONL source into memory: `{ records, errors }` (errors as with
 * `onError: "collect"`, unless `onError` says otherwise).
 * @example
 * const { records, errors } = await readJsonlAll("prefs.jsonl", standardPreferenceSchema, { onError: "collect" });
 * @remarks no paper
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

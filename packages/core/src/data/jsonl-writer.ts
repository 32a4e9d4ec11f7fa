import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError, formatIssues } from "../errors.js";

/**
 * Config of {@link openJsonlWriter}.
 * - `append` (default `true`): add to an existing file; `false` truncates it first.
 * - `sync`: when to `fsync` — `"close"` (default), `"record"` (after every record: durable, slow)
 *   or `"none"` (leave it to the OS; `flush()` still syncs).
 */
export const jsonlWriterConfig = z.object({
  append: z.boolean().default(true),
  sync: z.enum(["close", "record", "none"]).default("close"),
});
/** Config of {@link openJsonlWriter} (see {@link jsonlWriterConfig}). */
export type JsonlWriterConfig = z.input<typeof jsonlWriterConfig>;

/** A line-by-line JSONL writer (see {@link openJsonlWriter}). */
export interface JsonlWriter<T> {
  /** Validates, serialises and appends one record as one full line. */
  write(record: T): Promise<void>;
  /** Writes every record in order; stops at the first failure (earlier records stay). Returns the count written. */
  writeAll(records: Iterable<T> | AsyncIterable<T>): Promise<number>;
  /** fsyncs what was written so far. */
  flush(): Promise<void>;
  /** Flushes (per `sync`) and closes the file. */
  close(): Promise<void>;
  /** Records written so far by this writer. */
  readonly count: number;
}

/**
 * Serialises a record as one JSONL line (with the trailing `\n`), validating it with `schema`
 * when given. Throws `INVALID_INPUT` naming the field for a schema failure, or for a value JSON
 * cannot represent (a BigInt, a cycle, `undefined`).
 * @example
 * toJsonlLine({ prompt: "p", chosen: "a", rejected: "b" }); // '{"prompt":"p","chosen":"a","rejected":"b"}\n'
 */
export function toJsonlLine<S extends z.ZodType = z.ZodUnknown>(record: unknown, schema?: S, fn = "toJsonlLine"): string {
  let value = record;
  if (schema !== undefined) {
    const result = schema.safeParse(record);
    if (!result.success) {
      throw new RLError("INVALID_INPUT", `${fn}: invalid record: ${formatIssues(result.error.issues)}`, { issues: result.error.issues });
    }
    value = result.data;
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new RLError("INVALID_INPUT", `${fn}: record is not JSON-serialisable: ${(e as Error).message}`, { cause: e });
  }
  if (text === undefined) throw new RLError("INVALID_INPUT", `${fn}: record is not JSON-serialisable (${typeof value})`);
  return text + "\n";
}

/**
 * Opens a JSONL file for appending records line by line (Node). Each record is validated and
 * serialised before anything is written, then written in full; if the disk write fails midway the
 * partial line is truncated away, so the file always holds exactly the records written before
 * the failure, each on its own line. After an I/O failure the writer refuses further writes
 * (`IO`); a record that fails validation is rejected (`INVALID_INPUT`) and the writer stays usable.
 * Writes are serialised even when not awaited. When appending to a file whose last line lacks its
 * `\n`, one is added first.
 * @example
 * const w = await openJsonlWriter("prefs.jsonl", standardPreferenceSchema);
 * await w.write({ prompt: "2+2?", chosen: "4", rejected: "5" });
 * await w.close();
 */
export async function openJsonlWriter<S extends z.ZodType = z.ZodUnknown>(
  path: string,
  schema?: S,
  config: JsonlWriterConfig = {},
): Promise<JsonlWriter<z.input<S>>> {
  const fn = "openJsonlWriter";
  const { append, sync } = parseConfig(jsonlWriterConfig, config, fn);
  const { open } = await import("node:fs/promises");
  const ioError = (what: string, e: unknown): RLError => new RLError("IO", `${fn}: ${what} ${path}: ${(e as Error).message}`, { cause: e });
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, append ? "a+" : "w");
  } catch (e) {
    throw ioError("cannot open", e);
  }
  let size = (await handle.stat()).size;
  let count = 0;
  let failed: RLError | undefined;
  let closed = false;
  let chain: Promise<unknown> = Promise.resolve();
  const encoder = new TextEncoder();

  if (size > 0) {
    const last = new Uint8Array(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] !== 10) {
      await handle.write(encoder.encode("\n"));
      size += 1;
    }
  }

  const serial = <R>(task: () => Promise<R>): Promise<R> => {
    const next = chain.then(task, task);
    chain = next.catch(() => undefined);
    return next;
  };

  const writeLine = async (record: unknown): Promise<void> => {
    if (closed) throw new RLError("IO", `${fn}: write after close (${path})`);
    if (failed !== undefined) throw new RLError("IO", `${fn}: an earlier write to ${path} failed: ${failed.message}`, { cause: failed });
    const bytes = encoder.encode(toJsonlLine(record, schema, fn));
    let done = 0;
    try {
      while (done < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
        done += bytesWritten;
      }
      if (sync === "record") await handle.sync();
    } catch (e) {
      failed = ioError(`write of record ${count + 1} failed for`, e);
      try {
        await handle.truncate(size); // drop the partial line: only whole records remain
      } catch {
        // best effort: the error below still reports the failure
      }
      throw failed;
    }
    size += bytes.length;
    count++;
  };

  return {
    get count() {
      return count;
    },
    write: (record) => serial(() => writeLine(record)),
    writeAll: (records) =>
      serial(async () => {
        let n = 0;
        for await (const r of records) {
          await writeLine(r);
          n++;
        }
        return n;
      }),
    flush: () =>
      serial(async () => {
        if (!closed) await handle.sync();
      }),
    close: () =>
      serial(async () => {
        if (closed) return;
        closed = true;
        try {
          if (sync !== "none" && failed === undefined) await handle.sync();
        } finally {
          await handle.close();
        }
      }),
  };
}

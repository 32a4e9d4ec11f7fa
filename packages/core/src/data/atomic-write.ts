import type { z } from "zod";
import { RLError } from "../errors.js";
import { toJsonlLine } from "./jsonl-writer.js";

/** Data for {@link writeFileAtomic}: text, bytes, or a (possibly async) stream of chunks. */
export type AtomicWriteData = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/**
 * Writes a whole file atomically (Node): the data goes to a temporary file in the same folder,
 * which is fsynced and then renamed over `path` (the folder is fsynced too, best effort). Readers
 * see the old file or the new one, never a mix; if anything fails (including an error thrown by
 * the data stream) the temporary file is removed and `path` is untouched (`RLError` `IO`, or the
 * stream's own RLError).
 * @example
 * const lines = ['{"prompt":"p"}\n', '{"prompt":"q"}\n'];
 * await writeFileAtomic("dataset.jsonl", lines);
 * @remarks no paper
 */
export async function writeFileAtomic(path: string, data: AtomicWriteData): Promise<void> {
  const fn = "writeFileAtomic";
  const fs = await import("node:fs/promises");
  const nodePath = await import("node:path");
  const dir = nodePath.dirname(path);
  const tmp = nodePath.join(dir, `.${nodePath.basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  const encoder = new TextEncoder();
  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
  try {
    handle = await fs.open(tmp, "wx");
    const chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array> =
      typeof data === "string" || data instanceof Uint8Array ? [data] : data;
    for await (const chunk of chunks) {
      const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
      let done = 0;
      while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, path);
  } catch (e) {
    if (handle !== undefined) await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    if (RLError.isInstance(e)) throw e;
    throw new RLError("IO", `${fn}: cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const d = await fs.open(dir, "r");
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // some platforms cannot fsync a directory; the rename itself is still atomic
  }
}

/**
 * Writes a whole JSONL dataset atomically ({@link writeFileAtomic}): every record is validated
 * with `schema` (when given) and serialised; the first bad record aborts the write
 * (`INVALID_INPUT` naming the record index and field) and leaves any existing file untouched.
 * Returns the number of records written.
 * @example
 * const pairs = [{ prompt: "p", chosen: "a", rejected: "b" }, { prompt: "q", chosen: "c", rejected: "d" }];
 * await writeJsonlAtomic("prefs.jsonl", pairs, preferencePairSchema); // 2
 * @remarks no paper
 */
export async function writeJsonlAtomic<S extends z.ZodType = z.ZodUnknown>(
  path: string,
  records: Iterable<z.input<S>> | AsyncIterable<z.input<S>>,
  schema?: S,
): Promise<number> {
  let n = 0;
  async function* lines(): AsyncGenerator<string> {
    for await (const r of records) {
      n++;
      yield toJsonlLine(r, schema, `writeJsonlAtomic: record ${n}`);
    }
  }
  await writeFileAtomic(path, lines());
  return n;
}

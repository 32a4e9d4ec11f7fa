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
 * stream's own RLError). A temp file of the same target left by a process killed mid-save (its pid
 * no longer runs) is removed at the start of the next save, so kills leave no orphans behind.
 * @example
 * const lines = ['{"prompt":"p"}\n', '{"prompt":"q"}\n'];
 * await writeFileAtomic("dataset.jsonl", lines);
 */
export async function writeFileAtomic(path: string, data: AtomicWriteData): Promise<void> {
  const fn = "writeFileAtomic";
  const fs = await import("node:fs/promises");
  const nodePath = await import("node:path");
  const dir = nodePath.dirname(path);
  const tmp = nodePath.join(dir, `.${nodePath.basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  const encoder = new TextEncoder();
  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
  await removeStaleTemps(dir, nodePath.basename(path));
  inFlight.add(tmp);
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
  } finally {
    inFlight.delete(tmp);
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

/** Temp files this process is writing right now (never removed as stale). */
const inFlight = new Set<string>();

/**
 * Removes orphan temp files of the same target (`.name.<pid>.<stamp>.tmp`) left by a process that
 * was killed mid-save: those of a process that no longer exists, and this process's own that are
 * not being written. Best effort: a file another live process is writing is left alone.
 */
async function removeStaleTemps(dir: string, base: string): Promise<void> {
  const fs = await import("node:fs/promises");
  const nodePath = await import("node:path");
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  const prefix = `.${base}.`;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const m = /^(\d+)\.[0-9a-z]+\.tmp$/.exec(name.slice(prefix.length));
    if (m === null) continue;
    const pid = Number(m[1]);
    const full = nodePath.join(dir, name);
    if (pid === process.pid ? inFlight.has(full) : processAlive(pid)) continue;
    await fs.rm(full, { force: true }).catch(() => undefined);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
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

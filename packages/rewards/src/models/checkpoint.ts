import { readFile } from "node:fs/promises";
import { RLError, assertTensor, tf } from "@rl/core";
import { writeFileAtomic as coreWriteFileAtomic } from "@rl/core/data";
import { z } from "zod";

/** Options of {@link saveVariables} (and of a reward model's `save`): how the checkpoint is written. */
export interface AtomicWriteOptions {
  /** Bytes per `write` call. Default 64 KiB. */
  chunkSize?: number;
  /** Called after each chunk reaches the temp file (tests inject a crash here by throwing). */
  onChunkWritten?: (written: number, total: number) => void | Promise<void>;
}

/**
 * `@rl/core/data`'s `writeFileAtomic` (the one home of the temp file + fsync + rename protocol)
 * fed in `chunkSize` pieces, with `onChunkWritten` run once each piece is on disk. Failures are
 * `RLError("IO")` naming `fn`.
 */
async function writeChunksAtomic(fn: string, path: string, contents: string | Uint8Array, options: AtomicWriteOptions): Promise<void> {
  const bytes = typeof contents === "string" ? new TextEncoder().encode(contents) : contents;
  const chunkSize = options.chunkSize ?? 65536;
  // The generator resumes (and the hook runs) once core has written the previous chunk.
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let off = 0; off < bytes.length; off += chunkSize) {
      const end = Math.min(off + chunkSize, bytes.length);
      yield bytes.subarray(off, end);
      await options.onChunkWritten?.(end, bytes.length);
    }
  }
  try {
    await coreWriteFileAtomic(path, chunks());
  } catch (error) {
    if (RLError.isInstance(error) && error.code === "IO") throw error;
    throw new RLError("IO", `${fn}: could not write ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * @deprecated use `writeFileAtomic` from `@rl/core/data` (the one atomic write of @rl; it takes
 * text, bytes or a stream of chunks). `saveVariables` keeps `chunkSize` and `onChunkWritten`.
 * This alias is removed in the next minor release.
 */
export function writeFileAtomic(path: string, contents: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  return writeChunksAtomic("writeFileAtomic", path, contents, options);
}

/** The checkpoint file layout (JSON). */
export const checkpointSchema = z.object({
  format: z.literal("@rl/rewards/reward-model"),
  version: z.literal(1),
  meta: z.record(z.string(), z.unknown()),
  variables: z.array(z.object({ shape: z.array(z.number().int().nonnegative()), data: z.string() })),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

/**
 * Saves variables (in order) and metadata atomically, with `@rl/core/data`'s `writeFileAtomic`.
 * @example
 * await saveVariables("/tmp/rm.json", model.variables, { objective: "bradleyTerry" });
 */
export async function saveVariables(
  path: string,
  variables: readonly tf.Variable[],
  meta: Record<string, unknown>,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const ckpt: Checkpoint = {
    format: "@rl/rewards/reward-model",
    version: 1,
    meta,
    variables: variables.map((v) => {
      const data = Float32Array.from(v.dataSync());
      return { shape: [...v.shape], data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64") };
    }),
  };
  await writeChunksAtomic("saveVariables", path, JSON.stringify(ckpt), options);
}

/**
 * Reads a checkpoint written by {@link saveVariables} and assigns it into `variables` (same count
 * and shapes, else `SHAPE_MISMATCH`; unreadable or malformed file, or data of the wrong byte length
 * → `IO` / `PARSE`; a NaN or ±Infinity weight → `NON_FINITE`; a variable that is not a live float32
 * `tf.Variable` → `INVALID_INPUT`). Every check runs before any weight is touched, so a refused
 * checkpoint leaves the model as it was. `checkMeta` runs before anything is assigned (throw there to
 * refuse a checkpoint). Returns the metadata.
 * @example
 * const meta = await loadVariables("/tmp/rm.json", model.variables);
 */
export async function loadVariables(
  path: string,
  variables: readonly tf.Variable[],
  checkMeta?: (meta: Record<string, unknown>) => void,
): Promise<Record<string, unknown>> {
  const fn = "loadVariables";
  if (typeof path !== "string" || path === "") throw new RLError("INVALID_INPUT", `${fn}: path must be a non-empty string`);
  if (!Array.isArray(variables)) throw new RLError("INVALID_INPUT", `${fn}: variables must be an array of tf.Variable`);
  if (checkMeta !== undefined && typeof checkMeta !== "function") throw new RLError("INVALID_INPUT", `${fn}: checkMeta must be a function`);
  // every variable is checked (live float32 tf.Variable) before the file is even read
  variables.forEach((v, k) => {
    assertTensor(v, fn, `variables[${k}]`);
    if (!(v instanceof tf.Variable)) throw new RLError("INVALID_INPUT", `${fn}: variables[${k}] must be a tf.Variable`);
  });
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new RLError("IO", `${fn}: could not read ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new RLError("PARSE", `${fn}: ${path} is not valid JSON (a torn or foreign file)`, { cause: error });
  }
  const parsed = checkpointSchema.safeParse(raw);
  if (!parsed.success) throw new RLError("PARSE", `${fn}: ${path} is not a reward-model checkpoint`, { issues: parsed.error.issues });
  const ckpt = parsed.data;
  checkMeta?.(ckpt.meta);
  if (ckpt.variables.length !== variables.length) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: ${path} holds ${ckpt.variables.length} variables, the model has ${variables.length}`);
  }
  // Everything is decoded and checked (shape, byte length, finiteness) before any weight is touched.
  const values = ckpt.variables.map((entry, k) => {
    const v = variables[k] as tf.Variable;
    if (entry.shape.length !== v.shape.length || entry.shape.some((d, j) => d !== v.shape[j])) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: variable ${k} has shape [${entry.shape.join(",")}] in ${path}, [${v.shape.join(",")}] in the model`);
    }
    const buf = Buffer.from(entry.data, "base64");
    if (buf.byteLength !== v.size * 4) {
      throw new RLError("PARSE", `${fn}: variable ${k} in ${path} has ${buf.byteLength} bytes of data, expected ${v.size * 4} (${v.size} float32 values)`);
    }
    const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    for (let j = 0; j < data.length; j++) {
      if (!Number.isFinite(data[j])) throw new RLError("NON_FINITE", `${fn}: variable ${k} in ${path} holds ${data[j]} at entry ${j}; refusing to load non-finite weights`);
    }
    return data;
  });
  values.forEach((data, k) => {
    const v = variables[k] as tf.Variable;
    const t = tf.tensor(data, v.shape, "float32");
    v.assign(t);
    t.dispose();
  });
  return ckpt.meta;
}

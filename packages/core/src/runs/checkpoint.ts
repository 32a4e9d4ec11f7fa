import { RLError } from "../errors.js";
import { writeFileAtomic } from "../data/atomic-write.js";
import { Rng, isRngState, type RngState } from "../random/rng.js";
import { tf } from "../tf.js";
import { decodeSafetensors, encodeSafetensors, type SafetensorsEntry } from "./safetensors.js";

const FORMAT = "@rl/core/checkpoint";
const VERSION = "1";

/** What {@link saveCheckpoint} writes: everything a run needs to resume exactly. */
export interface CheckpointContents {
  /** Model variables: a list (saved by position) or a name → tensor record (saved by name). */
  readonly variables: readonly tf.Tensor[] | Readonly<Record<string, tf.Tensor>>;
  /** Optimizer state (e.g. `adamW`'s `{ step, m, v }`): any tree of objects, arrays, tensors and JSON values. */
  readonly optimizerState?: unknown;
  /** Training step (a non-negative integer). */
  readonly step: number;
  /** The run's generator (or its state), to continue the same random stream. */
  readonly rng?: Rng | RngState;
  /** Your own JSON metadata (config, data position, …). */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A decoded checkpoint (see {@link decodeCheckpoint}). */
export interface LoadedCheckpoint {
  readonly step: number;
  readonly rng: RngState | null;
  readonly metadata: Record<string, unknown>;
  /** Variable keys in saved order (`"0"`, `"1"`, … for a list). */
  readonly variableNames: readonly string[];
  /** Whether the variables were saved as a list or a record. */
  readonly variableLayout: "list" | "record";
  /** The saved variables, by key. */
  readonly variables: Readonly<Record<string, SafetensorsEntry>>;
  /** The optimizer tree, tensors as {@link SafetensorsEntry} leaves (`null` when none was saved). */
  readonly optimizerState: unknown;
}

type Leaf = { readonly $tensor: string };

/**
 * Encodes a checkpoint as safetensors bytes (Node or browser): variables as `variables/<key>`,
 * optimizer tensors as `optimizer/<path>`, and in `__metadata__` the format tag, the step, the
 * RNG state, the optimizer tree's JSON skeleton and your metadata (JSON). Tensors keep their dtype
 * (float32 → F32, int32 → I32, bool → U8). Throws `INVALID_INPUT` naming the path of anything it
 * cannot store (a function, a non-finite number, a disposed tensor).
 * @example
 * const bytes = encodeCheckpoint({ variables: [tf.tensor1d([1, 2])], step: 3 });
 * decodeCheckpoint(bytes).step; // 3
 */
export function encodeCheckpoint(contents: CheckpointContents): Uint8Array {
  const fn = "encodeCheckpoint";
  if (typeof contents !== "object" || contents === null) throw new RLError("INVALID_INPUT", `${fn}: contents must be { variables, step, … }`);
  const { variables, optimizerState, step, rng, metadata } = contents;
  if (!Number.isInteger(step) || step < 0) throw new RLError("INVALID_INPUT", `${fn}: step must be a non-negative integer, got ${String(step)}`);
  const tensors: Record<string, SafetensorsEntry> = {};
  const layout = Array.isArray(variables) ? "list" : "record";
  if (typeof variables !== "object" || variables === null) throw new RLError("INVALID_INPUT", `${fn}: variables must be a list or a record of tensors`);
  const entries: [string, unknown][] = Array.isArray(variables) ? variables.map((v, i) => [String(i), v]) : Object.entries(variables);
  for (const [key, v] of entries) tensors[`variables/${key}`] = entryOf(v, `variables.${key}`, fn);
  const skeleton = optimizerState === undefined ? null : walk(optimizerState, "optimizer", tensors, fn);
  const rngState = rng === undefined ? null : rng instanceof Rng ? rng.state() : rng;
  if (rngState !== null && !isRngState(rngState)) {
    throw new RLError("INVALID_INPUT", `${fn}: rng must be an Rng or its state (four 32-bit words and an optional cached normal)`);
  }
  let meta: string;
  try {
    meta = JSON.stringify(metadata ?? {});
  } catch (e) {
    throw new RLError("INVALID_INPUT", `${fn}: metadata is not JSON-serialisable`, { cause: e });
  }
  return encodeSafetensors(tensors, {
    format: FORMAT,
    version: VERSION,
    step: String(step),
    rng: JSON.stringify(rngState),
    variables: JSON.stringify({ layout, names: entries.map(([k]) => k) }),
    optimizer: JSON.stringify(skeleton),
    metadata: meta,
  });
}

function entryOf(v: unknown, path: string, fn: string): SafetensorsEntry {
  if (!(v instanceof tf.Tensor)) throw new RLError("INVALID_INPUT", `${fn}: ${path} is not a tensor`);
  if (v.isDisposed) throw new RLError("INVALID_INPUT", `${fn}: ${path} is disposed`);
  const values = v.dataSync();
  const data = v.dtype === "int32" ? Int32Array.from(values) : v.dtype === "bool" ? Uint8Array.from(values) : v.dtype === "float32" ? Float32Array.from(values) : null;
  if (data === null) throw new RLError("INVALID_INPUT", `${fn}: ${path} has dtype ${v.dtype}; checkpoints store float32, int32 and bool tensors`);
  return { dtype: v.dtype === "int32" ? "I32" : v.dtype === "bool" ? "U8" : "F32", shape: [...v.shape], data };
}

function walk(value: unknown, path: string, tensors: Record<string, SafetensorsEntry>, fn: string): unknown {
  if (value instanceof tf.Tensor) {
    tensors[path] = entryOf(value, path, fn);
    return { $tensor: path } satisfies Leaf;
  }
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RLError("INVALID_INPUT", `${fn}: ${path} is ${value}; checkpoints store finite numbers`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}/${i}`, tensors, fn));
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k.includes("/")) throw new RLError("INVALID_INPUT", `${fn}: ${path} has a key "${k}" with a "/"`);
      if (k === "$tensor") throw new RLError("INVALID_INPUT", `${fn}: ${path} has the reserved key "$tensor"`);
      out[k] = walk(v, `${path}/${k}`, tensors, fn);
    }
    return out;
  }
  throw new RLError("INVALID_INPUT", `${fn}: ${path} is a ${typeof value}; checkpoints store tensors, plain objects, arrays and JSON values`);
}

/**
 * Decodes {@link encodeCheckpoint}'s bytes. A file that is not an `@rl/core` checkpoint, or is
 * malformed or truncated, throws `RLError("PARSE")`.
 * @example
 * decodeCheckpoint(encodeCheckpoint({ variables: { w: tf.scalar(2) }, step: 0, metadata: { lr: 0.1 } })).metadata; // { lr: 0.1 }
 */
export function decodeCheckpoint(bytes: Uint8Array): LoadedCheckpoint {
  const fn = "decodeCheckpoint";
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== FORMAT) throw new RLError("PARSE", `${fn}: not an ${FORMAT} file (format ${String(metadata.format)})`);
  if (metadata.version !== VERSION) throw new RLError("PARSE", `${fn}: checkpoint version ${String(metadata.version)}, this reader knows ${VERSION}`);
  const json = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key] ?? "");
    } catch (e) {
      throw new RLError("PARSE", `${fn}: __metadata__.${key} is not JSON`, { cause: e });
    }
  };
  const step = Number(metadata.step);
  if (!Number.isInteger(step) || step < 0) throw new RLError("PARSE", `${fn}: bad step ${String(metadata.step)}`);
  const vars = json("variables") as { layout?: unknown; names?: unknown };
  if ((vars.layout !== "list" && vars.layout !== "record") || !Array.isArray(vars.names)) throw new RLError("PARSE", `${fn}: bad variables index`);
  const variables: Record<string, SafetensorsEntry> = {};
  for (const name of vars.names as string[]) {
    const t = tensors[`variables/${name}`];
    if (t === undefined) throw new RLError("PARSE", `${fn}: variable ${name} is missing`);
    variables[name] = t;
  }
  const rebuild = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rebuild);
    if (node !== null && typeof node === "object") {
      if ("$tensor" in node) {
        const t = tensors[(node as Leaf).$tensor];
        if (t === undefined) throw new RLError("PARSE", `${fn}: optimizer tensor ${(node as Leaf).$tensor} is missing`);
        return t;
      }
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, rebuild(v)]));
    }
    return node;
  };
  const rng = json("rng");
  if (rng !== null && !isRngState(rng)) throw new RLError("PARSE", `${fn}: __metadata__.rng is not an RNG state`);
  return {
    step,
    rng,
    metadata: json("metadata") as Record<string, unknown>,
    variableNames: vars.names as string[],
    variableLayout: vars.layout,
    variables,
    optimizerState: rebuild(json("optimizer")),
  };
}

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** Bytes per write. Default 1 MiB. */
  readonly chunkSize?: number;
  /** Called after each chunk reaches the temporary file (progress; tests crash here). */
  readonly onChunkWritten?: (written: number, total: number) => void | Promise<void>;
}

/**
 * Saves a checkpoint (Node, no tfjs-node): {@link encodeCheckpoint}'s safetensors bytes written
 * with core's `writeFileAtomic` (temporary file, fsync, rename), so a crash mid-save leaves the
 * previous checkpoint whole. Any safetensors reader (Python's `safetensors.safe_open`) opens the file.
 * @example
 * await saveCheckpoint("ckpt.safetensors", { variables: [tf.ones([2])], optimizerState: { step: 7 }, step: 7, rng: createRng(1), metadata: { lr: 1e-3 } });
 * (await loadCheckpoint("ckpt.safetensors")).metadata; // { lr: 0.001 }
 */
export async function saveCheckpoint(path: string, contents: CheckpointContents, options: SaveCheckpointOptions = {}): Promise<void> {
  const bytes = encodeCheckpoint(contents);
  const chunkSize = options.chunkSize ?? 1 << 20;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RLError("INVALID_CONFIG", `saveCheckpoint: chunkSize must be a positive integer, got ${chunkSize}`);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let off = 0; off < bytes.length; off += chunkSize) {
      const end = Math.min(off + chunkSize, bytes.length);
      yield bytes.subarray(off, end);
      await options.onChunkWritten?.(end, bytes.length);
    }
  }
  await writeFileAtomic(path, chunks());
}

/**
 * Reads a checkpoint file (Node) and decodes it ({@link decodeCheckpoint}). A missing file is
 * `RLError("IO")`; a malformed one `PARSE`. Restore it into live variables with {@link restoreCheckpoint}.
 * @example
 * await saveCheckpoint("last.safetensors", { variables: { w: tf.ones([2]) }, step: 3 });
 * (await loadCheckpoint("last.safetensors")).step; // 3
 */
export async function loadCheckpoint(path: string): Promise<LoadedCheckpoint> {
  const fs = await import("node:fs/promises");
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(path));
  } catch (e) {
    throw new RLError("IO", `loadCheckpoint: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return decodeCheckpoint(bytes);
}

/** Where {@link restoreCheckpoint} puts a checkpoint: the live variables and (optionally) an optimizer state of the same structure. */
export interface RestoreTarget<S> {
  readonly variables: readonly tf.Variable[] | Readonly<Record<string, tf.Variable>>;
  /** A fresh state of the same optimizer (e.g. `opt.init()`): its tensors must be `tf.Variable`s, assigned in place. */
  readonly optimizerState?: S;
}

/**
 * Assigns a loaded checkpoint into live variables and an optimizer state, **all or nothing**:
 * every name, shape and dtype is checked before the first assignment (`SHAPE_MISMATCH` /
 * `INVALID_INPUT` naming the path). Returns the optimizer state with the checkpoint's plain
 * values (e.g. `step`) and the same variables, the step, the RNG (`Rng.fromState`, or null) and
 * the metadata. The next training step then computes exactly what the uninterrupted run would.
 * @example
 * const w = tf.variable(tf.zeros([2]));
 * restoreCheckpoint(decodeCheckpoint(encodeCheckpoint({ variables: [tf.ones([2])], step: 5 })), { variables: [w] }).step; // 5
 * w.dataSync(); // [1, 1]
 */
export function restoreCheckpoint<S>(ckpt: LoadedCheckpoint, target: RestoreTarget<S>): { optimizerState: S | undefined; step: number; rng: Rng | null; metadata: Record<string, unknown> } {
  const fn = "restoreCheckpoint";
  const assignments: [tf.Variable, SafetensorsEntry][] = [];
  const vars = target.variables;
  const pairs: [string, unknown][] = Array.isArray(vars) ? vars.map((v, i) => [String(i), v]) : Object.entries(vars);
  if (pairs.length !== ckpt.variableNames.length) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: the checkpoint has ${ckpt.variableNames.length} variables, the target ${pairs.length}`);
  }
  for (const [key, v] of pairs) {
    const saved = ckpt.variables[key];
    if (saved === undefined) throw new RLError("INVALID_INPUT", `${fn}: variable ${key} is not in the checkpoint (it has ${ckpt.variableNames.join(", ")})`);
    assignments.push([check(v, saved, `variables.${key}`, fn), saved]);
  }
  let optimizerState: S | undefined;
  if (target.optimizerState !== undefined) {
    if (ckpt.optimizerState === null) throw new RLError("INVALID_INPUT", `${fn}: the checkpoint has no optimizer state`);
    optimizerState = match(target.optimizerState, ckpt.optimizerState, "optimizer", assignments, fn) as S;
  }
  for (const [v, saved] of assignments) {
    tf.tidy(() => v.assign(tf.tensor(saved.data, [...saved.shape], v.dtype)));
  }
  return { optimizerState, step: ckpt.step, rng: ckpt.rng === null ? null : Rng.fromState(ckpt.rng), metadata: ckpt.metadata };
}

function check(v: unknown, saved: SafetensorsEntry, path: string, fn: string): tf.Variable {
  if (!(v instanceof tf.Variable)) throw new RLError("INVALID_INPUT", `${fn}: ${path} must be a tf.Variable to be restored in place`);
  if (v.shape.length !== saved.shape.length || v.shape.some((d: number, i: number) => d !== saved.shape[i])) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: ${path} is [${v.shape.join(",")}], the checkpoint has [${saved.shape.join(",")}]`);
  }
  const want = v.dtype === "int32" ? "I32" : v.dtype === "bool" ? "U8" : "F32";
  if (want !== saved.dtype && !(want === "F32" && (saved.dtype === "F16" || saved.dtype === "BF16" || saved.dtype === "F64"))) {
    throw new RLError("INVALID_INPUT", `${fn}: ${path} is ${v.dtype}, the checkpoint has ${saved.dtype}`);
  }
  return v;
}

function match(live: unknown, saved: unknown, path: string, out: [tf.Variable, SafetensorsEntry][], fn: string): unknown {
  if (live instanceof tf.Tensor) {
    if (saved === null || typeof saved !== "object" || !("data" in saved)) throw new RLError("INVALID_INPUT", `${fn}: ${path} is a tensor in the target, not in the checkpoint`);
    out.push([check(live, saved as SafetensorsEntry, path, fn), saved as SafetensorsEntry]);
    return live;
  }
  if (Array.isArray(live)) {
    if (!Array.isArray(saved) || saved.length !== live.length) throw new RLError("SHAPE_MISMATCH", `${fn}: ${path} has ${live.length} entries in the target, ${Array.isArray(saved) ? saved.length : "none"} in the checkpoint`);
    return live.map((v, i) => match(v, saved[i], `${path}/${i}`, out, fn));
  }
  if (live !== null && typeof live === "object") {
    if (saved === null || typeof saved !== "object" || Array.isArray(saved)) throw new RLError("INVALID_INPUT", `${fn}: ${path} is an object in the target, not in the checkpoint`);
    const s = saved as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(live).map(([k, v]) => {
        if (!(k in s)) throw new RLError("INVALID_INPUT", `${fn}: ${path}/${k} is not in the checkpoint`);
        return [k, match(v, s[k], `${path}/${k}`, out, fn)];
      }),
    );
  }
  if (typeof live !== typeof saved && !(live === null || saved === null)) throw new RLError("INVALID_INPUT", `${fn}: ${path} is a ${typeof live} in the target, a ${typeof saved} in the checkpoint`);
  return saved;
}

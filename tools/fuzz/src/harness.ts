// The fuzz harness (issue 19): for each exported function of a package, a valid seed call mutated
// by fast-check (wrong shapes, ragged rows, mismatched lengths, empty arrays, NaN / ±Inf / −0,
// 1e308, negative or fractional numbers, strings, null / undefined, wrong config keys and types,
// bool / int / disposed tensors). A case fails when the call throws anything but an RLError,
// returns NaN / ±Inf although no non-finite value was put in, runs longer than HANG_MS, or leaves
// tensors behind. Crashes are detected by the CLI (the package's fork dies mid-function).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RLError, tf } from "@rl/core";

/** A real tfjs tensor (not a duck-typed look-alike, e.g. a proxy a mutation produced). */
const isTensor = (v: unknown): v is tf.Tensor => v instanceof tf.Tensor;
import fc from "fast-check";
import { loadSeeds } from "./seeds.js";

export interface FunctionRow {
  pkg: string;
  name: string;
  seeded: boolean;
  /** Why the function is not fuzzed (exempt), when it is not. */
  exempt?: string;
  /** Why a NaN / ±Inf result is legitimate for this function (then not counted as a failure). */
  nonFiniteAllowed?: string;
  /** A seed names a function the package does not export (stale seed). */
  stale?: boolean;
  /** The valid seed call itself throws or returns NaN / ±Inf. */
  badSeed?: boolean;
  cases: number;
  nonRLError: number;
  nonFinite: number;
  hangs: number;
  crashes: number;
  leaks: number;
  examples: string[];
}

const HANG_MS = 5000;
const OUT = process.env.RL_FUZZ_OUT ?? join(import.meta.dirname, "..", ".fuzz");


const replacement = fc.constantFrom<[string, () => unknown, boolean]>(
  ["undefined", () => undefined, false],
  ["null", () => null, false],
  ["NaN", () => NaN, true],
  ["+Inf", () => Infinity, true],
  ["-Inf", () => -Infinity, true],
  ["-0", () => -0, false],
  ["1e308", () => 1e308, false],
  ["-1", () => -1, false],
  ["1.5", () => 1.5, false],
  ["2^53", () => 2 ** 53, false],
  ["string", () => "str", false],
  ["empty array", () => [], false],
  ["object", () => ({ bogus: 1 }), false],
  ["ragged", () => [[1, 2], [3]], false],
  ["bool tensor", () => tf.ones([2, 3], "bool"), false],
  ["int tensor", () => tf.zeros([2, 3], "int32"), false],
  ["disposed tensor", () => {
    const t = tf.zeros([2, 3]);
    t.dispose();
    return t;
  }, false],
  ["wrong-shape tensor", () => tf.zeros([5]), false],
);

/** All paths into an argument list (arrays and plain objects, depth ≤ 3). */
function paths(value: unknown, prefix: (string | number)[] = [], depth = 0, out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (depth >= 3 || value === null || typeof value !== "object" || isTensor(value) || ArrayBuffer.isView(value) || Object.isFrozen(value)) return out;
  // only plain arrays and objects are mutated inside (a Matrix, an Rng or a class instance is replaced whole)
  if (!Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype) return out;
  if (Array.isArray(value)) value.slice(0, 4).forEach((v, i) => paths(v, [...prefix, i], depth + 1, out));
  else for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], depth + 1, out);
  return out;
}

function setPath(root: unknown[], path: (string | number)[], v: unknown): void {
  let cur: Record<string | number, unknown> = root as unknown as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) cur = cur[path[i] as string | number] as Record<string | number, unknown>;
  cur[path[path.length - 1] as string | number] = v;
}

function getPath(root: unknown[], path: (string | number)[]): unknown {
  let cur: unknown = root;
  for (const p of path) cur = (cur as Record<string | number, unknown>)[p];
  return cur;
}

/** Collects the tensors in a value (to dispose them). */
function tensorsIn(value: unknown, out: tf.Tensor[] = [], depth = 0): tf.Tensor[] {
  if (depth > 4 || value === null || typeof value !== "object") return out;
  if (isTensor(value)) {
    out.push(value);
    return out;
  }
  if (Array.isArray(value)) for (const v of value) tensorsIn(v, out, depth + 1);
  else if (!ArrayBuffer.isView(value)) for (const v of Object.values(value)) tensorsIn(v, out, depth + 1);
  return out;
}

/** True when the value holds a NaN or ±Infinity (numbers, typed arrays, Matrix data, tensors). */
function hasNonFinite(value: unknown, depth = 0): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (depth > 4 || value === null || typeof value !== "object") return false;
  if (isTensor(value)) {
    if (value.isDisposed || (value.dtype !== "float32" && value.dtype !== "int32")) return false;
    const d = value.dataSync();
    for (let k = 0; k < d.length; k++) if (!Number.isFinite(d[k])) return true;
    return false;
  }
  if (ArrayBuffer.isView(value)) {
    const d = value as unknown as ArrayLike<number>;
    for (let k = 0; k < d.length; k++) if (!Number.isFinite(d[k])) return true;
    return false;
  }
  if (Array.isArray(value)) return value.some((v) => hasNonFinite(v, depth + 1));
  return Object.entries(value).some(([k, v]) => !["min", "max", "state"].includes(k) && hasNonFinite(v, depth + 1));
}

function describeError(e: unknown): string {
  const name = e instanceof Error ? e.constructor.name : typeof e;
  const msg = e instanceof Error ? e.message : String(e);
  return `${name}: ${msg.slice(0, 120)}`;
}

async function runOne(fn: (...a: unknown[]) => unknown, args: unknown[]): Promise<{ threw?: unknown; result?: unknown; ms: number }> {
  const t0 = performance.now();
  try {
    let result = fn(...args);
    if (result instanceof Promise) {
      result = await Promise.race([result, new Promise((_, rej) => setTimeout(() => rej(new HangError()), HANG_MS))]);
    }
    return { result, ms: performance.now() - t0 };
  } catch (threw) {
    return { threw, ms: performance.now() - t0 };
  }
}

class HangError extends Error {}

/** Fuzzes every exported function of one package; writes `.fuzz/<pkg>.json` and a progress file. */
export async function fuzzPackage(pkg: string, mod: Record<string, unknown>, cases: number): Promise<FunctionRow[]> {
  mkdirSync(OUT, { recursive: true });
  const rows: FunctionRow[] = [];
  const { seeds, exempt, allowNonFinite } = await loadSeeds();
  const table = seeds[pkg] ?? {};
  const exemptTable = exempt[pkg] ?? {};
  const fns = Object.entries(mod)
    .filter(([, v]) => typeof v === "function" && !/^class\b/.test(Function.prototype.toString.call(v)))
    .sort(([a], [b]) => a.localeCompare(b));
  // debugging: fuzz only some functions (comma-separated names)
  const only = (process.env.RL_FUZZ_ONLY ?? "").split(",").filter((s) => s !== "");
  for (const [name, f] of fns) {
    if (only.length > 0 && !only.includes(name)) continue;
    writeFileSync(join(OUT, `${pkg}.progress`), name);
    const seed = table[name];
    const row: FunctionRow = { pkg, name, seeded: seed !== undefined, cases: 0, nonRLError: 0, nonFinite: 0, hangs: 0, crashes: 0, leaks: 0, examples: [] };
    if (seed === undefined && exemptTable[name] !== undefined) row.exempt = exemptTable[name];
    const allowed = allowNonFinite[pkg]?.[name];
    if (allowed !== undefined) row.nonFiniteAllowed = allowed;
    rows.push(row);
    if (seed === undefined) continue;
    const fn = f as (...a: unknown[]) => unknown;
    // the seed itself must succeed
    {
      const before = tf.memory().numTensors;
      const args = seed();
      const r = await runOne(fn, args);
      let nonFinite = false;
      try {
        nonFinite = r.threw === undefined && hasNonFinite(r.result);
        tf.dispose([...tensorsIn(args), ...tensorsIn(r.result)]);
      } catch (e) {
        if (r.threw === undefined) r.threw = e;
      }
      if (r.threw !== undefined) {
        row.badSeed = true;
        row.examples.push(`seed call throws ${describeError(r.threw)}`);
      } else if (allowed === undefined && nonFinite) {
        row.badSeed = true;
        row.examples.push("seed call returns NaN/Inf");
      }
      if (typeof (r.result as { dispose?: unknown } | null)?.dispose === "function") {
        try {
          (r.result as { dispose: () => void }).dispose();
        } catch {
          // stateful results may need a state to dispose
        }
      }
      void before;
    }
    const arb = fc.record({ pick: fc.nat(), rep: replacement, drop: fc.boolean() });
    const samples = fc.sample(arb, { numRuns: cases, seed: 19 });
    for (const s of samples) {
      const before = tf.memory().numTensors;
      const args = seed();
      const seedTensors = tensorsIn(args); // disposed even when a mutation replaces them
      const ps = paths(args).filter((p) => p.length > 0);
      const path = ps[s.pick % Math.max(ps.length, 1)] ?? [0];
      const [kind, make, nonFinite] = s.rep;
      let label = `${kind} at args${path.map((p) => `[${JSON.stringify(p)}]`).join("")}`;
      const old = getPath(args, path);
      if (s.drop && Array.isArray(old) && old.length > 0) {
        (old as unknown[]).pop(); // length mismatch / empty array
        label = `drop last entry at args${path.map((p) => `[${JSON.stringify(p)}]`).join("")}`;
      } else setPath(args, path, make());
      const inputNonFinite = nonFinite && !label.startsWith("drop");
      const argTensors = tensorsIn(args);
      if (process.env.RL_FUZZ_TRACE === "1") process.stderr.write(`${name}: ${label}\n`);
      const r = await runOne(fn, args);
      row.cases++;
      let resultNonFinite = false;
      let outTensors: tf.Tensor[] = [];
      try {
        resultNonFinite = r.threw === undefined && hasNonFinite(r.result);
        outTensors = tensorsIn(r.result).filter((t) => !t.isDisposed);
      } catch (e) {
        // reading the result (a getter) throws: the caller would see that error
        if (r.threw === undefined) r.threw = e;
      }
      if (r.threw instanceof HangError || r.ms > HANG_MS) {
        row.hangs++;
        if (row.examples.length < 3) row.examples.push(`hang (${Math.round(r.ms)} ms): ${label}`);
      } else if (r.threw instanceof WebAssembly.RuntimeError) {
        // a wasm abort leaves the backend's memory corrupt: as bad as a crash
        row.crashes++;
        if (row.examples.length < 3) row.examples.push(`${label} → wasm ${describeError(r.threw)}`);
      } else if (r.threw !== undefined) {
        if (!RLError.isInstance(r.threw)) {
          row.nonRLError++;
          if (row.examples.length < 3) row.examples.push(`${label} → ${describeError(r.threw)}`);
        }
      } else if (!inputNonFinite && allowed === undefined && resultNonFinite) {
        row.nonFinite++;
        if (row.examples.length < 3) row.examples.push(`${label} → NaN/Inf result`);
      }
      for (const t of [...seedTensors, ...argTensors, ...outTensors]) if (!t.isDisposed) t.dispose();
      if (typeof (r.result as { dispose?: unknown } | null)?.dispose === "function") {
        try {
          (r.result as { dispose: () => void }).dispose();
        } catch {
          // stateful results may need a state to dispose
        }
      }
      if (tf.memory().numTensors > before) {
        row.leaks++;
        if (row.examples.length < 3) row.examples.push(`${label} → leaked ${tf.memory().numTensors - before} tensor(s)`);
        // do not let one leak cascade into every later case
      }
    }
  }
  const exported = new Set(fns.map(([n]) => n));
  for (const name of Object.keys(table)) {
    if (!exported.has(name)) rows.push({ pkg, name, seeded: true, stale: true, cases: 0, nonRLError: 0, nonFinite: 0, hangs: 0, crashes: 0, leaks: 0, examples: ["seed for a function the package does not export"] });
  }
  writeFileSync(join(OUT, `${pkg}.json`), JSON.stringify(rows, null, 1));
  writeFileSync(join(OUT, `${pkg}.progress`), "");
  return rows;
}

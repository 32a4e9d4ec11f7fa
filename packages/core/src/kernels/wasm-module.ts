import { rlKernelsWasmBase64 } from "./rl-kernels.wasm.generated.js";

/**
 * The exports of the fused RL kernels' WebAssembly module (`rl-kernels.wat`). Every pointer is a
 * byte offset into the memory the instance was given; the module allocates nothing.
 */
export interface RlKernelsExports {
  gather_fwd(x: number, ids: number, n: number, v: number, invT: number, lp: number, lse: number): void;
  gather_bwd(x: number, ids: number, lse: number, dy: number, n: number, v: number, invT: number, g: number): void;
  entropy_fwd(x: number, n: number, v: number, invT: number, h: number, lse: number, mu: number): void;
  entropy_bwd(x: number, lse: number, mu: number, dy: number, n: number, v: number, invT: number, g: number): void;
}

let compiled: WebAssembly.Module | null | undefined;
let compiling: Promise<WebAssembly.Module | null> | undefined;
const instances = new WeakMap<WebAssembly.Memory, RlKernelsExports | null>();

function wasmBytes(): Uint8Array {
  const g = globalThis as { atob?: (s: string) => string; Buffer?: { from(s: string, enc: string): Uint8Array } };
  if (g.Buffer !== undefined) return new Uint8Array(g.Buffer.from(rlKernelsWasmBase64, "base64"));
  const bin = (g.atob as (s: string) => string)(rlKernelsWasmBase64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Compiles the module asynchronously (once). Resolves `true` when the SIMD kernels are usable,
 * `false` when this runtime cannot compile them (no WebAssembly SIMD): the plain JS loops are used.
 * `ready()` awaits it; the kernels also compile synchronously on first use (the module is ~2 KB,
 * under the browsers' main-thread limit for synchronous compilation).
 */
export async function compileRlKernels(): Promise<boolean> {
  if (compiled !== undefined) return compiled !== null;
  compiling ??= (typeof WebAssembly === "undefined" ? Promise.resolve(null) : WebAssembly.compile(wasmBytes() as BufferSource)).then(
    (m) => m,
    () => null,
  );
  compiled = await compiling;
  return compiled !== null;
}

function compiledSync(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = typeof WebAssembly === "undefined" ? null : new WebAssembly.Module(wasmBytes() as BufferSource);
  } catch {
    compiled = null;
  }
  return compiled;
}

/**
 * The kernels instantiated on `memory` (the tfjs wasm heap), cached per memory; `null` when the
 * module cannot be compiled or the memory cannot be imported (a shared memory: the threaded tfjs
 * build), in which case callers use the JS loops.
 */
export function rlKernelsOn(memory: WebAssembly.Memory | undefined): RlKernelsExports | null {
  if (memory === undefined || typeof WebAssembly === "undefined" || !(memory instanceof WebAssembly.Memory)) return null;
  const cached = instances.get(memory);
  if (cached !== undefined) return cached;
  const module = compiledSync();
  let exports: RlKernelsExports | null = null;
  if (module !== null && !(typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer)) {
    try {
      exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as RlKernelsExports;
    } catch {
      exports = null;
    }
  }
  instances.set(memory, exports);
  return exports;
}

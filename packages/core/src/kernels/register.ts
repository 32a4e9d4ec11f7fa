import { tf } from "../tf.js";
import { entropyBackwardJs, entropyForwardJs, gatherBackwardJs, gatherForwardJs } from "./js-loops.js";
import { compileRlKernels, rlKernelsOn, type RlKernelsExports } from "./wasm-module.js";

/**
 * The names under which the fused kernels are registered with tfjs (`tf.registerKernel`).
 * @example
 * rlKernelNames.gatherLogProbs; // "RlGatherLogProbs"
 */
export const rlKernelNames = Object.freeze({
  gatherLogProbs: "RlGatherLogProbs",
  gatherLogProbsGrad: "RlGatherLogProbsGrad",
  entropyFromLogits: "RlEntropyFromLogits",
  entropyFromLogitsGrad: "RlEntropyFromLogitsGrad",
});

/**
 * The backends the fused kernels are registered for; others run the composite ops.
 * @example
 * rlKernelBackends; // ["wasm", "cpu"]
 */
export const rlKernelBackends: readonly string[] = Object.freeze(["wasm", "cpu"]);

/** Which implementation the wasm backend's kernels use: `"simd"` (default when it compiles) or `"js"` (for measurement). */
let wasmImplementation: "simd" | "js" = "simd";

/** Internal: forces the wasm backend's kernels onto the JS loops (`"js"`) or back (`"simd"`). Used by the bench and tests. */
export function setWasmKernelImplementation(impl: "simd" | "js"): void {
  wasmImplementation = impl;
}

interface WasmBackendLike {
  wasm: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory };
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array;
}

interface CpuBackendLike {
  readSync(dataId: unknown): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

interface Attrs {
  temperature: number;
}

function simdOf(b: WasmBackendLike): RlKernelsExports | null {
  if (wasmImplementation !== "simd") return null;
  return rlKernelsOn(b.wasm.asm?.memory ?? b.wasm.wasmMemory);
}

/** Rows and row length of `[..., V]` logits (any rank ≥ 1: no reshape, so no tensor view). */
function dims(x: tf.TensorInfo): [number, number] {
  const v = x.shape[x.shape.length - 1] as number;
  let n = 1;
  for (let k = 0; k < x.shape.length - 1; k++) n *= x.shape[k] as number;
  return [n, v];
}

type KernelImpl = (inputs: Record<string, tf.TensorInfo>, invT: number) => tf.TensorInfo | tf.TensorInfo[];

function wasmKernels(b: WasmBackendLike): Record<string, KernelImpl> {
  const ptr = (t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
  const heap = (t: tf.TensorInfo) => b.typedArrayFromHeap(t);
  return {
    [rlKernelNames.gatherLogProbs]: ({ logits, ids }, invT) => {
      const [n, v] = dims(logits!);
      const lp = b.makeOutput([n], "float32");
      const lse = b.makeOutput([n], "float32");
      const k = simdOf(b);
      if (k !== null) k.gather_fwd(ptr(logits!), ptr(ids!), n, v, invT, ptr(lp), ptr(lse));
      else gatherForwardJs(heap(logits!), heap(ids!), n, v, invT, heap(lp) as Float32Array, heap(lse) as Float32Array);
      return [lp, lse];
    },
    [rlKernelNames.gatherLogProbsGrad]: ({ logits, ids, lse, dy }, invT) => {
      const [n, v] = dims(logits!);
      const g = b.makeOutput(logits!.shape, "float32");
      const k = simdOf(b);
      if (k !== null) k.gather_bwd(ptr(logits!), ptr(ids!), ptr(lse!), ptr(dy!), n, v, invT, ptr(g));
      else gatherBackwardJs(heap(logits!), heap(ids!), heap(lse!), heap(dy!), n, v, invT, heap(g) as Float32Array);
      return g;
    },
    [rlKernelNames.entropyFromLogits]: ({ logits }, invT) => {
      const [n, v] = dims(logits!);
      const h = b.makeOutput([n], "float32");
      const lse = b.makeOutput([n], "float32");
      const mu = b.makeOutput([n], "float32");
      const k = simdOf(b);
      if (k !== null) k.entropy_fwd(ptr(logits!), n, v, invT, ptr(h), ptr(lse), ptr(mu));
      else entropyForwardJs(heap(logits!), n, v, invT, heap(h) as Float32Array, heap(lse) as Float32Array, heap(mu) as Float32Array);
      return [h, lse, mu];
    },
    [rlKernelNames.entropyFromLogitsGrad]: ({ logits, lse, mu, dy }, invT) => {
      const [n, v] = dims(logits!);
      const g = b.makeOutput(logits!.shape, "float32");
      const k = simdOf(b);
      if (k !== null) k.entropy_bwd(ptr(logits!), ptr(lse!), ptr(mu!), ptr(dy!), n, v, invT, ptr(g));
      else entropyBackwardJs(heap(logits!), heap(lse!), heap(mu!), heap(dy!), n, v, invT, heap(g) as Float32Array);
      return g;
    },
  };
}

function cpuKernels(b: CpuBackendLike): Record<string, KernelImpl> {
  const read = (t: tf.TensorInfo) => b.readSync(t.dataId);
  const out = (shape: number[], values: Float32Array) => b.makeTensorInfo(shape, "float32", values);
  return {
    [rlKernelNames.gatherLogProbs]: ({ logits, ids }, invT) => {
      const [n, v] = dims(logits!);
      const lp = new Float32Array(n);
      const lse = new Float32Array(n);
      gatherForwardJs(read(logits!), read(ids!), n, v, invT, lp, lse);
      return [out([n], lp), out([n], lse)];
    },
    [rlKernelNames.gatherLogProbsGrad]: ({ logits, ids, lse, dy }, invT) => {
      const [n, v] = dims(logits!);
      const g = new Float32Array(n * v);
      gatherBackwardJs(read(logits!), read(ids!) as Int32Array, read(lse!), read(dy!), n, v, invT, g);
      return out(logits!.shape, g);
    },
    [rlKernelNames.entropyFromLogits]: ({ logits }, invT) => {
      const [n, v] = dims(logits!);
      const h = new Float32Array(n);
      const lse = new Float32Array(n);
      const mu = new Float32Array(n);
      entropyForwardJs(read(logits!), n, v, invT, h, lse, mu);
      return [out([n], h), out([n], lse), out([n], mu)];
    },
    [rlKernelNames.entropyFromLogitsGrad]: ({ logits, lse, mu, dy }, invT) => {
      const [n, v] = dims(logits!);
      const g = new Float32Array(n * v);
      entropyBackwardJs(read(logits!), read(lse!), read(mu!), read(dy!), n, v, invT, g);
      return out(logits!.shape, g);
    },
  };
}

let registered = false;

/**
 * Registers the four fused kernels (`rlKernelNames`) for the `wasm` and `cpu` backends, once.
 * Called by `ready()` and on the first fused call. The `wasm` kernels run the SIMD module on the
 * backend's own heap (inputs read in place, outputs written into tensors the backend allocated);
 * the `cpu` kernels run plain JS loops.
 */
export function registerRlKernels(): void {
  if (registered) return;
  registered = true;
  for (const name of Object.values(rlKernelNames)) {
    for (const backendName of rlKernelBackends) {
      if (tf.getKernel(name, backendName) !== undefined) continue;
      tf.registerKernel({
        kernelName: name,
        backendName,
        kernelFunc: ({ inputs, backend, attrs }) => {
          const impls = backendName === "wasm" ? wasmKernels(backend as unknown as WasmBackendLike) : cpuKernels(backend as unknown as CpuBackendLike);
          const { temperature } = attrs as unknown as Attrs;
          return (impls[name] as KernelImpl)(inputs as Record<string, tf.TensorInfo>, 1 / temperature);
        },
      });
    }
  }
}

/**
 * Registers the fused RL kernels and compiles their WebAssembly SIMD module asynchronously, once.
 * `ready()` calls it; call it yourself only when you select a backend with `tf.setBackend`
 * directly. Without it the kernels still work: they register and compile synchronously on
 * first use. Resolves `true` when the SIMD module is usable, `false` when this runtime lacks
 * WebAssembly SIMD (the `wasm` backend's kernels then run plain JS loops).
 *
 * @example
 * await initRlKernels(); // true
 */
export async function initRlKernels(): Promise<boolean> {
  registerRlKernels();
  return compileRlKernels();
}

/**
 * True when the active backend runs the fused kernels (`wasm` or `cpu`); other backends run the
 * composite ops.
 * @example
 * fusedKernelsActive(); // true
 */
export function fusedKernelsActive(): boolean {
  return rlKernelBackends.includes(tf.getBackend());
}

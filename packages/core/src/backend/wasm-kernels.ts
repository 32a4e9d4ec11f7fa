import { tf } from "../tf.js";

/**
 * Kernels the wasm backend (4.22.0) lacks but gradients need, registered for "wasm" in plain JS.
 *
 * `UnsortedSegmentSum` is the gradient of `tf.gather` (embedding lookups, gathered log-probs):
 * without it `tf.grad` through a gather fails on wasm with "Kernel 'UnsortedSegmentSum' not
 * registered for backend 'wasm'". The JS loop reads the inputs from the wasm heap and writes the
 * output back into it.
 */
interface WasmBackendLike {
  incRef(dataId: unknown): void;
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

let registered = false;

/** Registers the missing wasm kernels (and the faster `Slice`) once (idempotent). */
export function registerMissingWasmKernels(): void {
  if (registered) return;
  registered = true;
  registerFastSlice();
  registerSharedIdentity();
  if (tf.getKernel("UnsortedSegmentSum", "wasm") !== undefined) return;
  tf.registerKernel({
    kernelName: "UnsortedSegmentSum",
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const { numSegments } = attrs as unknown as { numSegments: number };
      const wasm = backend as unknown as WasmBackendLike;
      const xs = wasm.readSync(x.dataId);
      const ids = wasm.readSync(segmentIds.dataId);
      const inner = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
      const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
      const out = wasm.makeOutput(outShape, x.dtype);
      const acc = wasm.typedArrayFromHeap(out);
      acc.fill(0);
      for (let i = 0; i < ids.length; i++) {
        const s = ids[i] as number;
        if (s < 0 || s >= numSegments) continue;
        const src = i * inner;
        const dst = s * inner;
        for (let k = 0; k < inner; k++) acc[dst + k] = (acc[dst + k] as number) + (xs[src + k] as number);
      }
      return out;
    },
  });
}

/**
 * `Slice` for wasm without a copy of the whole input. tfjs-wasm 4.22.0's kernel starts with
 * `backend.readSync(x)`, a fresh JS copy of all of `x`, before it copies out the slice: slicing q, k
 * and v out of a `[B, T, 3d]` projection copied it three times (20% of the demo's GRPO step). This
 * one allocates the output first (an allocation may grow, and so detach, the heap), then copies
 * each contiguous run straight from heap view to heap view. Same values (a copy); string tensors
 * keep the original kernel.
 */
function registerFastSlice(): void {
  const original = tf.getKernel("Slice", "wasm");
  if (original === undefined) return;
  tf.unregisterKernel("Slice", "wasm");
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const x = args.inputs["x"] as tf.TensorInfo;
      if (x.dtype === "string") return original.kernelFunc(args);
      const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
      const [b, sz] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [number[], number[]];
      const wasm = args.backend as unknown as WasmBackendLike;
      const out = wasm.makeOutput(sz, x.dtype);
      const n = sz.reduce((a, v) => a * v, 1);
      if (n === 0) return out;
      const xs = wasm.typedArrayFromHeap(x);
      const os = wasm.typedArrayFromHeap(out);
      copySlice(xs, x.shape, b, sz, os);
      return out;
    },
  });
}

/**
 * `Identity` (what `tensor.clone()` and the gradient tape's saved inputs run) for wasm as the cpu
 * backend has it: the output shares the input's heap block, reference-counted, instead of a copy.
 * tfjs-wasm 4.22.0 copies, so every op recorded on a tape copied each input it saves for its
 * gradient (8% of the demo's GRPO step). Safe because tfjs never writes into a tensor's storage
 * after creating it (`Variable.assign` swaps the data id). String tensors keep the original.
 */
function registerSharedIdentity(): void {
  const original = tf.getKernel("Identity", "wasm");
  if (original === undefined) return;
  tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const x = args.inputs["x"] as tf.TensorInfo;
      if (x.dtype === "string") return original.kernelFunc(args);
      (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}

/** Copies the box `begin`, `size` of `x` (row-major, `shape`) into `out`, one contiguous run at a time. */
function copySlice(x: Float32Array | Int32Array | Uint8Array, shape: readonly number[], begin: readonly number[], size: readonly number[], out: Float32Array | Int32Array | Uint8Array): void {
  const rank = shape.length;
  // the run: the innermost axes the slice takes whole, plus the first partial one
  let inner = rank - 1;
  let run = size[inner] ?? 1;
  while (inner > 0 && size[inner] === shape[inner]) {
    inner -= 1;
    run *= size[inner] as number;
  }
  if (rank === 0) {
    out[0] = x[0] as number;
    return;
  }
  const strides = new Array<number>(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) strides[a] = (strides[a + 1] as number) * (shape[a + 1] as number);
  const idx = new Array<number>(inner).fill(0);
  const runs = size.slice(0, inner).reduce((a, v) => a * v, 1);
  let o = 0;
  for (let r = 0; r < runs; r++) {
    let src = (begin[inner] as number) * (strides[inner] as number);
    for (let a = 0; a < inner; a++) src += ((begin[a] as number) + (idx[a] as number)) * (strides[a] as number);
    out.set(x.subarray(src, src + run), o);
    o += run;
    for (let a = inner - 1; a >= 0; a--) {
      idx[a] = (idx[a] as number) + 1;
      if ((idx[a] as number) < (size[a] as number)) break;
      idx[a] = 0;
    }
  }
}

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
  registerSharedCast();
  registerFastTranspose();
  registerFastSum();
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

/**
 * `Cast` to the dtype a tensor already has shares its block, as `Identity` does (above). tfjs's
 * gradients of `Mul`, `Div`, `Sub`… cast each saved input to float32 (`mul(dy, cast(b, "float32"))`)
 * and tfjs-wasm 4.22.0's `Cast` always copies: ~60 full-size copies per step of the demo's
 * `trainStep`. A real conversion (another dtype) keeps the original kernel.
 */
function registerSharedCast(): void {
  const original = tf.getKernel("Cast", "wasm");
  if (original === undefined) return;
  tf.unregisterKernel("Cast", "wasm");
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const x = args.inputs["x"] as tf.TensorInfo;
      const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
      if (dtype !== x.dtype || x.dtype === "string" || x.dtype === "complex64") return original.kernelFunc(args);
      (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}

/**
 * `Transpose` for wasm as a blocked JS loop over the heap, for the permutations that are a 2-D
 * transpose of each of `A` matrices once size-1 axes are dropped and axes that stay neighbours are
 * merged (`[1, 0]`, `[0, 2, 1]`, and e.g. `[0, 2, 3, 1]`). tfjs-wasm 4.22.0's generic kernel took
 * ~1.1 ns per element (0.8 ms for `[2560, 48]`, 2.8 ms for `[2560, 192]`, the transposes `linear`'s
 * backward materialises); 16×16 tiles take ~0.2-0.4 ns (docs/core-decisions.md, "trainStep").
 * A copy, so the values are exact. Other permutations and dtypes keep the original kernel.
 */
function registerFastTranspose(): void {
  const original = tf.getKernel("Transpose", "wasm");
  if (original === undefined) return;
  tf.unregisterKernel("Transpose", "wasm");
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const x = args.inputs["x"] as tf.TensorInfo;
      const perm = (args.attrs as unknown as { perm: number[] }).perm;
      const plan = x.dtype === "string" || x.dtype === "complex64" ? undefined : batchTransposePlan(x.shape, perm);
      if (plan === undefined) return original.kernelFunc(args);
      const wasm = args.backend as unknown as WasmBackendLike;
      const out = wasm.makeOutput(perm.map((a) => x.shape[a] as number), x.dtype);
      const [A, R, C] = plan;
      if (A * R * C === 0) return out;
      // views after the output exists (an allocation may grow, and so detach, the heap)
      const xs = wasm.typedArrayFromHeap(x);
      const os = wasm.typedArrayFromHeap(out);
      if (R === 1 || C === 1) os.set(xs.subarray(0, A * R * C));
      else for (let a = 0; a < A; a++) transposeBlock(xs, os, a * R * C, R, C);
      return out;
    },
  });
}

/**
 * `[A, R, C]` when `perm` over `shape` moves the data as `A` transposes of `[R, C]` matrices
 * (size-1 axes dropped, axes that stay neighbours merged); `undefined` for any other permutation.
 */
function batchTransposePlan(shape: readonly number[], perm: readonly number[]): [number, number, number] | undefined {
  // drop size-1 axes, renumbering the permutation
  const kept = perm.filter((a) => shape[a] !== 1);
  const rank = [...kept].sort((a, b) => a - b);
  let p = kept.map((a) => rank.indexOf(a));
  let dims = rank.map((a) => shape[a] as number);
  // merge axes that are neighbours both in the input and in the output
  for (let i = 0; i + 1 < p.length; ) {
    if ((p[i + 1] as number) === (p[i] as number) + 1) {
      const a = p[i] as number;
      dims = [...dims.slice(0, a), (dims[a] as number) * (dims[a + 1] as number), ...dims.slice(a + 2)];
      p = p.filter((_, k) => k !== i + 1).map((v) => (v > a ? v - 1 : v));
    } else i += 1;
  }
  const size = dims.reduce((s, v) => s * v, 1);
  if (p.length <= 1) return [1, 1, size];
  if (p.length === 2 && p[0] === 1 && p[1] === 0) return [1, dims[0] as number, dims[1] as number];
  if (p.length === 3 && p[0] === 0 && p[1] === 2 && p[2] === 1) return [dims[0] as number, dims[1] as number, dims[2] as number];
  return undefined;
}

/** `out[off + c·R + r] = x[off + r·C + c]`, in 16×16 tiles (both sides stay in cache). */
function transposeBlock(x: Float32Array | Int32Array | Uint8Array, out: Float32Array | Int32Array | Uint8Array, off: number, R: number, C: number): void {
  const B = 16;
  for (let r0 = 0; r0 < R; r0 += B) {
    const r1 = Math.min(R, r0 + B);
    for (let c0 = 0; c0 < C; c0 += B) {
      const c1 = Math.min(C, c0 + B);
      for (let r = r0; r < r1; r++) {
        const src = off + r * C;
        for (let c = c0; c < c1; c++) out[off + c * R + r] = x[src + c] as number;
      }
    }
  }
}

/**
 * `Sum` for wasm over float32 when the reduced axes are one contiguous block that is not the
 * innermost (a bias or LayerNorm-gain gradient, `Σ` over the leading `[B, T]` of `[B, T, d]`):
 * one JS pass over the heap. tfjs-wasm 4.22.0 transposes the input first with its generic kernel
 * (`tf.sum(dy, 0)` of `[2560, 192]` took 3 ms; this ~1 ms). Each output accumulates in float32 in
 * the order of the reduced index, as the native kernel does after its transpose, so the result is
 * bit-identical (a float64 accumulation was tried first: more accurate, but it moved the demo's
 * SFT trajectory; docs/core-decisions.md). Innermost reductions keep the native kernel; other axis
 * sets and dtypes the original.
 */
function registerFastSum(): void {
  const original = tf.getKernel("Sum", "wasm");
  if (original === undefined) return;
  tf.unregisterKernel("Sum", "wasm");
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const x = args.inputs["x"] as tf.TensorInfo;
      const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
      if (x.dtype !== "float32") return original.kernelFunc(args);
      const rank = x.shape.length;
      const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
      const first = axes[0];
      const last = axes[axes.length - 1];
      if (first === undefined || last === undefined || last === rank - 1 || last - first + 1 !== axes.length) return original.kernelFunc(args);
      const prod = (from: number, to: number) => x.shape.slice(from, to).reduce((s, v) => s * v, 1);
      const A = prod(0, first);
      const R = prod(first, last + 1);
      const C = prod(last + 1, rank);
      const outShape = keepDims ? x.shape.map((s, a) => (a >= first && a <= last ? 1 : s)) : x.shape.filter((_, a) => a < first || a > last);
      const wasm = args.backend as unknown as WasmBackendLike;
      const out = wasm.makeOutput(outShape, "float32");
      // float32 accumulators: each add rounds as the native kernel's float sum does
      const acc = new Float32Array(A * C);
      const xs = wasm.typedArrayFromHeap(x);
      for (let a = 0; a < A; a++) {
        const o = a * C;
        for (let r = 0; r < R; r++) {
          const src = (a * R + r) * C;
          for (let c = 0; c < C; c++) acc[o + c] = (acc[o + c] as number) + (xs[src + c] as number);
        }
      }
      wasm.typedArrayFromHeap(out).set(acc);
      return out;
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

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
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array;
}

let registered = false;

/** Registers the missing wasm kernels once (idempotent). */
export function registerMissingWasmKernels(): void {
  if (registered) return;
  registered = true;
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

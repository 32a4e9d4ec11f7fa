import { tf } from "../tf.js";

interface StorageBackend {
  typedArrayFromHeap?(info: { shape: number[]; dtype: string; dataId: object }): Float32Array;
  makeOutput?(shape: number[], dtype: "float32"): tf.TensorInfo;
  dataIdMap?: { get(dataId: object): unknown };
  data?: { get(dataId: object): { values?: unknown } | undefined };
}

/**
 * Internal: the live float32 storage of `t` on the cpu or wasm backend, without a copy
 * (`undefined` elsewhere, or when `t` is not float32 or its data sits on another backend).
 * A wasm view is valid only until the heap grows, i.e. until the next tensor allocation: read
 * it, or write it, before creating any tensor. Never write into a tensor handed to you.
 */
export function storageOf(t: tf.Tensor): Float32Array | undefined {
  if (t.dtype !== "float32") return undefined;
  const name = tf.getBackend();
  const backend = tf.engine().findBackend(name) as unknown as StorageBackend;
  if (name === "wasm" && typeof backend.typedArrayFromHeap === "function") {
    if (backend.dataIdMap !== undefined && backend.dataIdMap.get(t.dataId) === undefined) return undefined;
    return backend.typedArrayFromHeap({ shape: t.shape, dtype: t.dtype, dataId: t.dataId });
  }
  if (name === "cpu") {
    const values = backend.data?.get(t.dataId)?.values;
    return values instanceof Float32Array ? values : undefined;
  }
  return undefined;
}

/** Internal: `t`'s values as a Float32Array, read in place where {@link storageOf} can (see its lifetime rule), else copied. */
export function readFloat32(t: tf.Tensor): Float32Array {
  const view = storageOf(t);
  if (view !== undefined) return view;
  const d = t.dataSync();
  return d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
}

/**
 * Internal: a new float32 tensor of `shape` whose values `fill(dst)` writes straight into the
 * backend's storage: on wasm the tensor is allocated on the heap first (as a kernel's output is)
 * and `fill` gets a view of it; elsewhere `fill` writes a new Float32Array that becomes the tensor
 * (no copy on cpu). `fill` must write every entry and must not allocate a tensor (a wasm heap view
 * is valid only until the heap grows); views of the inputs must be taken inside `fill`. If `fill`
 * throws, the tensor is disposed.
 */
export function float32Output(shape: number[], fill: (dst: Float32Array) => void): tf.Tensor {
  const name = tf.getBackend();
  const backend = tf.engine().findBackend(name) as unknown as StorageBackend;
  if (name === "wasm" && typeof backend.makeOutput === "function") {
    const t = tf.engine().makeTensorFromTensorInfo(backend.makeOutput(shape, "float32"));
    try {
      fill(storageOf(t) as Float32Array);
    } catch (error) {
      t.dispose();
      throw error;
    }
    return t;
  }
  let n = 1;
  for (const s of shape) n *= s;
  const values = new Float32Array(n);
  fill(values);
  return tf.tensor(values, shape, "float32");
}

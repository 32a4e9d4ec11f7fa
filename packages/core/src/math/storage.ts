import { tf } from "../tf.js";

interface StorageBackend {
  typedArrayFromHeap?(info: { shape: number[]; dtype: string; dataId: object }): Float32Array;
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

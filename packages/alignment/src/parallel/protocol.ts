// Messages between the pool (main thread) and a replica worker. Internal.

/** How gradients and weights cross threads: one SharedArrayBuffer region per replica, or transferred ArrayBuffers. */
export type TransferMode = "shared" | "transfer";

/** A tensor as plain data (the rows of one shard, or a whole tensor). */
export interface WireTensor {
  data: Float32Array | Int32Array | Uint8Array;
  shape: number[];
  dtype: "float32" | "int32" | "bool";
}

/** A batch with its tensors as {@link WireTensor}s; other fields are structured-cloned as they are. */
export interface WireBatch {
  tensors: Record<string, WireTensor>;
  values: Record<string, unknown>;
}

export interface InitRequest {
  type: "init";
  id: number;
  modelModule: string;
  factoryName: string;
  factoryArgs: unknown[];
  backend: string;
}

export interface SetWeightsRequest {
  type: "setWeights";
  id: number;
  /** Transfer mode: the concatenated parameters. Shared mode: omitted, read from `weights`. */
  flat?: Float32Array;
  /** Shared mode: the buffers (sent once; later calls omit them). */
  shared?: { weights: SharedArrayBuffer; grads: SharedArrayBuffer; slot: number };
}

export interface GradsRequest {
  type: "grads";
  id: number;
  batch: WireBatch;
  loss: string;
  temperature: number;
}

export interface CallRequest {
  type: "call";
  id: number;
  name: string;
  input: unknown;
}

export type Request = InitRequest | SetWeightsRequest | GradsRequest | CallRequest;

/** One replica parameter as the pool reports it. */
export interface ParamInfo {
  /** The variable's name in the worker. */
  name: string;
  shape: number[];
  dtype: string;
}

export interface WireError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export type Reply =
  | { id: number; ok: true; params?: ParamInfo[]; loss?: number; metricSums?: Record<string, number>; present?: boolean[]; flat?: Float32Array; value?: unknown }
  | { id: number; ok: false; error: WireError };

/**
 * The array layer of `@rl/core` (Matrix, masked statistics, KL estimators on arrays, the registry)
 * must load without TensorFlow.js, so that `@rl/credit` and the array paths of `@rl/rewards` stay
 * light. Modules that also accept tensors reach tfjs through this slot instead of a static import;
 * `tf.ts` (loaded by the main `@rl/core` entry) fills it.
 */
import type * as TfCore from "@tensorflow/tfjs-core";
import { RLError } from "./errors.js";

let loaded: typeof TfCore | undefined;

/** Called once by `tf.ts` with the tfjs-core namespace. */
export function provideTf(ns: typeof TfCore): void {
  loaded = ns;
}

/**
 * The tfjs namespace, for a tensor branch of a function that also takes arrays. Throws
 * `RLError("BACKEND_UNAVAILABLE")` when only the array entry (`@rl/core/arrays`) was imported.
 */
export function loadedTf(where: string): typeof TfCore {
  if (loaded === undefined) {
    throw new RLError(
      "BACKEND_UNAVAILABLE",
      `${where}: tensors need TensorFlow.js; import "@rl/core" (its main entry loads tfjs) before passing or asking for tensors`,
    );
  }
  return loaded;
}

/**
 * True when `x` is a tfjs tensor, of any copy of tfjs-core sharing the engine (duck-typed, so the
 * array layer need not load tfjs to tell).
 * @example
 * isTensor([1, 2]); // false
 */
export function isTensor(x: unknown): x is TfCore.Tensor {
  return (
    (loaded !== undefined && x instanceof loaded.Tensor) ||
    (typeof x === "object" && x !== null && "dataId" in x && "shape" in x && "dtype" in x && "rankType" in x)
  );
}

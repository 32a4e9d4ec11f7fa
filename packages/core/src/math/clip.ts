import { RLError } from "../errors.js";
import type * as tf from "@tensorflow/tfjs-core";
import { loadedTf } from "../tf-slot.js";
import { assertTensor, describeValue } from "../validate.js";

/**
 * Asymmetric clip of a ratio around 1 (PPO; "clip-higher" of DAPO, arXiv:2503.14476):
 *
 *   clip(r, 1 − εlow, 1 + εhigh)
 *
 * Differentiable (zero gradient outside the band), as `torch.clamp`.
 *
 * @example
 * clipRatio(tf.tensor1d([0.5, 1, 1.5]), 0.2, 0.28); // [0.8, 1, 1.28]
 * @remarks PPO arXiv:1707.06347
 */
export function clipRatio(ratio: tf.Tensor, epsilonLow: number, epsilonHigh: number = epsilonLow): tf.Tensor {
  const tf = loadedTf("clipRatio");
  assertTensor(ratio, "clipRatio", "ratio");
  if (typeof epsilonLow !== "number" || typeof epsilonHigh !== "number" || !Number.isFinite(epsilonLow) || !Number.isFinite(epsilonHigh)) {
    throw new RLError("INVALID_INPUT", `clipRatio: epsilonLow and epsilonHigh must be finite numbers, got ${describeValue(epsilonLow)} and ${describeValue(epsilonHigh)}`);
  }
  if (!(epsilonLow >= 0) || !(epsilonHigh >= 0)) {
    throw new RLError("INVALID_CONFIG", `clipRatio: epsilons must be ≥ 0, got ${epsilonLow}, ${epsilonHigh}`);
  }
  return tf.tidy(() => clampTensor(ratio, 1 - epsilonLow, 1 + epsilonHigh));
}

/**
 * Clips `x` into `[lo, hi]` with the gradient passing where it is inside, bounds included
 * (`torch.clamp`). Unlike `tf.clipByValue`, either bound may be a tensor (verl's value clip uses
 * `old ± c`), and it is safe on the wasm backend: tfjs 4.22's wasm `clipByValue` hands XNNPACK a
 * clamp whose float32 bounds are equal when two different doubles round to the same float32
 * (e.g. `1 − 1e-9`, `1 + 1e-9`); XNNPACK rejects it and the op returns garbage (~1e-41) without an
 * error. Every `@rl` package clamps through this function.
 *
 * @example clampTensor(tf.tensor1d([0.5, 1, 1.5]), 0.8, 1.28); // [0.8, 1, 1.28]
 */
export function clampTensor(x: tf.Tensor, lo: tf.Tensor | number, hi: tf.Tensor | number): tf.Tensor {
  const tf = loadedTf("clampTensor");
  assertTensor(x, "clampTensor", "x", { dtypes: ["float32", "int32"] });
  for (const [name, v] of [["lo", lo], ["hi", hi]] as const) {
    if (typeof v === "number") {
      if (Number.isNaN(v)) throw new RLError("INVALID_INPUT", `clampTensor: ${name} is NaN`);
    } else assertTensor(v, "clampTensor", name, { dtypes: ["float32", "int32"] });
  }
  try {
    return tf.tidy(() => tf.minimum(tf.maximum(x, lo), hi));
  } catch (e) {
    throw new RLError("SHAPE_MISMATCH", `clampTensor: lo / hi do not broadcast against x [${x.shape.join(",")}]: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Clamped `exp` of a log-ratio, as verl computes importance ratios: `exp(clamp(x, −max, max))`.
 * Default bound 20.
 * @remarks Mirrors verl `compute_policy_loss`, which clamps the log-ratio to ±20 before `exp` (verl/trainer/ppo/core_algos.py).
 */
export function safeExp(logRatio: tf.Tensor, maxAbs = 20): tf.Tensor {
  const tf = loadedTf("safeExp");
  assertTensor(logRatio, "safeExp", "logRatio");
  if (typeof maxAbs !== "number" || !(maxAbs > 0) || !Number.isFinite(maxAbs)) throw new RLError("INVALID_INPUT", `safeExp: maxAbs must be a finite number > 0, got ${describeValue(maxAbs)}`);
  return tf.tidy(() => tf.exp(clampTensor(logRatio, -maxAbs, maxAbs)));
}

/**
 * Clips by global norm (gradient clipping, Pascanu et al. arXiv:1211.5063):
 *
 *   g ← g · min(1, maxNorm / (‖g‖₂ + 1e-6))     ‖g‖₂ over every tensor of the list
 *
 * Returns the clipped tensors (caller owns them) and the norm before clipping.
 * @remarks arXiv:1211.5063
 */
export function clipTensorsByGlobalNorm(tensors: readonly tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; norm: number } {
  const tf = loadedTf("clipTensorsByGlobalNorm");
  if (typeof maxNorm !== "number" || !(maxNorm > 0)) throw new RLError("INVALID_CONFIG", `clipTensorsByGlobalNorm: maxNorm must be > 0, got ${describeValue(maxNorm)}`);
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RLError("INVALID_INPUT", "clipTensorsByGlobalNorm: tensors must be a non-empty array of tf.Tensor");
  tensors.forEach((t, i) => assertTensor(t, "clipTensorsByGlobalNorm", `tensors[${i}]`));
  const normT = tf.tidy(() => tf.sqrt(tf.addN(tensors.map((t) => tf.sum(tf.square(t))))));
  const norm = (normT.dataSync() as Float32Array)[0] as number;
  normT.dispose();
  if (!Number.isFinite(norm)) throw new RLError("NON_FINITE", `clipTensorsByGlobalNorm: the gradient norm is ${norm}`);
  const scale = Math.min(1, maxNorm / (norm + 1e-6));
  const clipped = tensors.map((t) => tf.tidy(() => tf.mul(t, scale)));
  return { clipped, norm };
}

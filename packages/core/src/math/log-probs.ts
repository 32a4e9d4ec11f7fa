import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { assertSameShape } from "../matrix/matrix.js";
import { fusedEntropyFromLogits, fusedGatherLogProbs } from "../kernels/fused.js";
import { fusedKernelsActive } from "../kernels/register.js";
import { tf } from "../tf.js";
import { assertTensor, assertTensorMask } from "../validate.js";

/** Config of {@link gatherLogProbs}. */
export const gatherLogProbsConfig = z.object({
  /**
   * Logits are divided by this before the softmax (sampling temperature). Default 1. At least 1e-6:
   * a smaller temperature overflows float32 logits to ±Infinity (and the log-probs to NaN).
   */
  temperature: z.number().min(1e-6).default(1),
});
export type GatherLogProbsConfig = z.input<typeof gatherLogProbsConfig>;

/**
 * Log-probabilities of given token ids from logits, without a one-hot over the vocabulary
 * (TRL's `selective_log_softmax` does the same job):
 *
 *   log p(y | ·) = z_y / τ − logsumexp_v(z_v / τ)
 *
 * `logits` is `[..., V]` (float32; int32 is cast), `ids` is `[...]` (int32; float32 is cast);
 * the result has the shape of `ids`. Differentiable w.r.t. `logits`:
 * `∂/∂z_v = (onehot(y)_v − softmax(z/τ)_v) / τ` times the upstream gradient.
 *
 * On the `wasm` and `cpu` backends this runs the fused kernels `RlGatherLogProbs` /
 * `RlGatherLogProbsGrad` (one pass over each row, no `[N, V]` temporary in the forward; the
 * backward writes only the `[N, V]` gradient). On other backends it runs
 * {@link gatherLogProbsComposite}; both agree to float32 rounding.
 * Ids outside `[0, V)` throw `RLError("INVALID_INPUT")` (tfjs would silently gather 0); a
 * string, bool or complex dtype throws `RLError("INVALID_INPUT")`.
 *
 * @example
 * const lp = gatherLogProbs(tf.tensor2d([[2, 1, 0]]), tf.tensor1d([0], "int32")); // [-0.40761]
 * @remarks Mirrors TRL `selective_log_softmax` (trl/trainer/utils.py) and verl `logprobs_from_logits` (verl/utils/torch_functional.py).
 */
export function gatherLogProbs(logits: tf.Tensor, ids: tf.Tensor, config: GatherLogProbsConfig = {}): tf.Tensor {
  const { temperature } = parseConfig(gatherLogProbsConfig, config, "gatherLogProbs");
  const { N, V, idShape } = checkGatherInputs(logits, ids, "gatherLogProbs");
  if (N === 0 || V === 0 || !fusedKernelsActive()) return compositeGather(logits, ids, temperature, N, V, idShape);
  return tf.tidy(() => {
    // no reshape of the logits: the kernel reads [..., V] rows as they are (a reshape would be a
    // second tensor over the same buffer, which tf.memory() and tf.profile count as new bytes)
    const z = logits.dtype === "float32" ? logits : tf.cast(logits, "float32");
    const y = ids.dtype === "int32" ? ids : tf.cast(ids, "int32");
    return tf.reshape(fusedGatherLogProbs(z, y, temperature), idShape);
  });
}

/**
 * {@link gatherLogProbs} from tfjs's own ops, on any backend (the implementation used on
 * `webgl`, `webgpu` and `node`): the picked logit is gathered with flat indices (`i·V + y_i`), so
 * no `[N, V]` one-hot is built; the logsumexp makes `[N, V]` temporaries. Same signature, validation
 * and result as {@link gatherLogProbs}; kept public as the cross-check of the fused kernel.
 *
 * @example
 * const lp = gatherLogProbsComposite(tf.tensor2d([[2, 1, 0]]), tf.tensor1d([0], "int32")); // [-0.40761]
 */
export function gatherLogProbsComposite(logits: tf.Tensor, ids: tf.Tensor, config: GatherLogProbsConfig = {}): tf.Tensor {
  const { temperature } = parseConfig(gatherLogProbsConfig, config, "gatherLogProbsComposite");
  const { N, V, idShape } = checkGatherInputs(logits, ids, "gatherLogProbsComposite");
  return compositeGather(logits, ids, temperature, N, V, idShape);
}

function compositeGather(logits: tf.Tensor, ids: tf.Tensor, temperature: number, N: number, V: number, idShape: number[]): tf.Tensor {
  return tf.tidy(() => {
    const flat = tf.reshape(logits, [N, V]);
    const scaled = temperature === 1 ? flat : tf.div(flat, temperature);
    const offsets = tf.mul(tf.range(0, N, 1, "int32"), tf.scalar(V, "int32"));
    const flatIds = tf.add(offsets, tf.cast(tf.reshape(ids, [N]), "int32"));
    const picked = tf.gather(tf.reshape(scaled, [N * V]), flatIds);
    const lse = tf.logSumExp(scaled, -1);
    return tf.reshape(tf.sub(picked, lse), idShape);
  });
}

function checkGatherInputs(logits: tf.Tensor, ids: tf.Tensor, fn: string): { N: number; V: number; idShape: number[] } {
  assertTensor(logits, fn, "logits", { dtypes: ["float32", "int32", "bool", "string", "complex64"] });
  assertTensor(ids, fn, "ids", { dtypes: ["float32", "int32", "bool", "string", "complex64"] });
  assertNumericDtype(logits, "logits", fn);
  assertNumericDtype(ids, "ids", fn);
  if (logits.rank < 1) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: logits must be [..., V], got a scalar`);
  }
  const V = logits.shape[logits.rank - 1] as number;
  const idShape = logits.shape.slice(0, -1);
  if (ids.shape.length !== idShape.length || ids.shape.some((s, k) => s !== idShape[k])) {
    throw new RLError(
      "SHAPE_MISMATCH",
      `${fn}: ids has shape [${ids.shape.join(",")}], logits [${logits.shape.join(",")}] needs ids [${idShape.join(",")}]`,
    );
  }
  assertIdsInRange(ids, V, fn);
  return { N: ids.size, V, idShape };
}

function assertNumericDtype(t: tf.Tensor, name: string, fn: string): void {
  if (t.dtype !== "float32" && t.dtype !== "int32") {
    throw new RLError("INVALID_INPUT", `${fn}: ${name} must be float32 or int32, got ${t.dtype}`);
  }
}

function assertIdsInRange(ids: tf.Tensor, V: number, fn: string): void {
  const range = tf.tidy(() => tf.stack([tf.min(ids), tf.max(ids)]));
  const [lo, hi] = range.dataSync() as unknown as [number, number];
  range.dispose();
  if (ids.size > 0 && (lo < 0 || hi >= V)) {
    throw new RLError("INVALID_INPUT", `${fn}: token ids must lie in [0, ${V}); got min ${lo}, max ${hi}`);
  }
}

/**
 * The one-hot formulation of {@link gatherLogProbs}: `Σ_v onehot(y)_v · log_softmax(z)_v`.
 * Kept for the benchmark in `bench/` and as a cross-check in tests; it builds a `[N, V]` one-hot.
 * Ids outside `[0, V)` throw `RLError("INVALID_INPUT")`, as in {@link gatherLogProbs} (a one-hot of
 * an out-of-range id is all zeros, which would read as log-prob 0, probability 1).
 */
export function gatherLogProbsOneHot(logits: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  assertTensor(logits, "gatherLogProbsOneHot", "logits");
  assertTensor(ids, "gatherLogProbsOneHot", "ids", { dtypes: ["int32", "float32"] });
  if (logits.rank < 1) throw new RLError("SHAPE_MISMATCH", "gatherLogProbsOneHot: logits must be [..., V]");
  const idShape = logits.shape.slice(0, -1);
  if (ids.shape.length !== idShape.length || ids.shape.some((s, k) => s !== idShape[k])) {
    throw new RLError(
      "SHAPE_MISMATCH",
      `gatherLogProbsOneHot: ids has shape [${ids.shape.join(",")}], logits [${logits.shape.join(",")}] needs ids [${idShape.join(",")}]`,
    );
  }
  assertIdsInRange(ids, logits.shape[logits.rank - 1] as number, "gatherLogProbsOneHot");
  return tf.tidy(() => {
    const V = logits.shape[logits.rank - 1] as number;
    const oneHot = tf.oneHot(tf.cast(ids, "int32"), V);
    return tf.sum(tf.mul(tf.logSoftmax(logits, -1), oneHot), -1);
  });
}

/** Config of {@link sequenceLogProbs}. */
export const sequenceLogProbsConfig = z.object({
  /** `"sum"` (DPO, KTO) or `"mean"` (SimPO, ORPO, IPO). Default `"sum"`. */
  reduction: z.enum(["sum", "mean"]).default("sum"),
});
export type SequenceLogProbsConfig = z.input<typeof sequenceLogProbsConfig>;

/**
 * Per-sequence log-probabilities from per-token ones over a 0/1 mask:
 *
 *   sum_b = Σ_t lp[b,t]·M[b,t]          mean_b = sum_b / max(Σ_t M[b,t], 1)
 *
 * An empty completion gives 0 for both (TRL clamps the count to 1; SimPO's code would give NaN).
 * Differentiable. Returns `[B]`.
 *
 * @example
 * sequenceLogProbs(tf.tensor2d([[-0.5, -1, -0.2, -7]]), tf.tensor2d([[1, 1, 1, 0]]), { reduction: "mean" }); // [-0.56667]
 * @remarks Mirrors the sequence log-probs of TRL `DPOTrainer.concatenated_forward` (trl/trainer/dpo_trainer.py).
 */
export function sequenceLogProbs(tokenLogProbs: tf.Tensor, mask: tf.Tensor, config: SequenceLogProbsConfig = {}): tf.Tensor1D {
  const { reduction } = parseConfig(sequenceLogProbsConfig, config, "sequenceLogProbs");
  assertTensor(tokenLogProbs, "sequenceLogProbs", "tokenLogProbs");
  assertTensor(mask, "sequenceLogProbs", "mask");
  assertSameShape({ tokenLogProbs, mask }, "sequenceLogProbs");
  assertTensorMask(mask, "sequenceLogProbs");
  if (tokenLogProbs.rank !== 2) {
    throw new RLError("SHAPE_MISMATCH", `sequenceLogProbs: tokenLogProbs must be [B, T], got [${tokenLogProbs.shape.join(",")}]`);
  }
  return tf.tidy(() => {
    const s = tf.sum(tf.mul(tokenLogProbs, mask), 1);
    return (reduction === "sum" ? s : tf.div(s, tf.maximum(tf.sum(mask, 1), 1))) as tf.Tensor1D;
  });
}

/**
 * Entropy of the softmax of logits over the last axis (verl / TRL `entropy_from_logits`):
 *
 *   H = logsumexp(z) − Σ_v softmax(z)_v · z_v
 *
 * Differentiable (`∂H/∂z_v = p_v (Σ_u p_u z_u − z_v)`); the result drops the last axis.
 * `logits` is float32 (int32 is cast); another dtype throws `RLError("INVALID_INPUT")`.
 * On the `wasm` and `cpu` backends this runs the fused kernels `RlEntropyFromLogits` /
 * `RlEntropyFromLogitsGrad` (one pass per row, no `[N, V]` temporary in the forward); on other
 * backends {@link entropyFromLogitsComposite}. Both agree to float32 rounding.
 *
 * @example
 * entropyFromLogits(tf.tensor1d([2, 1, 0])); // 0.832396
 * @remarks Mirrors verl `entropy_from_logits` (verl/utils/torch_functional.py).
 */
export function entropyFromLogits(logits: tf.Tensor): tf.Tensor {
  assertTensor(logits, "entropyFromLogits", "logits", { dtypes: ["float32", "int32", "bool", "string", "complex64"] });
  assertNumericDtype(logits, "logits", "entropyFromLogits");
  if (logits.rank < 1) throw new RLError("SHAPE_MISMATCH", "entropyFromLogits: logits must be [..., V], got a scalar");
  const V = logits.shape[logits.rank - 1] as number;
  const outShape = logits.shape.slice(0, -1);
  const N = outShape.reduce((a, b) => a * b, 1);
  if (N === 0 || V === 0 || !fusedKernelsActive()) return compositeEntropy(logits);
  return tf.tidy(() => {
    const z = logits.dtype === "float32" ? logits : tf.cast(logits, "float32");
    return tf.reshape(fusedEntropyFromLogits(z), outShape);
  });
}

/**
 * {@link entropyFromLogits} from tfjs's own ops (logsumexp, softmax, sum), on any backend: the
 * implementation used on `webgl`, `webgpu` and `node`, and the cross-check of the fused kernel.
 *
 * @example
 * entropyFromLogitsComposite(tf.tensor1d([2, 1, 0])); // 0.832396
 */
export function entropyFromLogitsComposite(logits: tf.Tensor): tf.Tensor {
  assertTensor(logits, "entropyFromLogitsComposite", "logits", { dtypes: ["float32", "int32"] });
  assertNumericDtype(logits, "logits", "entropyFromLogitsComposite");
  if (logits.rank < 1) throw new RLError("SHAPE_MISMATCH", "entropyFromLogitsComposite: logits must be [..., V], got a scalar");
  return compositeEntropy(logits);
}

function compositeEntropy(logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const z = logits.dtype === "float32" ? logits : tf.cast(logits, "float32");
    const lse = tf.logSumExp(z, -1);
    const p = tf.softmax(z, -1);
    return tf.sub(lse, tf.sum(tf.mul(p, z), -1));
  });
}

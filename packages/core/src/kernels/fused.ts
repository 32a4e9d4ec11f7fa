import { tf } from "../tf.js";
import { registerRlKernels, rlKernelNames } from "./register.js";

/**
 * Fused log-probabilities of given ids, `[..., V]` float32 logits and int32 ids with `N` elements
 * (`N` = the logits' rows; any shape) → `[N]`:
 * `lp_i = z_{i,y_i}/τ − logsumexp_v(z_{i,v}/τ)`, one pass per row, no `[N, V]` temporary.
 * Backward (kernel `RlGatherLogProbsGrad`): `∂lp_i/∂z_{i,v} = (onehot(y_i)_v − softmax(z_i/τ)_v)/τ`,
 * times the upstream gradient. Inputs are not validated here (see `gatherLogProbs`).
 */
export function fusedGatherLogProbs(logits: tf.Tensor, ids: tf.Tensor, temperature: number): tf.Tensor1D {
  registerRlKernels();
  const attrs = { temperature };
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const [lp, lse] = tf.engine().runKernel(rlKernelNames.gatherLogProbs, { logits: x, ids }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    save([x, ids, lse as tf.Tensor]);
    return {
      value: lp as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, is, l] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.engine().runKernel(rlKernelNames.gatherLogProbsGrad, { logits: xs, ids: is, lse: l, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
  return f(logits) as tf.Tensor1D;
}

/**
 * Fused entropy of `softmax(z/τ)` per row, `[..., V]` float32 (N rows) → `[N]`:
 * `H_i = logsumexp(y_i) − Σ_v p_v y_v` with `y = z/τ`, one pass per row, no `[N, V]` temporary.
 * Backward (kernel `RlEntropyFromLogitsGrad`): `∂H_i/∂z_{i,v} = p_v (E_p[y] − y_v)/τ`.
 */
export function fusedEntropyFromLogits(logits: tf.Tensor, temperature = 1): tf.Tensor1D {
  registerRlKernels();
  const attrs = { temperature };
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const [h, lse, mu] = tf.engine().runKernel(rlKernelNames.entropyFromLogits, { logits: x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    save([x, lse as tf.Tensor, mu as tf.Tensor]);
    return {
      value: h as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, l, m] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.engine().runKernel(rlKernelNames.entropyFromLogitsGrad, { logits: xs, lse: l, mu: m, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
  return f(logits) as tf.Tensor1D;
}

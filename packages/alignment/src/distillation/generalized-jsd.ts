import { RLError, assertTensor, describeValue, parseConfig, tf } from "@rl/core";
import { z } from "zod";

/**
 * Config of {@link tokenDivergences} and {@link generalizedJsdLoss} (TRL `GKDConfig` defaults).
 * - `beta` (0.5): interpolation β of the generalized JSD; 0 is the forward KL(teacher ‖ student),
 *   1 the reverse KL(student ‖ teacher) (TRL's convention).
 * - `temperature` (1): both models' logits are divided by it before the softmax.
 * - `chunkSize` (256): rows of the flattened `[B·T, V]` logits processed at once, forward and backward.
 */
export const tokenDivergencesConfig = z.object({
  /** Interpolation β of the generalized JSD: 0 = forward KL(teacher ‖ student), 1 = reverse KL(student ‖ teacher). */
  beta: z.number().min(0).max(1).default(0.5),
  /** Softmax temperature applied to both models' logits. */
  temperature: z.number().positive().finite().default(1),
  /** Rows of the flattened `[B·T, V]` logits processed at once (forward and backward); bounds the extra memory to a few `[chunkSize, V]` arrays. */
  chunkSize: z.number().int().positive().default(256),
});
export type TokenDivergencesConfig = z.input<typeof tokenDivergencesConfig>;

/** Per-row divergence (summed over V) and, when asked, its gradient w.r.t. u = z_s/τ, for one chunk. */
function chunkDivergence(zs: tf.Tensor2D, zt: tf.Tensor2D, beta: number, temperature: number, withGrad: boolean): { value: tf.Tensor1D; gradU?: tf.Tensor2D } {
  const ls = tf.logSoftmax(tf.div(zs, temperature));
  const lt = tf.logSoftmax(tf.div(zt, temperature));
  const s = tf.exp(ls);
  const t = tf.exp(lt);
  if (beta === 0) {
    // KL(t ‖ s) = Σ t (lt − ls);  ∂/∂u = s − t
    const value = tf.sum(tf.mul(t, tf.sub(lt, ls)), -1) as tf.Tensor1D;
    return withGrad ? { value, gradU: tf.sub(s, t) as tf.Tensor2D } : { value };
  }
  let value: tf.Tensor1D;
  let g: tf.Tensor; // ∂J/∂s
  if (beta === 1) {
    // KL(s ‖ t) = Σ s (ls − lt);  ∂J/∂s_v = ls_v − lt_v + 1 (the 1 cancels below)
    g = tf.sub(ls, lt);
    value = tf.sum(tf.mul(s, g), -1) as tf.Tensor1D;
  } else {
    // m = (1−β)s + βt in log space; J = β KL(t ‖ m) + (1−β) KL(s ‖ m);  ∂J/∂s_v = (1−β)(ls_v − lm_v)
    const a = tf.add(ls, Math.log1p(-beta));
    const b = tf.add(lt, Math.log(beta));
    const mx = tf.maximum(a, b);
    const lm = tf.add(mx, tf.log(tf.add(tf.exp(tf.sub(a, mx)), tf.exp(tf.sub(b, mx)))));
    const klT = tf.sum(tf.mul(t, tf.sub(lt, lm)), -1);
    const klS = tf.sum(tf.mul(s, tf.sub(ls, lm)), -1);
    value = tf.add(tf.mul(klT, beta), tf.mul(klS, 1 - beta)) as tf.Tensor1D;
    g = tf.mul(tf.sub(ls, lm), 1 - beta);
  }
  if (!withGrad) return { value };
  // softmax backward: ∂J/∂u_v = s_v (g_v − Σ_w s_w g_w)
  const gradU = tf.mul(s, tf.sub(g, tf.sum(tf.mul(s, g), -1, true))) as tf.Tensor2D;
  return { value, gradU };
}

/** Checks the student / teacher logits at a public entry: live float tensors of the same shape. */
function checkLogitsPair(studentLogits: unknown, teacherLogits: unknown, fn: string): asserts studentLogits is tf.Tensor {
  assertTensor(studentLogits, fn, "studentLogits", { dtypes: ["float32", "int32"] });
  assertTensor(teacherLogits, fn, "teacherLogits", { dtypes: ["float32", "int32"] });
  if (teacherLogits.rank !== studentLogits.rank || teacherLogits.shape.some((d, k) => d !== studentLogits.shape[k])) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: teacherLogits has shape [${teacherLogits.shape.join(",")}], studentLogits has [${studentLogits.shape.join(",")}]`);
  }
}

function rowsOf(x: tf.Tensor, name: string, fn: string): { rows: number; vocab: number } {
  if (x.rank < 2) throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} must be [..., V] logits (rank ≥ 2), got shape [${x.shape.join(",")}]`);
  const vocab = x.shape[x.rank - 1] as number;
  return { rows: x.size / Math.max(vocab, 1), vocab };
}

/**
 * Per-token generalized Jensen–Shannon divergence between a student and a teacher over the
 * full vocabulary (GKD, Agarwal et al. 2024, arXiv:2306.13649, Eq. 1; TRL
 * `GKDTrainer.generalized_jsd_loss` before its reduction, `trl/experimental/gkd/gkd_trainer.py` at
 * f2cd57710ae345ea6428ae95363267fcf38a3dc8). With s = softmax(z_s/τ), t = softmax(z_t/τ) at one
 * position and m = (1 − β)s + βt:
 *
 *   D_β = β KL(t ‖ m) + (1 − β) KL(s ‖ m)      (0 < β < 1)
 *   D_0 = KL(t ‖ s)  (forward KL)               D_1 = KL(s ‖ t)  (reverse KL)
 *
 * Returns `[...]` (the logits' shape without V). Differentiable in `studentLogits` only (the
 * teacher is a constant, as under TRL's `no_grad`). Memory: the logits are processed in chunks of
 * `chunkSize` rows in the forward pass and again in the backward pass (a custom gradient that
 * recomputes the softmaxes), so no `[B, T, V]` log-softmax, mixture or probability tensor of
 * either model is ever built; beyond the inputs, only the `[B, T, V]` gradient is. Defaults:
 * β 0.5, τ 1, chunk 256 rows.
 *
 * @example
 * const d = tokenDivergences(tf.tensor3d([[[2, 0, -1]]]), tf.tensor3d([[[0, 1, 0]]]), { beta: 0 });
 * d.dataSync(); // [0.982577]
 */
export function tokenDivergences(studentLogits: tf.Tensor, teacherLogits: tf.Tensor, config: TokenDivergencesConfig = {}): tf.Tensor {
  const fn = "tokenDivergences";
  const { beta, temperature, chunkSize } = parseConfig(tokenDivergencesConfig, config, fn);
  checkLogitsPair(studentLogits, teacherLogits, fn);
  const { rows, vocab } = rowsOf(studentLogits, "studentLogits", fn);
  if (vocab === 0 || rows === 0) throw new RLError("INVALID_INPUT", `${fn}: empty logits (shape [${studentLogits.shape.join(",")}])`);
  const outShape = studentLogits.shape.slice(0, -1);
  const teacher2d = tf.reshape(teacherLogits, [rows, vocab]) as tf.Tensor2D;
  const chunks = (each: (start: number, n: number) => void): void => {
    for (let start = 0; start < rows; start += chunkSize) each(start, Math.min(chunkSize, rows - start));
  };
  const op = tf.customGrad(((x: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
    save([x]);
    const x2d = tf.reshape(x, [rows, vocab]) as tf.Tensor2D;
    const parts: tf.Tensor1D[] = [];
    chunks((start, n) => {
      parts.push(tf.tidy(() => chunkDivergence(tf.slice(x2d, [start, 0], [n, vocab]), tf.slice(teacher2d, [start, 0], [n, vocab]), beta, temperature, false).value));
    });
    const value = tf.reshape(parts.length === 1 ? (parts[0] as tf.Tensor1D) : tf.concat(parts), outShape);
    if (parts.length > 1) tf.dispose(parts);
    x2d.dispose();
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const xs = tf.reshape(saved[0] as tf.Tensor, [rows, vocab]) as tf.Tensor2D;
        const dy1 = tf.reshape(dy, [rows]);
        const grads: tf.Tensor2D[] = [];
        chunks((start, n) => {
          grads.push(
            tf.tidy(() => {
              const { gradU } = chunkDivergence(tf.slice(xs, [start, 0], [n, vocab]), tf.slice(teacher2d, [start, 0], [n, vocab]), beta, temperature, true);
              return tf.mul(gradU as tf.Tensor2D, tf.reshape(tf.div(tf.slice(dy1, [start], [n]), temperature), [n, 1])) as tf.Tensor2D;
            }),
          );
        });
        const g = tf.reshape(grads.length === 1 ? (grads[0] as tf.Tensor2D) : tf.concat(grads), (saved[0] as tf.Tensor).shape);
        if (grads.length > 1) tf.dispose(grads);
        tf.dispose([xs, dy1]);
        return g;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
  const out = op(studentLogits);
  teacher2d.dispose();
  return out;
}

/** Config of {@link generalizedJsdLoss}: {@link tokenDivergencesConfig} and TRL's `reduction`. */
export const generalizedJsdConfig = tokenDivergencesConfig.extend({
  /**
   * `"batchmean"` (TRL default): Σ over valid tokens / number of valid tokens (with a mask; without
   * one, / B as TRL does); `"sum"`; `"mean"`: / (valid tokens · V), as TRL's `jsd.mean()`.
   */
  reduction: z.enum(["batchmean", "sum", "mean"]).default("batchmean"),
});
export type GeneralizedJsdConfig = z.input<typeof generalizedJsdConfig>;

/** Inputs of {@link generalizedJsdLoss}. */
export interface DistillationLogits {
  /** `[B, T, V]` logits of the student (differentiated). */
  studentLogits: tf.Tensor;
  /** `[B, T, V]` logits of the teacher (a constant). */
  teacherLogits: tf.Tensor;
  /** `[B, T]` 0/1: the completion tokens that count (TRL `labels != -100`); all tokens when absent. */
  mask?: tf.Tensor | undefined;
}

/** What {@link generalizedJsdLoss} returns. */
export interface GeneralizedJsdOutput {
  loss: tf.Scalar;
  /** `[B, T]` per-token divergence times the mask. */
  perToken: tf.Tensor;
  /** `divergence`: the mean per-token divergence over valid tokens. */
  metrics: { divergence: number };
}

/**
 * GKD's generalized JSD distillation loss (arXiv:2306.13649; TRL `GKDTrainer.generalized_jsd_loss`
 * at f2cd57710ae345ea6428ae95363267fcf38a3dc8): {@link tokenDivergences} over the full vocabulary,
 * masked, reduced as TRL does:
 *
 *   loss = Σ_{b,t} M_{b,t} D_β(b, t) / max(1, Σ M)       ("batchmean" with a mask)
 *
 * β = 0 is forward-KL distillation (SFT on the teacher's distribution), β = 1 reverse KL
 * (mode-seeking); see {@link forwardKlDistillationLoss}, {@link reverseKlDistillationLoss}.
 * Defaults: β 0.5, τ 1, `"batchmean"`, chunks of 256 rows. A fully masked batch gives 0 (TRL's
 * `clamp_min(1)`).
 *
 * @example
 * const out = generalizedJsdLoss({ studentLogits: tf.tensor3d([[[2, 0, -1], [0, 0, 0]]]),
 *   teacherLogits: tf.tensor3d([[[0, 1, 0], [1, 0, 0]]]), mask: tf.tensor2d([[1, 0]]) });
 * out.loss.dataSync(); // [0.216673]
 */
export function generalizedJsdLoss(inputs: DistillationLogits, config: GeneralizedJsdConfig = {}): GeneralizedJsdOutput {
  return distillationLoss(inputs, parseConfig(generalizedJsdConfig, config, "generalizedJsdLoss"), "generalizedJsdLoss");
}

/** The body of {@link generalizedJsdLoss} and the two KL losses; `fn` names the public function in messages. */
function distillationLoss(inputs: DistillationLogits, cfg: z.output<typeof generalizedJsdConfig>, fn: string): GeneralizedJsdOutput {
  const { reduction, ...divergence } = cfg;
  if (typeof inputs !== "object" || inputs === null) {
    throw new RLError("INVALID_INPUT", `${fn}: inputs must be { studentLogits, teacherLogits, mask? }, got ${describeValue(inputs)}`);
  }
  const { studentLogits, teacherLogits, mask } = inputs;
  checkLogitsPair(studentLogits, teacherLogits, fn);
  if (mask !== undefined) assertTensor(mask, fn, "mask", { dtypes: ["float32", "int32"] });
  if (studentLogits.rank !== 3) throw new RLError("SHAPE_MISMATCH", `${fn}: studentLogits must be [B, T, V], got shape [${studentLogits.shape.join(",")}]`);
  const [B, T, V] = studentLogits.shape as [number, number, number];
  if (mask !== undefined) {
    if (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== T) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: mask has shape [${mask.shape.join(",")}], expected [${B},${T}]`);
    }
    const m = mask.dataSync();
    for (let k = 0; k < m.length; k++) {
      if (m[k] !== 0 && m[k] !== 1) throw new RLError("INVALID_INPUT", `${fn}: mask[${Math.floor(k / T)}][${k % T}] is ${m[k]}; a mask holds only 0 and 1`);
    }
  }
  const out = tf.tidy(() => {
    const d = tokenDivergences(studentLogits, teacherLogits, divergence);
    const m = mask === undefined ? tf.onesLike(d) : tf.cast(mask, "float32");
    const perToken = tf.mul(d, m);
    const total = tf.sum(perToken);
    const count = tf.maximum(tf.sum(m), 1);
    let loss: tf.Tensor;
    if (reduction === "sum") loss = total;
    else if (reduction === "mean") loss = tf.div(total, tf.mul(count, V));
    else loss = mask === undefined ? tf.div(total, B) : tf.div(total, count);
    return { loss: loss as tf.Scalar, perToken, mean: tf.div(total, count) };
  });
  const divergenceMean = out.mean.dataSync()[0] as number;
  out.mean.dispose();
  if (!Number.isFinite(divergenceMean)) {
    tf.dispose([out.loss, out.perToken]);
    throw new RLError("NON_FINITE", `${fn}: the divergence is ${divergenceMean}; check the logits for non-finite values`);
  }
  return { loss: out.loss, perToken: out.perToken, metrics: { divergence: divergenceMean } };
}

/** Config of {@link forwardKlDistillationLoss} and {@link reverseKlDistillationLoss}: {@link generalizedJsdConfig} without β. */
export const klDistillationConfig = generalizedJsdConfig.omit({ beta: true });
export type KlDistillationConfig = z.input<typeof klDistillationConfig>;

/**
 * Forward-KL distillation, Σ_v t_v (log t_v − log s_v) per token (Hinton et al. 2015,
 * arXiv:1503.02531; {@link generalizedJsdLoss} with β = 0, TRL's convention). Mode-covering.
 *
 * @example
 * forwardKlDistillationLoss({ studentLogits: tf.tensor3d([[[2, 0, -1]]]), teacherLogits: tf.tensor3d([[[0, 1, 0]]]) })
 *   .loss.dataSync(); // [0.982577]
 */
export function forwardKlDistillationLoss(inputs: DistillationLogits, config: KlDistillationConfig = {}): GeneralizedJsdOutput {
  return distillationLoss(inputs, { ...parseConfig(klDistillationConfig, config, "forwardKlDistillationLoss"), beta: 0 }, "forwardKlDistillationLoss");
}

/**
 * Reverse-KL distillation, Σ_v s_v (log s_v − log t_v) per token (MiniLLM, arXiv:2306.08543;
 * {@link generalizedJsdLoss} with β = 1). Mode-seeking.
 *
 * @example
 * reverseKlDistillationLoss({ studentLogits: tf.tensor3d([[[2, 0, -1]]]), teacherLogits: tf.tensor3d([[[0, 1, 0]]]) })
 *   .loss.dataSync(); // [0.912983]
 */
export function reverseKlDistillationLoss(inputs: DistillationLogits, config: KlDistillationConfig = {}): GeneralizedJsdOutput {
  return distillationLoss(inputs, { ...parseConfig(klDistillationConfig, config, "reverseKlDistillationLoss"), beta: 1 }, "reverseKlDistillationLoss");
}

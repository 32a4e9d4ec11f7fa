import { RLError, assertTensor, describeValue, parseConfig, stopGradient, tf } from "@rl/core";
import { z } from "zod";

/** Config of {@link onPolicyDistillationAdvantages}. */
export const onPolicyDistillationConfig = z.object({
  /** Scale of the negative reverse KL used as the advantage. */
  klCoef: z.number().positive().finite().default(1),
});
export type OnPolicyDistillationConfig = z.input<typeof onPolicyDistillationConfig>;

/** Inputs of {@link onPolicyDistillationAdvantages}, all `[B, T]` at the student's sampled tokens. */
export interface OnPolicyDistillationInputs {
  /** log π_student(y_t) of the sampled tokens (the sampler's log-probs). */
  logProbs: tf.Tensor;
  /** log π_teacher(y_t) of the same tokens, from one teacher forward pass over the student's samples. */
  teacherLogProbs: tf.Tensor;
  /** 0/1 response tokens. */
  mask: tf.Tensor;
}

/**
 * On-policy distillation's per-token advantage: the negative reverse KL of the student from the
 * teacher, estimated at each token the student sampled (Agarwal et al., GKD with λ = 1,
 * arXiv:2306.13649; Thinking Machines' "On-Policy Distillation", 2025, with discount 0):
 *
 *   A_t = −klCoef · (log π_student(y_t) − log π_teacher(y_t)) · M_t      (no gradient)
 *
 * The teacher grades every token of the student's own rollout, so the advantage is dense; feed
 * it to a policy-gradient loss (e.g. `ppoPolicyLoss` / `grpoLoss` with these `advantages`) in
 * place of group-relative credit. Its expectation under the student is −klCoef·KL(student ‖ teacher).
 * Default `klCoef` 1. Non-finite log-probs or a mask other than 0/1 throw `RLError`.
 *
 * @example
 * onPolicyDistillationAdvantages({ logProbs: tf.tensor2d([[-0.5, -2]]), teacherLogProbs: tf.tensor2d([[-0.25, -3]]),
 *   mask: tf.tensor2d([[1, 1]]) }).advantages.dataSync(); // [0.25, -1]
 */
export function onPolicyDistillationAdvantages(inputs: OnPolicyDistillationInputs, config: OnPolicyDistillationConfig = {}): { advantages: tf.Tensor } {
  const fn = "onPolicyDistillationAdvantages";
  const { klCoef } = parseConfig(onPolicyDistillationConfig, config, fn);
  if (typeof inputs !== "object" || inputs === null) {
    throw new RLError("INVALID_INPUT", `${fn}: inputs must be { logProbs, teacherLogProbs, mask }, got ${describeValue(inputs)}`);
  }
  const { logProbs, teacherLogProbs, mask } = inputs;
  assertTensor(logProbs, fn, "logProbs");
  assertTensor(teacherLogProbs, fn, "teacherLogProbs");
  assertTensor(mask, fn, "mask", { dtypes: ["float32", "int32"] });
  for (const [name, t] of [["teacherLogProbs", teacherLogProbs], ["mask", mask]] as const) {
    if (t.rank !== logProbs.rank || t.shape.some((d, k) => d !== logProbs.shape[k])) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} has shape [${t.shape.join(",")}], logProbs has [${logProbs.shape.join(",")}]`);
    }
  }
  if (logProbs.rank !== 2) throw new RLError("SHAPE_MISMATCH", `${fn}: logProbs must be [B, T], got shape [${logProbs.shape.join(",")}]`);
  const m = mask.dataSync();
  const a = logProbs.dataSync();
  const b = teacherLogProbs.dataSync();
  const T = logProbs.shape[1] as number;
  for (let k = 0; k < m.length; k++) {
    if (m[k] !== 0 && m[k] !== 1) throw new RLError("INVALID_INPUT", `${fn}: mask[${Math.floor(k / T)}][${k % T}] is ${m[k]}; a mask holds only 0 and 1`);
    if (m[k] === 1 && !(Number.isFinite(a[k]) && Number.isFinite(b[k]))) {
      throw new RLError("NON_FINITE", `${fn}: log-probs at [${Math.floor(k / T)}][${k % T}] are ${a[k]} (student) and ${b[k]} (teacher); expected finite values`);
    }
  }
  // where() keeps padding exactly 0 even when its log-probs are −∞
  const advantages = tf.tidy(() =>
    stopGradient(tf.where(tf.equal(mask, 1), tf.mul(tf.sub(teacherLogProbs, logProbs), klCoef), tf.zerosLike(logProbs))),
  );
  return { advantages };
}

import { tf, RLError, assertTensor } from "@rl/core";

/** The pairwise metric names, as TRL logs them (docs/alignment/preference.md). */
export type PreferenceMetricName =
  | "rewards/chosen"
  | "rewards/rejected"
  | "rewards/accuracies"
  | "rewards/margins"
  | "logps/chosen"
  | "logps/rejected";

/** What every pairwise preference loss returns. Tensors belong to the caller. */
export interface PreferenceLossOutput<M extends string = PreferenceMetricName> {
  /** The scalar loss (differentiable w.r.t. the policy inputs). */
  loss: tf.Scalar;
  /** Per-pair losses `[B]` (`loss = mean(losses)` unless a function says otherwise). */
  losses: tf.Tensor1D;
  /** Implicit rewards of the chosen responses `[B]` (stop-gradient). */
  chosenRewards: tf.Tensor1D;
  /** Implicit rewards of the rejected responses `[B]` (stop-gradient). */
  rejectedRewards: tf.Tensor1D;
  /** Logged metrics as plain numbers (computed in float64 from the stop-gradient values). */
  metrics: Record<M, number>;
}

/**
 * The pairwise preference metrics of TRL (docs/alignment/preference.md): means of the rewards, of the margin,
 * of the accuracy `1[R_c > R_r]` (strict: ties count as wrong) and of the policy log-probs.
 * Reads the tensors (call outside `tf.tidy`); computed in float64.
 *
 * @example
 * pairwiseMetrics(tf.tensor1d([0.5, -0.75]), tf.tensor1d([-0.25, 0.125]), tf.tensor1d([-10, -20]), tf.tensor1d([-12, -18]));
 * // { "rewards/chosen": -0.125, "rewards/accuracies": 0.5, "rewards/margins": -0.0625, ... }
 * @remarks Mirrors TRL `DPOTrainer` metric logging (trl/trainer/dpo_trainer.py, `get_batch_loss_metrics`).
 */
export function pairwiseMetrics(
  chosenRewards: tf.Tensor,
  rejectedRewards: tf.Tensor,
  policyChosen: tf.Tensor,
  policyRejected: tf.Tensor,
): Record<PreferenceMetricName, number> {
  const fn = "pairwiseMetrics";
  const named = { chosenRewards, rejectedRewards, policyChosen, policyRejected };
  for (const [name, t] of Object.entries(named)) {
    assertTensor(t, fn, name);
    if (t.size !== chosenRewards.size) throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} has ${t.size} entries, chosenRewards has ${chosenRewards.size}`);
  }
  const rc = chosenRewards.dataSync();
  const rr = rejectedRewards.dataSync();
  const pc = policyChosen.dataSync();
  const pr = policyRejected.dataSync();
  const n = rc.length;
  let sc = 0;
  let sr = 0;
  let acc = 0;
  let lc = 0;
  let lr = 0;
  for (let k = 0; k < n; k++) {
    const c = rc[k] as number;
    const r = rr[k] as number;
    sc += c;
    sr += r;
    if (c > r) acc += 1;
    lc += pc[k] as number;
    lr += pr[k] as number;
  }
  const m = n > 0 ? n : 1;
  if (![sc, sr, lc, lr].every(Number.isFinite)) throw new RLError("NON_FINITE", `${fn}: the inputs hold NaN or ±Infinity`);
  return {
    "rewards/chosen": sc / m,
    "rewards/rejected": sr / m,
    "rewards/accuracies": acc / m,
    "rewards/margins": (sc - sr) / m,
    "logps/chosen": lc / m,
    "logps/rejected": lr / m,
  };
}

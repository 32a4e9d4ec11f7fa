import { RLError, stopGradient, tf, assertTensor, describeValue } from "@rl/core";

/**
 * The `q`-quantile of `values` with linear interpolation between the two nearest order statistics
 * (`torch.quantile`'s default): sorted `v`, `pos = q·(n − 1)`, `v[⌊pos⌋] + (v[⌈pos⌉] − v[⌊pos⌋])·(pos − ⌊pos⌋)`.
 * Throws `RLError("INVALID_INPUT")` for an empty list or `q` outside `[0, 1]`.
 *
 * @example
 * policyBlocks.linearQuantile([0.9, 0.1, 0.5, 0.3, 0.7], 0.6); // 0.58 (pos 2.4 between 0.5 and 0.7)
 */
export function linearQuantile(values: ArrayLike<number>, q: number): number {
  if (typeof values !== "object" || values === null || typeof values.length !== "number") throw new RLError("INVALID_INPUT", "linearQuantile: values must be an array of numbers");
  if (values.length === 0) throw new RLError("INVALID_INPUT", "linearQuantile: no values");
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new RLError("NON_FINITE", `linearQuantile: values[${k}] must be a finite number`);
  }
  if (typeof q !== "number" || !(q >= 0 && q <= 1)) throw new RLError("INVALID_INPUT", `linearQuantile: q must be in [0, 1], got ${describeValue(q)}`);
  const sorted = Float64Array.from(values).sort();
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(Math.ceil(pos), sorted.length - 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/**
 * High-entropy token mask (TRL `GRPOTrainer.get_high_entropy_mask`; "Beyond the 80/20 Rule",
 * arXiv:2506.01939): keep the valid tokens whose entropy is at or above the `1 − topQuantile`
 * quantile of the entropies over all valid tokens.
 *
 *   τ = quantile_{1−ρ}({H_t : M_t = 1}) (linear interpolation, as `torch.quantile`);  keep_t = M_t · 1[H_t ≥ τ]
 *
 * Ties with `τ` are kept (so `ρ = 1` keeps every valid token and equal entropies are never split);
 * `ρ = 0` keeps only the maximum-entropy token(s). No valid token → all zeros. Reads the entropies
 * once (a sync): they are constants. Returns a float32 0/1 `[B, T]` tensor the caller owns.
 * Throws `RLError("INVALID_INPUT")` for `topQuantile` outside `[0, 1]`, `RLError("SHAPE_MISMATCH")`
 * if the shapes differ, `RLError("NON_FINITE")` for NaN / Inf entropies at valid positions.
 *
 * @example
 * // H = [[0.1, 0.9, 0.5], [0.7, 0.3, pad]], ρ = 0.4 → τ = 0.58 → keep [[0, 1, 0], [1, 0, 0]]
 * const entropies = tf.tensor2d([[0.1, 0.9, 0.5], [0.7, 0.3, 0]]), mask = tf.tensor2d([[1, 1, 1], [1, 1, 0]]);
 * policyBlocks.highEntropyTokenMask(entropies, mask, 0.4);
 * @remarks arXiv:2506.01939
 */
export function highEntropyTokenMask(entropies: tf.Tensor, mask: tf.Tensor, topQuantile: number): tf.Tensor2D {
  assertTensor(entropies, "highEntropyTokenMask", "entropies");
  assertTensor(mask, "highEntropyTokenMask", "mask");
  if (typeof topQuantile !== "number" || !(topQuantile >= 0 && topQuantile <= 1)) {
    throw new RLError("INVALID_INPUT", `highEntropyTokenMask: topQuantile must be in [0, 1], got ${describeValue(topQuantile)}`);
  }
  if (entropies.rank !== 2 || mask.rank !== 2 || entropies.shape[0] !== mask.shape[0] || entropies.shape[1] !== mask.shape[1]) {
    throw new RLError("SHAPE_MISMATCH", `highEntropyTokenMask: entropies [${entropies.shape.join(",")}] and mask [${mask.shape.join(",")}] must be the same [B, T]`);
  }
  const h = entropies.dataSync();
  const m = mask.dataSync();
  const valid: number[] = [];
  for (let i = 0; i < m.length; i++) {
    if ((m[i] as number) > 0) {
      const v = h[i] as number;
      if (!Number.isFinite(v)) throw new RLError("NON_FINITE", `highEntropyTokenMask: entropies has a NaN or Inf entry at unmasked position ${i}`);
      valid.push(v);
    }
  }
  if (valid.length === 0) return tf.zeros(entropies.shape as [number, number]) as tf.Tensor2D;
  const threshold = linearQuantile(valid, 1 - topQuantile);
  return tf.tidy(() => {
    const keep = tf.logicalAnd(tf.greater(mask, 0), tf.greaterEqual(stopGradient(entropies), threshold));
    return tf.cast(keep, "float32") as tf.Tensor2D;
  });
}

/**
 * Off-policy sequence mask (DeepSeek-V3.2; TRL `GRPOTrainer.get_off_policy_mask`): drop a sequence
 * with a negative advantage whose sampler has drifted too far from the current policy.
 *
 *   D_b = Σ_t (sampling − sg(lp))·M / max(Σ_t M, 1);   keep = 1[A ≥ 0] ∨ 1[D_b ≤ threshold]
 *
 * `D_b` is the row's masked mean of the per-token log-ratio sampler / current policy (a k1 estimate
 * of `KL(sampler ‖ π)`). `advantages` `[B]` gives a `[B, 1]` mask; `[B, T]` advantages give a
 * `[B, T]` one (TRL broadcasts the same way). Masked positions are ignored (they may hold NaN).
 * Rows with `A ≥ 0` are never dropped. Returns a float32 0/1 tensor the caller owns (a constant).
 *
 * @example
 * // A = [1, −2], D = [0.5, 0.3], threshold 0.25 → keep [[1], [0]]
 * const logProbs = tf.zeros([2, 1]), samplingLogProbs = tf.tensor2d([[0.5], [0.3]]), advantages = tf.tensor1d([1, -2]), mask = tf.ones([2, 1]);
 * policyBlocks.offPolicySequenceMask(logProbs, samplingLogProbs, advantages, mask, 0.25);
 */
export function offPolicySequenceMask(logProbs: tf.Tensor, samplingLogProbs: tf.Tensor, advantages: tf.Tensor, mask: tf.Tensor, threshold: number): tf.Tensor2D {
  const fn = "offPolicySequenceMask";
  assertTensor(logProbs, fn, "logProbs", { rank: 2 });
  assertTensor(samplingLogProbs, fn, "samplingLogProbs", { rank: 2 });
  assertTensor(mask, fn, "mask", { rank: 2 });
  assertTensor(advantages, fn, "advantages");
  const [B, T] = logProbs.shape as [number, number];
  if (samplingLogProbs.shape[0] !== B || samplingLogProbs.shape[1] !== T || mask.shape[0] !== B || mask.shape[1] !== T || advantages.shape[0] !== B || advantages.rank > 2) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: logProbs [${logProbs.shape.join(",")}], samplingLogProbs [${samplingLogProbs.shape.join(",")}], mask [${mask.shape.join(",")}] and advantages [${advantages.shape.join(",")}] disagree`);
  }
  if (typeof threshold !== "number" || Number.isNaN(threshold)) throw new RLError("INVALID_INPUT", `${fn}: threshold must be a number, got ${String(threshold)}`);
  return tf.tidy(() => {
    const valid = tf.greater(mask, 0);
    const zeros = tf.zeros(mask.shape);
    const m = tf.cast(valid, "float32");
    const diff = tf.where(valid, tf.sub(stopGradient(samplingLogProbs), stopGradient(logProbs)), zeros);
    const drift = tf.div(tf.sum(diff, 1, true), tf.maximum(tf.sum(m, 1, true), 1));
    const adv = stopGradient(advantages.rank === 1 ? tf.expandDims(advantages, 1) : advantages);
    // max of two 0/1 casts, not logicalOr: `drift` is reachable from logProbs on a gradient tape and
    // tfjs has no gradient for LogicalOr / LessEqual (GreaterEqual, Cast and Maximum give zeros).
    const lowDrift = tf.cast(tf.greaterEqual(tf.scalar(threshold), drift), "float32");
    return stopGradient(tf.maximum(tf.cast(tf.greaterEqual(adv, 0), "float32"), lowDrift)) as tf.Tensor2D;
  });
}

import { RLError, stopGradient, tf, assertTensor, assertTensorMask } from "@rl/core";

/**
 * Inputs of the token-level policy-gradient losses (all `[B, T]` unless noted).
 *
 * - `logProbs`: log-probs of the sampled tokens under the current policy (differentiated).
 * - `oldLogProbs`: log-probs under the behaviour policy (constant; default `sg(logProbs)`, the
 *   on-policy case where every ratio is 1).
 * - `advantages`: `[B]` (one per sequence, broadcast over the row) or `[B, T]` (constant).
 * - `mask`: 0/1 loss mask (padding and prompt tokens 0).
 * - `refLogProbs`: reference-model log-probs (constant), for the in-loss KL term.
 * - `samplingLogProbs`: log-probs the sampler (e.g. vLLM) reported for the sampled tokens
 *   (constant); read by `grpoLoss`'s off-policy sequence mask (TRL `sampling_per_token_logps`).
 * - `entropies`: per-token entropies of the current policy (constant, e.g. core's
 *   `entropyFromLogits`); read by `grpoLoss`'s high-entropy token mask.
 * - `importanceSamplingRatio`: the sampler-mismatch weight, `[B, T]` or `[B, 1]` (constant, ≥ 0),
 *   e.g. from `vllmImportanceSamplingRatio` (TRL `importance_sampling_ratio`, verl `rollout_is_weights`);
 *   multiplies the per-token policy term of `ppoPolicyLoss`, `grpoLoss`, `gspoLoss`, `cispoLoss`,
 *   `sapoLoss` and `gpgLoss` (`policyBlocks.importanceWeighted`; the metrics are unweighted), or
 *   enters VESPO's `log w`; `gmpoLoss` multiplies each row by the geometric mean of the row's
 *   weights (verl `geo_mean`). Its presence sends the losses to their composite path.
 */
export interface TokenPolicyInputs {
  logProbs: tf.Tensor;
  oldLogProbs?: tf.Tensor;
  advantages: tf.Tensor;
  mask: tf.Tensor;
  refLogProbs?: tf.Tensor;
  samplingLogProbs?: tf.Tensor;
  entropies?: tf.Tensor;
  importanceSamplingRatio?: tf.Tensor;
}

/** What a token-level policy loss returns. Metrics are plain numbers (read once, after the tidy). */
export interface PolicyLossOutput<M extends string = string> {
  /** The scalar loss (differentiable w.r.t. `logProbs`). The caller owns it. */
  loss: tf.Scalar;
  /** The per-token loss before aggregation, 0 on masked positions. The caller owns it. */
  perToken: tf.Tensor2D;
  /** Metrics as plain numbers (computed under stop-gradient). */
  metrics: Record<M, number>;
}

/**
 * Shapes, dtypes and the mask's 0/1 values are checked at the boundary; throws
 * `RLError("SHAPE_MISMATCH" | "INVALID_INPUT")` naming the field. `checkMask: false` skips the
 * mask's values (a read-back of the whole mask): for callers that go through `fusedPolicyPath`,
 * which checks them in the kernel's pass or, when it falls back, here.
 */
export function checkPolicyInputs(x: TokenPolicyInputs, fn: string, needRef = false, checkMask = true): void {
  if (typeof x !== "object" || x === null) throw new RLError("INVALID_INPUT", `${fn}: inputs must be an object { logProbs, advantages, mask, … }`);
  // dtype / liveness first: a bool or int tensor used to abort the wasm backend (issue 19)
  for (const name of ["logProbs", "advantages", "mask"] as const) assertTensor(x[name], fn, name);
  for (const name of ["oldLogProbs", "refLogProbs", "samplingLogProbs", "entropies", "importanceSamplingRatio"] as const) {
    if (x[name] !== undefined) assertTensor(x[name], fn, name);
  }
  const { logProbs, mask, advantages } = x;
  if (logProbs.rank !== 2) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: logProbs must be [B, T], got [${logProbs.shape.join(",")}]`);
  }
  const [B, T] = logProbs.shape as [number, number];
  if (B === 0) throw new RLError("INVALID_INPUT", `${fn}: empty batch (logProbs has 0 rows)`);
  const same = (name: string, t: tf.Tensor | undefined): void => {
    if (t !== undefined && (t.rank !== 2 || t.shape[0] !== B || t.shape[1] !== T)) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: ${name} has shape [${t.shape.join(",")}], logProbs [${B},${T}]`);
    }
  };
  same("mask", mask);
  same("oldLogProbs", x.oldLogProbs);
  same("refLogProbs", x.refLogProbs);
  same("samplingLogProbs", x.samplingLogProbs);
  same("entropies", x.entropies);
  const is = x.importanceSamplingRatio;
  if (is !== undefined && (is.rank !== 2 || is.shape[0] !== B || (is.shape[1] !== T && is.shape[1] !== 1))) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: importanceSamplingRatio has shape [${is.shape.join(",")}], expected [${B},${T}] or [${B},1]`);
  }
  if (needRef && x.refLogProbs === undefined) {
    throw new RLError("INVALID_INPUT", `${fn}: refLogProbs is required when the KL coefficient is not 0`);
  }
  const advOk = (advantages.rank === 1 && advantages.shape[0] === B) || (advantages.rank === 2 && advantages.shape[0] === B && advantages.shape[1] === T);
  if (!advOk) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: advantages has shape [${advantages.shape.join(",")}], expected [${B}] or [${B},${T}]`);
  }
  // last, so a caller taking the fused path can leave it to the kernel's own pass (`checkMask: false`)
  if (checkMask) assertTensorMask(mask, fn);
}

/**
 * Inside a tidy: the inputs as float32 `[B, T]` with every masked position set to 0 (padding may
 * hold NaN or −∞ without poisoning the loss or its gradient): `lp` (differentiated), `old` (sg,
 * default sg(lp)), `adv` (sg, `[B]` broadcast over the row), `ref` (sg, when given), `isRatio`
 * (sg, `[B, T]` cleaned like the others or `[B, 1]` as given, when given) and the mask.
 * `keepPadding` leaves masked positions as given (TRL's `luspo` averages over them).
 */
export function preparePolicyInputs(
  x: TokenPolicyInputs,
  keepPadding = false,
): {
  lp: tf.Tensor2D;
  old: tf.Tensor2D;
  adv: tf.Tensor2D;
  mask: tf.Tensor2D;
  ref: tf.Tensor2D | undefined;
  isRatio: tf.Tensor2D | undefined;
} {
  const shape = x.logProbs.shape as [number, number];
  const valid = tf.greater(x.mask, 0);
  const zeros = tf.zeros(shape);
  const clean = (t: tf.Tensor): tf.Tensor2D => (keepPadding ? t : tf.where(valid, t, zeros)) as tf.Tensor2D;
  const lp = clean(x.logProbs);
  const old = stopGradient(x.oldLogProbs !== undefined ? clean(x.oldLogProbs) : lp) as tf.Tensor2D;
  // `tf.ones(shape)`, not `onesLike(lp)`: the advantages must not be reachable from lp on the tape
  // (comparisons on them, e.g. `A < 0` in a `where`, have no gradient in tfjs).
  const a = x.advantages.rank === 1 ? tf.mul(tf.expandDims(x.advantages, 1), tf.ones(shape)) : x.advantages;
  const adv = stopGradient(clean(a));
  const mask = stopGradient(tf.cast(valid, "float32")) as tf.Tensor2D;
  const ref = x.refLogProbs !== undefined ? (stopGradient(clean(x.refLogProbs)) as tf.Tensor2D) : undefined;
  const is = x.importanceSamplingRatio;
  const isRatio = is === undefined ? undefined : (stopGradient(is.shape[1] === shape[1] ? clean(is) : is) as tf.Tensor2D);
  return { lp, old, adv, mask, ref, isRatio };
}

/** Masked mean with the count clamped to ≥ 1 (0 for an all-zero mask). */
export function maskedMeanOf(x: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(x, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
}

/**
 * Runs `build` in a tidy, then reads its metric scalars and the loss with one sync and disposes the
 * metric tensors. A non-finite loss throws `RLError("NON_FINITE")` naming `fn` (never a silent NaN;
 * the check is free: the metrics need the sync anyway).
 */
export function finishPolicyLoss<M extends string>(
  fn: string,
  inputs: TokenPolicyInputs,
  build: () => { loss: tf.Scalar; perToken: tf.Tensor2D; metrics: Record<M, tf.Scalar> },
): PolicyLossOutput<M> {
  let names: M[] = [];
  const fields = (["logProbs", "oldLogProbs", "refLogProbs", "samplingLogProbs", "entropies", "importanceSamplingRatio", "advantages"] as const).filter(
    (f) => inputs[f] !== undefined,
  );
  const out = tf.tidy(() => {
    const r = build();
    names = Object.keys(r.metrics) as M[];
    // non-finite entries at valid positions, per input field (padding may hold anything)
    const valid = tf.greater(inputs.mask, 0);
    const zeros = tf.zeros(inputs.mask.shape);
    const bad = fields.map((f) => {
      const t = inputs[f] as tf.Tensor;
      const full = t.rank === 1 ? tf.mul(tf.expandDims(t, 1), tf.ones(inputs.mask.shape)) : t.shape[1] !== inputs.mask.shape[1] ? tf.mul(t, tf.ones(inputs.mask.shape)) : t;
      const clean = tf.where(valid, stopGradient(full), zeros);
      const bad = tf.logicalNot(tf.isFinite(clean));
      // an importance weight must also be ≥ 0 (its log enters VESPO's weight)
      return tf.sum(tf.cast(f === "importanceSamplingRatio" ? tf.logicalOr(bad, tf.less(clean, 0)) : bad, "float32"));
    });
    const stacked = tf.stack([tf.reshape(stopGradient(r.loss), []), ...bad, ...names.map((n) => tf.reshape(stopGradient(r.metrics[n]), []))]);
    return { loss: r.loss, perToken: r.perToken, stacked };
  });
  const values = out.stacked.dataSync();
  out.stacked.dispose();
  const lossValue = values[0] as number;
  const badField = fields.find((_, k) => (values[k + 1] as number) > 0);
  if (badField !== undefined || !Number.isFinite(lossValue)) {
    out.loss.dispose();
    out.perToken.dispose();
    throw new RLError(
      "NON_FINITE",
      badField !== undefined
        ? `${fn}: ${badField} has NaN or Inf${badField === "importanceSamplingRatio" ? " or negative" : ""} entries at unmasked positions`
        : `${fn}: the loss is ${lossValue}; check logProbs, oldLogProbs, refLogProbs and advantages for NaN / Inf`,
    );
  }
  const metrics = {} as Record<M, number>;
  names.forEach((n, k) => {
    metrics[n] = values[k + 1 + fields.length] as number;
  });
  return { loss: out.loss, perToken: out.perToken, metrics };
}

/**
 * Inside a tidy: the number of NaN / Inf entries of `tensors` at valid positions (`mask > 0`,
 * broadcast against each tensor: `[B]`, `[B, T]` or `[B, T, V]`), as a constant scalar.
 */
export function countNonFinite(tensors: readonly tf.Tensor[], mask: tf.Tensor): tf.Scalar {
  const valid = tf.greater(mask, 0);
  const counts = tensors.map((t) => {
    let v: tf.Tensor = valid;
    if (t.rank === 1) v = tf.any(valid, 1);
    else if (t.rank === 3) v = tf.tile(tf.expandDims(valid, 2), [1, 1, t.shape[2] as number]);
    const safe = tf.where(v, stopGradient(t), tf.zerosLike(t));
    return tf.sum(tf.cast(tf.logicalNot(tf.isFinite(safe)), "float32"));
  });
  return stopGradient(counts.length > 0 ? tf.addN(counts) : tf.scalar(0)) as tf.Scalar;
}

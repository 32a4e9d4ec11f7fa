import { RLError, stopGradient, tf } from "@rl/core";
import { fDivergenceScore, type FDivergenceType } from "../f-divergence.js";

/**
 * The quantities every DPO-family loss is written in, built once per call (optax-style: one
 * block, many small formulas over it). With π the policy's and ρ the reference's summed
 * log-probs (ρ stop-gradient; ρ = 0 when reference-free):
 *
 *   ℓ_c = π_c − ρ_c,  ℓ_r = π_r − ρ_r          (log-ratios)
 *   s_c = s(ℓ_c),     s_r = s(ℓ_r)             (f-divergence scores; reverse KL: s(ℓ) = ℓ)
 *   c = β·s_c,  r = β·s_r,  z = c − r          (rewards and the scaled margin)
 * @internal
 */
export interface PairTerms {
  /** Policy log-probs π_c, π_r `[B]`. */
  pc: tf.Tensor;
  pr: tf.Tensor;
  /** Reference log-probs ρ_c, ρ_r `[B]` (stop-gradient; zeros when reference-free). */
  rc: tf.Tensor;
  rr: tf.Tensor;
  /** Log-ratios ℓ_c, ℓ_r. */
  lc: tf.Tensor;
  lr: tf.Tensor;
  /** Scores s(ℓ_c), s(ℓ_r). */
  sc: tf.Tensor;
  sr: tf.Tensor;
  /** β·s_c, β·s_r and z = c − r. */
  c: tf.Tensor;
  r: tf.Tensor;
  z: tf.Tensor;
}

/**
 * Builds {@link PairTerms} (call inside `tf.tidy`). A missing reference is reference-free
 * (zeros); references are wrapped in `stopGradient`.
 * @internal
 */
export function pairTerms(
  policyChosen: tf.Tensor,
  policyRejected: tf.Tensor,
  refChosen: tf.Tensor | undefined,
  refRejected: tf.Tensor | undefined,
  beta: number,
  fDivergence: { fDivergence: FDivergenceType; fAlpha: number } = { fDivergence: "reverse_kl", fAlpha: 0.5 },
): PairTerms {
  const pc = policyChosen;
  const pr = policyRejected;
  const rc = refChosen === undefined ? tf.zerosLike(pc) : stopGradient(refChosen);
  const rr = refRejected === undefined ? tf.zerosLike(pr) : stopGradient(refRejected);
  const lc = tf.sub(pc, rc);
  const lr = tf.sub(pr, rr);
  const sc = fDivergenceScore(lc, fDivergence);
  const sr = fDivergenceScore(lr, fDivergence);
  const c = tf.mul(sc, beta);
  const r = tf.mul(sr, beta);
  return { pc, pr, rc, rr, lc, lr, sc, sr, c, r, z: tf.sub(c, r) };
}

/**
 * Per-token averages `s_c / max(len_c, 1)`, `s_r / max(len_r, 1)` (IPO as TRL, `sigmoid_norm`).
 * Throws `INVALID_INPUT` naming `fn` and the loss type when a length vector is missing.
 * @internal
 */
export function lengthNormalisedScores(
  t: PairTerms,
  chosenLengths: tf.Tensor | undefined,
  rejectedLengths: tf.Tensor | undefined,
  fn: string,
  type: string,
): { hc: tf.Tensor; hr: tf.Tensor } {
  if (chosenLengths === undefined || rejectedLengths === undefined) {
    throw new RLError("INVALID_INPUT", `${fn}: lossType "${type}" needs chosenLengths and rejectedLengths`);
  }
  return { hc: tf.div(t.sc, tf.maximum(chosenLengths, 1)), hr: tf.div(t.sr, tf.maximum(rejectedLengths, 1)) };
}

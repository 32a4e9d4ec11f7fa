import { RLError, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import { type PairwiseMetrics, pairwiseMetrics } from "./bradley-terry-loss.js";
import { type TensorLike1D, type TensorLike2D, asTensor, readValues, shapeOf } from "./tensor-input.js";

/**
 * General Preference Model score (GPM, Zhang et al. arXiv:2410.02197): a skew-symmetric bilinear
 * form of preference embeddings `v ∈ R^{2k}`, optionally gated per 2-D block by `λ ∈ R^k_{≥0}`.
 *
 *   s(i ≻ j) = Σ_l λ_l (v_i[2l]·v_j[2l+1] − v_i[2l+1]·v_j[2l])
 *
 * Antisymmetric: `s(j ≻ i) = −s(i ≻ j)`, `s(i ≻ i) = 0`; it can represent cycles no scalar reward
 * can. BT is the case `k=1`, `v = [r, 1]`. Differentiable; returns `[B]`.
 * Edge cases: odd embedding size or shape mismatch → `SHAPE_MISMATCH`.
 *
 * @example
 * gpmPreferenceScore([[0.8, 0.6]], [[0, 1]]); // [0.8]
 */
export function gpmPreferenceScore(vi: TensorLike2D, vj: TensorLike2D, gates?: TensorLike2D): tf.Tensor {
  const fn = "gpmPreferenceScore";
  const si = shapeOf(vi);
  const sj = shapeOf(vj);
  if (si.length !== 2 || (si[1] as number) % 2 !== 0 || (si[1] as number) === 0) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: embeddings must be [B, 2k] with an even, non-zero width, got [${si.join(",")}]`);
  }
  if (sj.length !== 2 || sj[0] !== si[0] || sj[1] !== si[1]) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: vj has shape [${sj.join(",")}], vi has [${si.join(",")}]`);
  }
  const k = (si[1] as number) / 2;
  if (gates !== undefined) {
    const sg = shapeOf(gates);
    if (sg.length !== 2 || sg[0] !== si[0] || sg[1] !== k) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: gates must be [${si[0]}, ${k}], got [${sg.join(",")}]`);
    }
  }
  return tf.tidy(() => {
    const B = si[0] as number;
    const a = tf.reshape(asTensor(vi, 2, fn, "vi"), [B, k, 2]);
    const b = tf.reshape(asTensor(vj, 2, fn, "vj"), [B, k, 2]);
    const [a0, a1] = tf.split(a, 2, 2) as [tf.Tensor, tf.Tensor];
    const [b0, b1] = tf.split(b, 2, 2) as [tf.Tensor, tf.Tensor];
    const perBlock = tf.reshape(tf.sub(tf.mul(a0, b1), tf.mul(a1, b0)), [B, k]);
    const gated = gates === undefined ? perBlock : tf.mul(perBlock, asTensor(gates, 2, fn, "gates"));
    return tf.sum(gated, 1);
  });
}

/** Config of {@link gpmLoss}. `tau = 0.1` as in the GPM repository's scripts; `normalize` per the paper. */
export const gpmLossConfig = z.object({
  tau: z.number().positive().default(0.1),
  /** L2-normalise each embedding first (paper: yes; the repository's lines are commented out). */
  normalize: z.boolean().default(true),
});
export type GpmLossConfig = z.input<typeof gpmLossConfig>;

/** Inputs of {@link gpmLoss}: embeddings `[B,2k]` of chosen and rejected responses. */
export interface GpmLossInput {
  chosenEmbeddings: TensorLike2D;
  rejectedEmbeddings: TensorLike2D;
  /** Prompt-dependent block gates `[B,k]` (MoE variant), e.g. `softmax(·)·k`. */
  gates?: TensorLike2D;
  margins?: TensorLike1D;
}

/**
 * GPM pairwise loss (arXiv:2410.02197): `L = mean_b −logσ((s(c ≻ r) − m_b)/τ)` with `s` from
 * {@link gpmPreferenceScore}. Defaults: `τ = 0.1`, `normalize = true` (embeddings scaled to unit
 * norm, with a 1e-8 floor so a zero embedding stays finite). Metrics: `accuracy = mean(s > 0)`.
 *
 * @example
 * gpmLoss({ chosenEmbeddings: [[0.8, 0.6]], rejectedEmbeddings: [[0, 1]] }).loss; // 0.0003354
 */
export function gpmLoss(input: GpmLossInput, config: GpmLossConfig = {}): { loss: tf.Tensor; metrics: PairwiseMetrics } {
  const fn = "gpmLoss";
  const cfg = parseConfig(gpmLossConfig, config, fn);
  if (typeof input !== "object" || input === null) throw new RLError("INVALID_INPUT", `${fn}: input must be { chosenEmbeddings, rejectedEmbeddings, gates?, margins? }`);
  const B = shapeOf(input.chosenEmbeddings)[0] ?? 0;
  if (B === 0) throw new RLError("INVALID_INPUT", `${fn}: chosenEmbeddings is empty`);
  if (input.margins !== undefined) {
    const ms = shapeOf(input.margins);
    if (ms.length !== 1 || ms[0] !== B) throw new RLError("SHAPE_MISMATCH", `${fn}: margins has shape [${ms.join(",")}], expected [${B}]`);
    if (readValues(input.margins, fn, "margins").some((v) => Number.isNaN(v))) throw new RLError("NON_FINITE", `${fn}: margins holds NaN`);
  }
  const score = tf.tidy(() => {
    const norm = (x: tf.Tensor): tf.Tensor =>
      cfg.normalize ? tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-8)) : x;
    const c = norm(asTensor(input.chosenEmbeddings, 2, fn, "chosenEmbeddings"));
    const r = norm(asTensor(input.rejectedEmbeddings, 2, fn, "rejectedEmbeddings"));
    return gpmPreferenceScore(c, r, input.gates);
  });
  try {
    const s = Float32Array.from(score.dataSync());
    const loss = tf.tidy(() => {
      let z = score;
      if (input.margins !== undefined) z = tf.sub(z, asTensor(input.margins, 1, fn, "margins"));
      return tf.mean(tf.softplus(tf.neg(tf.div(z, cfg.tau))));
    });
    return { loss, metrics: pairwiseMetrics(s, new Float32Array(s.length)) };
  } finally {
    score.dispose(); // also when the margins are bad (it leaked one tensor per failing call)
  }
}

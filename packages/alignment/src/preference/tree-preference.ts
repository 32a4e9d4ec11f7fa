import { RLError, parseConfig, stopGradient, tf, toMatrix2D, type MatrixLike, assertTensor, describeValue } from "@rl/core";
import { z } from "zod";
import { assertFinite, assertInputsObject, assertShape } from "./validate.js";

/**
 * Step-mean log-ratios of TPO (docs/alignment/tpo.md, step 1): for each response and step `k = 1..K`,
 * `m_k = mean_{t: stepIds_t = k} (lp_t − ref_t)` (0 for a step with no token; id 0 = not a step).
 * Inputs `[R,T]` (any leading shape flattened into R rows), output `[R,K]`. Differentiable w.r.t.
 * `policyTokenLogProbs`.
 *
 * @example
 * preferenceBlocks.treeStepLogRatios(tf.tensor2d([[-1, -2, -3]]), tf.tensor2d([[-1.5, -2, -3.5]]), tf.tensor2d([[1, 1, 2]], undefined, "int32"), 2);
 * // [[0.25, 0.5]]
 * @remarks arXiv:2410.12854
 */
export function treeStepLogRatios(
  policyTokenLogProbs: tf.Tensor,
  refTokenLogProbs: tf.Tensor,
  stepIds: tf.Tensor,
  numSteps: number,
): tf.Tensor {
  const fn = "treeStepLogRatios";
  if (typeof numSteps !== "number" || !Number.isInteger(numSteps) || numSteps < 1) throw new RLError("INVALID_INPUT", `${fn}: numSteps must be a positive integer, got ${describeValue(numSteps)}`);
  assertTensor(policyTokenLogProbs, fn, "policyTokenLogProbs");
  if (policyTokenLogProbs.rank < 1) throw new RLError("SHAPE_MISMATCH", `${fn}: policyTokenLogProbs must be [..., T]`);
  // the one-hot below has size·(numSteps + 1) entries: bound it (1e308 steps was a RangeError)
  if (policyTokenLogProbs.size * (numSteps + 1) > 2 ** 28) {
    throw new RLError("INVALID_INPUT", `${fn}: numSteps ${numSteps} is too large for ${policyTokenLogProbs.size} tokens (the step one-hot would exceed 2^28 entries)`);
  }
  assertShape(refTokenLogProbs, policyTokenLogProbs.shape, "refTokenLogProbs", fn);
  assertShape(stepIds, policyTokenLogProbs.shape, "stepIds", fn);
  assertFinite(policyTokenLogProbs, "policyTokenLogProbs", fn);
  assertFinite(refTokenLogProbs, "refTokenLogProbs", fn);
  const ids = stepIds.dataSync();
  for (let k = 0; k < ids.length; k++) {
    const v = ids[k] as number;
    if (!Number.isInteger(v) || v < 0 || v > numSteps) throw new RLError("INVALID_INPUT", `${fn}: stepIds[${k}] is ${v}; expected 0..${numSteps}`);
  }
  return tf.tidy(() => {
    const T = policyTokenLogProbs.shape[policyTokenLogProbs.rank - 1] as number;
    const lead = policyTokenLogProbs.shape.slice(0, -1);
    const ratio = tf.reshape(tf.sub(policyTokenLogProbs, stopGradient(refTokenLogProbs)), [-1, T, 1]);
    const oneHot = tf.slice(tf.oneHot(tf.reshape(tf.cast(stepIds, "int32"), [-1, T]), numSteps + 1), [0, 0, 1], [-1, -1, numSteps]);
    const sums = tf.sum(tf.mul(ratio, oneHot), 1);
    const counts = tf.sum(oneHot, 1);
    return tf.reshape(tf.div(sums, tf.maximum(counts, 1)), [...lead, numSteps]);
  });
}

/**
 * TPO's step-weighted implicit reward (docs/alignment/tpo.md, step 3): `s = β·Σ_k w_k m_k / Σ_k w_k`, 0 when
 * every weight is 0 (no steps). `stepWeights` (same shape as `stepLogRatios`, `≥ 0`) are constants,
 * e.g. `1 + cos(ē_{n,k}, ē_{0,k})` from step embeddings (the reference code's adaptive step reward).
 * A `beta` so large that `β·m` overflows float32 gets `RLError("NON_FINITE")` (the `[B]` result is
 * read back once), never ±Infinity; NaN log-ratios propagate.
 *
 * @example
 * preferenceBlocks.treeStepRewards(tf.tensor1d([0.4, -0.2]), tf.tensor1d([2, 1.2]), { beta: 1 }); // 0.175
 * @remarks arXiv:2410.12854
 */
export function treeStepRewards(stepLogRatios: tf.Tensor, stepWeights: tf.Tensor, config: { beta?: number } = {}): tf.Tensor {
  const { beta } = parseConfig(z.object({ beta: z.number().positive().finite().default(0.5) }), config, "treeStepRewards");
  assertTensor(stepLogRatios, "treeStepRewards", "stepLogRatios");
  assertShape(stepWeights, stepLogRatios.shape, "stepWeights", "treeStepRewards");
  const w = stepWeights.dataSync();
  for (let k = 0; k < w.length; k++) {
    const v = w[k] as number;
    if (!(v >= 0) || !Number.isFinite(v)) throw new RLError("INVALID_INPUT", `treeStepRewards: stepWeights[${k}] is ${v}; weights are finite and ≥ 0`);
  }
  const out = tf.tidy(() => {
    const ws = stopGradient(stepWeights);
    const axis = stepLogRatios.rank - 1;
    const num = tf.sum(tf.mul(ws, stepLogRatios), axis);
    const den = tf.sum(ws, axis);
    return tf.mul(tf.where(tf.greater(den, 0), tf.div(num, tf.maximum(den, 1e-30)), tf.zerosLike(num)), beta);
  });
  // |s| ≤ β·max|m|: only a huge β overflows float32. One read of the [B] rewards (NaN log-ratios still propagate).
  const s = out.dataSync();
  for (let k = 0; k < s.length; k++) {
    if (s[k] === Infinity || s[k] === -Infinity) {
      out.dispose();
      throw new RLError("NON_FINITE", `treeStepRewards: reward ${k} would be ${s[k]} from finite inputs (beta ${beta} times the step log-ratios overflows float32, max 3.4e38); use a smaller beta`);
    }
  }
  return out;
}

/**
 * TPO's adaptive step weights from step embeddings, as the official code computes them
 * (`compute_step_weights`, `loss.py` of MrBlankness/TPO @ ba87a23c): with `ē_{n,k}` the mean hidden
 * state of the tokens of step `k` in response `n`, and response 0 of each list the reference (the
 * gold / best response),
 *
 *   w_{n,k} = 1 + cos(ē_{n,k}, ē_{0,k})        (0 when response n or response 0 has no step k)
 *
 * so `w ∈ [0, 2]` and `w_{0,k} = 2`. Cosine as torch's `cosine_similarity` (norms clamped to ≥ 1e-8).
 * Inputs: `hiddenStates [N,T,H]` (or `[P,N,T,H]`), `stepIds [N,T]` (or `[P,N,T]`, ids `0..K`,
 * 0 = no step), output `[N,K]` (or `[P,N,K]`) for {@link treeStepRewards}. Computed as constants:
 * the official code lets gradients flow through the weights into the hidden states; here (docs/alignment/tpo.md)
 * they are stop-gradient.
 *
 * @example
 * preferenceBlocks.treeStepWeights(tf.tensor3d([[[1, 0], [0, 1]], [[1, 0], [1, 1]]]), tf.tensor2d([[1, 2], [1, 2]]), 2).arraySync();
 * // [[2, 2], [2, 1.707107]]
 * @remarks arXiv:2410.12854; reference MrBlankness/TPO @ ba87a23c
 */
export function treeStepWeights(hiddenStates: tf.Tensor, stepIds: tf.Tensor, numSteps: number): tf.Tensor {
  const fn = "treeStepWeights";
  if (typeof numSteps !== "number" || !Number.isInteger(numSteps) || numSteps < 1 || numSteps > 1e6) {
    throw new RLError("INVALID_INPUT", `${fn}: numSteps must be an integer in [1, 1e6], got ${describeValue(numSteps)}`);
  }
  assertTensor(hiddenStates, fn, "hiddenStates");
  if (hiddenStates.rank !== 3 && hiddenStates.rank !== 4) throw new RLError("SHAPE_MISMATCH", `${fn}: hiddenStates must be [N,T,H] or [P,N,T,H], got [${hiddenStates.shape.join(",")}]`);
  assertShape(stepIds, hiddenStates.shape.slice(0, -1), "stepIds", fn);
  assertFinite(hiddenStates, "hiddenStates", fn);
  const [N, T, H] = hiddenStates.shape.slice(-3) as [number, number, number];
  const P = hiddenStates.rank === 4 ? (hiddenStates.shape[0] as number) : 1;
  if (N === 0) throw new RLError("INVALID_INPUT", `${fn}: a list needs at least 1 response`);
  const hs = hiddenStates.dataSync();
  const ids = stepIds.dataSync();
  for (let k = 0; k < ids.length; k++) {
    const v = ids[k] as number;
    if (!Number.isInteger(v) || v < 0 || v > numSteps) throw new RLError("INVALID_INPUT", `${fn}: stepIds[${k}] is ${v}; expected 0..${numSteps}`);
  }
  const K = numSteps;
  // mean hidden state per (p, n, step): [P·N·K, H] and counts
  const sums = new Float64Array(P * N * K * H);
  const counts = new Float64Array(P * N * K);
  for (let r = 0; r < P * N; r++) {
    for (let t = 0; t < T; t++) {
      const step = ids[r * T + t] as number;
      if (step === 0) continue;
      const cell = r * K + (step - 1);
      counts[cell] = (counts[cell] as number) + 1;
      for (let h = 0; h < H; h++) sums[cell * H + h] = (sums[cell * H + h] as number) + (hs[(r * T + t) * H + h] as number);
    }
  }
  const out = new Float32Array(P * N * K);
  for (let p = 0; p < P; p++) {
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < K; k++) {
        const a = (p * N + n) * K + k;
        const b = p * N * K + k; // response 0 of the list
        const ca = counts[a] as number;
        const cb = counts[b] as number;
        if (ca === 0 || cb === 0) continue;
        let dot = 0;
        let na = 0;
        let nb = 0;
        for (let h = 0; h < H; h++) {
          const x = (sums[a * H + h] as number) / ca;
          const y = (sums[b * H + h] as number) / cb;
          dot += x * y;
          na += x * x;
          nb += y * y;
        }
        out[a] = 1 + dot / (Math.max(Math.sqrt(na), 1e-8) * Math.max(Math.sqrt(nb), 1e-8));
      }
    }
  }
  return tf.tensor(out, [...hiddenStates.shape.slice(0, -2), K]);
}

/** Config of {@link treePreferenceLoss}. */
export const treePreferenceConfig = z.object({
  /**
   * `"lambda"` (LiPO-λ weights), `"none"` (mean of the pairwise BT losses over preference pairs) or
   * `"reference"` (the official code's `lambda_rank_loss`: every ordered pair, sign of `ψ_i − ψ_j`,
   * divided by `N(N − 1)`). Default `"lambda"`.
   */
  weighting: z.enum(["lambda", "none", "reference"]).default("lambda"),
  /** Gain of a score ψ: `"exp2"` = 2^ψ − 1 (ψ ≤ 60 required), `"linear"` = ψ. Default `"exp2"`. */
  gain: z.enum(["exp2", "linear"]).default("exp2"),
  /** Base of the rank discount `D(τ) = log_b(1 + τ)`. Default 2. */
  discountBase: z.number().gt(1).finite().default(2),
});
/** The input form of `treePreferenceConfig` (every field optional; defaults filled by parsing). */
export type TreePreferenceConfig = z.input<typeof treePreferenceConfig>;

/** TPO metric names. */
export type TreePreferenceMetricName = "rewards/best" | "rewards/worst" | "ranking/ndcg" | "ranking/pairAccuracy";

/** What {@link treePreferenceLoss} returns. */
export interface TreePreferenceOutput {
  loss: tf.Scalar;
  /** Per-list losses `[P]`. */
  losses: tf.Tensor1D;
  metrics: Record<TreePreferenceMetricName, number>;
}

/**
 * Tree Preference Optimisation's listwise loss (Liao, Chu, Wang, ICLR 2025, arXiv:2410.12854;
 * docs/alignment/tpo.md), as LiPO-λ (arXiv:2402.01878) over implicit rewards `s [P,N]` of `N` responses per
 * list with graded scores `ψ [P,N]` (higher = better):
 *
 *   τ_n = rank of s_n (descending, on stop-gradient values), G_n = 2^{ψ_n} − 1, D(τ) = log_b(1+τ)
 *   Λ_ij = |G_i − G_j| · |1/D(τ_i) − 1/D(τ_j)|                     (stop-gradient)
 *   ℓ_list = Σ_{i,j: ψ_i > ψ_j} Λ_ij · softplus(−(s_i − s_j));   loss = mean over lists
 *
 * `weighting: "none"`: ℓ_list = mean over preference pairs of `softplus(−(s_i − s_j))`
 * (listwise Bradley–Terry; a list with no preference pair gives 0). Ties in ψ contribute nothing.
 *
 * `weighting: "reference"`: the official code's rank loss (`lambda_rank_loss`, `loss.py` of
 * MrBlankness/TPO @ ba87a23c), tested number for number against it:
 *
 *   ℓ_list = Σ_{i,j} softplus(−(s_i − s_j)·sign(ψ_i − ψ_j)) / (N(N − 1))
 *
 * over all `N²` ordered pairs, so `i = j` and ties add `log 2` each (a constant, no gradient); the
 * gain and discount are not used and raw judge scores (±100) are fine. The official `TPOLoss` then
 * returns `−logσ(β·ℓ)`, which is decreasing in ℓ (gradient descent would *raise* the rank loss); we
 * do not reproduce that wrapper: minimise `ℓ` directly, with β inside `s` (e.g. `treeStepRewards`).
 * ⚠ stays on the default: the paper body could not be read, so whether TPO's published loss is
 * LiPO-λ (our default, from the abstract's "preference list ranking" and LiPO) or the code's
 * unweighted form is unconfirmed; see docs/alignment/tpo.md.
 * Metrics: mean reward of the top-ψ and bottom-ψ response, NDCG of the s-ranking (1 when all
 * gains are 0), fraction of preference pairs with `s_i > s_j`.
 *
 * @example
 * treePreferenceLoss({ rewards: tf.tensor2d([[0.1, 0.3, -0.2]]), scores: [[3, 2, 0]] }).loss.dataSync(); // [2.397464]
 * @remarks arXiv:2410.12854 (TPO), arXiv:2402.01878 (LiPO)
 */
export function treePreferenceLoss(
  inputs: { rewards: tf.Tensor; scores: MatrixLike },
  config: TreePreferenceConfig = {},
): TreePreferenceOutput {
  const fn = "treePreferenceLoss";
  const { weighting, gain, discountBase } = parseConfig(treePreferenceConfig, config, fn);
  assertInputsObject(inputs, fn, "{ rewards, scores }");
  const psi = toMatrix2D(inputs.scores, "scores", fn);
  const [P, N] = psi.shape as [number, number];
  assertShape(inputs.rewards, [P, N], "rewards", fn);
  if (P === 0) throw new RLError("INVALID_INPUT", `${fn}: empty batch (scores has 0 lists)`);
  if (N < 2) throw new RLError("INVALID_INPUT", `${fn}: a list needs at least 2 responses, got ${N}`);
  if (weighting !== "reference" && gain === "exp2" && psi.toFlatArray().some((x) => x > 60)) {
    throw new RLError("INVALID_INPUT", `${fn}: scores above 60 overflow the exp2 gain; normalise them or use gain "linear"`);
  }
  assertFinite(inputs.rewards, "rewards", fn);
  const s = inputs.rewards.dataSync();
  const G = psi.map((x) => (gain === "exp2" ? 2 ** x - 1 : x));
  const W = new Float32Array(P * N * N);
  const S = new Float32Array(P * N * N).fill(1); // sign applied to s_i − s_j (reference mode: sign(ψ_i − ψ_j))
  let ndcgSum = 0;
  let pairs = 0;
  let correct = 0;
  let best = 0;
  let worst = 0;
  for (let p = 0; p < P; p++) {
    const order = Array.from({ length: N }, (_, n) => n).sort((a, b) => (s[p * N + b] as number) - (s[p * N + a] as number));
    const invD = new Array<number>(N);
    order.forEach((n, rank) => (invD[n] = 1 / (Math.log(2 + rank) / Math.log(discountBase))));
    const ideal = Array.from({ length: N }, (_, n) => G.get(p, n)).sort((a, b) => b - a);
    const idcg = ideal.reduce((acc, g, rank) => acc + g / (Math.log(2 + rank) / Math.log(discountBase)), 0);
    const dcg = Array.from({ length: N }, (_, n) => G.get(p, n) * (invD[n] as number)).reduce((a, b) => a + b, 0);
    ndcgSum += idcg > 0 ? dcg / idcg : 1;
    let listPairs = 0;
    if (weighting === "reference") {
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < N; j++) {
          W[(p * N + i) * N + j] = 1 / (N * (N - 1));
          S[(p * N + i) * N + j] = Math.sign(psi.get(p, i) - psi.get(p, j));
        }
      }
    }
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        if (!(psi.get(p, i) > psi.get(p, j))) continue;
        listPairs += 1;
        if ((s[p * N + i] as number) > (s[p * N + j] as number)) correct += 1;
        if (weighting === "reference") continue;
        W[(p * N + i) * N + j] =
          weighting === "lambda" ? Math.abs(G.get(p, i) - G.get(p, j)) * Math.abs((invD[i] as number) - (invD[j] as number)) : 1;
      }
    }
    if (weighting === "none" && listPairs > 0) for (let k = p * N * N; k < (p + 1) * N * N; k++) W[k] = (W[k] as number) / listPairs;
    pairs += listPairs;
    let bi = 0;
    let wi = 0;
    for (let n = 1; n < N; n++) {
      if (psi.get(p, n) > psi.get(p, bi)) bi = n;
      if (psi.get(p, n) < psi.get(p, wi)) wi = n;
    }
    best += s[p * N + bi] as number;
    worst += s[p * N + wi] as number;
  }
  const out = tf.tidy(() => {
    const r = inputs.rewards;
    const diff = tf.sub(tf.expandDims(r, 2), tf.expandDims(r, 1)); // [P,N,N]: s_i − s_j
    const w = tf.tensor3d(W, [P, N, N]);
    const signed = weighting === "reference" ? tf.mul(diff, tf.tensor3d(S, [P, N, N])) : diff;
    const losses = tf.sum(tf.mul(w, tf.softplus(tf.neg(signed))), [1, 2]) as tf.Tensor1D;
    return { loss: tf.mean(losses) as tf.Scalar, losses };
  });
  return {
    ...out,
    metrics: {
      "rewards/best": best / P,
      "rewards/worst": worst / P,
      "ranking/ndcg": ndcgSum / P,
      "ranking/pairAccuracy": pairs > 0 ? correct / pairs : 0,
    },
  };
}

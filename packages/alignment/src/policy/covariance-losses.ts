import { clampTensor, RLError, Rng, aggregateLoss, describeValue, lossAggregationModes, parseConfig, stopGradient, tf } from "@rl/core";
import { z } from "zod";
import { checkPolicyInputs, finishPolicyLoss, maskedMeanOf, preparePolicyInputs, type PolicyLossOutput, type TokenPolicyInputs } from "./policy-inputs.js";

/** Host copies of the (constant) quantities the covariance selection needs. */
function hostTokens(inputs: TokenPolicyInputs): { lp: Float32Array; old: Float32Array; adv: Float32Array; mask: Float32Array; B: number; T: number } {
  const [B, T] = inputs.logProbs.shape as [number, number];
  const read = tf.tidy(() => {
    const { lp, old, adv, mask } = preparePolicyInputs(inputs);
    return tf.stack([lp, old, adv, mask]);
  });
  const all = read.dataSync() as Float32Array;
  read.dispose();
  const n = B * T;
  return { lp: all.slice(0, n), old: all.slice(n, 2 * n), adv: all.slice(2 * n, 3 * n), mask: all.slice(3 * n, 4 * n), B, T };
}

/** `cov_t = (A_t − mean_M A)·(lp_t − mean_M lp)` over the valid tokens (−∞ elsewhere). */
function tokenCovariance(h: ReturnType<typeof hostTokens>): Float64Array {
  let n = 0;
  let sa = 0;
  let sl = 0;
  for (let k = 0; k < h.mask.length; k++) {
    const m = h.mask[k] as number;
    n += m;
    sa += m * (h.adv[k] as number);
    sl += m * (h.lp[k] as number);
  }
  const ma = sa / Math.max(n, 1);
  const ml = sl / Math.max(n, 1);
  const cov = new Float64Array(h.mask.length);
  for (let k = 0; k < cov.length; k++) {
    cov[k] = (h.mask[k] as number) > 0 ? ((h.adv[k] as number) - ma) * ((h.lp[k] as number) - ml) : -Infinity;
  }
  return cov;
}

/** Config of {@link clipCovLoss} (verl defaults). */
export const clipCovLossConfig = z.object({
  /** PPO lower clip. Default 0.2. */
  clipLow: z.number().min(0).lt(1).default(0.2),
  /** PPO upper clip. Default 0.2. */
  clipHigh: z.number().min(0).default(0.2),
  /** Fraction of valid tokens to detach (`k = max(⌊ratio·n⌋, 1)`). Default 2e-4. */
  ratio: z.number().min(0).max(1).default(2e-4),
  /** Covariance band: candidates have `lb < cov < ub`. Defaults 1 and 5. */
  lb: z.number().default(1),
  ub: z.number().default(5),
  /** Aggregation. Default `"token-mean"`. */
  aggregation: z.enum(lossAggregationModes).default("token-mean"),
  /** Replaces the aggregation's denominator. */
  normalizer: z.number().positive().optional(),
});
export type ClipCovLossConfig = z.input<typeof clipCovLossConfig>;

/**
 * Clip-Cov (Cui et al. 2025, "The Entropy Mechanism of RL for Reasoning LMs", arXiv:2505.22617;
 * verl `compute_policy_loss_clip_cov`): PPO's clipped surrogate, except that `k` tokens picked at
 * random among those whose covariance `cov_t = (A_t − Ā)(lp_t − l̄p)` lies in `(lb, ub)` (and that
 * PPO did not already clip) get no gradient — the few high-covariance tokens drive entropy collapse.
 *
 *   r = e^{lp − old} (no clamp),  L = max(−A·r, −A·clip(r, 1 − ε_l, 1 + ε_h))·corr,  corr_t = 0 on the k picked tokens
 *
 * Randomness comes only from `rng` (core's seeded `Rng`); no candidate ⇒ nothing is dropped.
 * Metrics: `clipFraction` = fraction of valid tokens with `corr = 0`; `approxKl` = mean `old − lp`.
 * The selection reads the inputs once on the host.
 *
 * @example
 * clipCovLoss({ logProbs, oldLogProbs, advantages, mask }, createRng(0)); // worked example E15: 0.797239
 * @remarks arXiv:2505.22617
 */
export function clipCovLoss(inputs: TokenPolicyInputs, rng: Rng, config: ClipCovLossConfig = {}): PolicyLossOutput<"clipFraction" | "approxKl"> {
  if (!(rng instanceof Rng)) throw new RLError("INVALID_INPUT", `clipCovLoss: rng must be an Rng (createRng(seed)), got ${describeValue(rng)}`);
  const cfg = parseConfig(clipCovLossConfig, config, "clipCovLoss");
  checkPolicyInputs(inputs, "clipCovLoss");
  if (!(cfg.lb < cfg.ub)) throw new RLError("INVALID_CONFIG", `clipCovLoss: lb (${cfg.lb}) must be < ub (${cfg.ub})`);
  const h = hostTokens(inputs);
  const cov = tokenCovariance(h);
  const candidates: number[] = [];
  let valid = 0;
  for (let k = 0; k < cov.length; k++) {
    if ((h.mask[k] as number) <= 0) continue;
    valid += 1;
    const a = h.adv[k] as number;
    const r = Math.exp((h.lp[k] as number) - (h.old[k] as number));
    const l1 = -a * r;
    const l2 = -a * Math.min(Math.max(r, 1 - cfg.clipLow), 1 + cfg.clipHigh);
    const c = cov[k] as number;
    if (!(l2 > l1) && c > cfg.lb && c < cfg.ub) candidates.push(k);
  }
  const take = Math.min(Math.max(Math.floor(cfg.ratio * valid), 1), candidates.length);
  const corr = new Float32Array(cov.length).fill(1);
  for (const k of rng.shuffle(candidates).slice(0, take)) corr[k] = 0;
  return finishPolicyLoss("clipCovLoss", inputs, () => {
    const { lp, old, adv, mask } = preparePolicyInputs(inputs);
    const delta = tf.sub(lp, old);
    const r = tf.exp(delta);
    const l1 = tf.neg(tf.mul(adv, r));
    const l2 = tf.neg(tf.mul(adv, clampTensor(r, 1 - cfg.clipLow, 1 + cfg.clipHigh)));
    const c = tf.tensor2d(corr, [h.B, h.T]);
    const perToken = tf.mul(tf.mul(tf.maximum(l1, l2), c), mask) as tf.Tensor2D;
    const loss = aggregateLoss(perToken, mask, { mode: cfg.aggregation, ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}) });
    return {
      loss,
      perToken,
      metrics: { clipFraction: maskedMeanOf(tf.sub(1, c), mask), approxKl: maskedMeanOf(tf.neg(delta), mask) },
    };
  });
}

/** Config of {@link klCovLoss}. */
export const klCovLossConfig = z.object({
  /** Fraction of valid tokens that get the KL penalty (`k = max(1, ⌊ratio·n⌋)`). Default 2e-4. */
  ratio: z.number().min(0).max(1).default(2e-4),
  /** Coefficient of `|lp − old|` on the selected tokens. Default 0.1 (verl's yaml; its code falls back to 1.0). */
  coef: z.number().min(0).default(0.1),
  /** Aggregation. Default `"token-mean"`. */
  aggregation: z.enum(lossAggregationModes).default("token-mean"),
  /** Replaces the aggregation's denominator. */
  normalizer: z.number().positive().optional(),
});
export type KlCovLossConfig = z.input<typeof klCovLossConfig>;

/**
 * KL-Cov (arXiv:2505.22617; verl `compute_policy_loss_kl_cov`): the unclipped surrogate `−A·r`,
 * plus `coef·|lp − old|` on the top-`k` tokens by covariance `cov_t = (A_t − Ā)(lp_t − l̄p)`
 * (largest first, ties by index), `k = max(1, ⌊ratio·n_valid⌋)` (`ratio = 0` ⇒ no penalty).
 *
 *   L_t = −A_t·r_t + coef·|δ_t|·1[t ∈ topk(cov)],   loss = aggregate(L, M)
 *
 * Metric `approxKl` = masked mean of `|lp − old|` (absolute, unlike PPO's signed one).
 *
 * @example
 * klCovLoss({ logProbs, oldLogProbs, advantages, mask }, { coef: 0.1 }); // worked example E15: 0.247154
 * @remarks arXiv:2505.22617
 */
export function klCovLoss(inputs: TokenPolicyInputs, config: KlCovLossConfig = {}): PolicyLossOutput<"approxKl"> {
  const cfg = parseConfig(klCovLossConfig, config, "klCovLoss");
  checkPolicyInputs(inputs, "klCovLoss");
  const h = hostTokens(inputs);
  const cov = tokenCovariance(h);
  const validIdx: number[] = [];
  for (let k = 0; k < cov.length; k++) if ((h.mask[k] as number) > 0) validIdx.push(k);
  const sel = new Float32Array(cov.length);
  if (cfg.ratio > 0 && validIdx.length > 0) {
    const take = Math.max(1, Math.floor(validIdx.length * cfg.ratio));
    const order = [...validIdx].sort((a, b) => (cov[b] as number) - (cov[a] as number) || a - b);
    for (const k of order.slice(0, take)) sel[k] = 1;
  }
  return finishPolicyLoss("klCovLoss", inputs, () => {
    const { lp, old, adv, mask } = preparePolicyInputs(inputs);
    const delta = tf.sub(lp, old);
    const absKl = tf.abs(delta);
    const base = tf.neg(tf.mul(adv, tf.exp(delta)));
    const penalty = tf.mul(tf.mul(absKl, cfg.coef), tf.tensor2d(sel, [h.B, h.T]));
    const perToken = tf.mul(tf.add(base, penalty), mask) as tf.Tensor2D;
    const loss = aggregateLoss(perToken, mask, { mode: cfg.aggregation, ...(cfg.normalizer !== undefined ? { normalizer: cfg.normalizer } : {}) });
    return { loss, perToken, metrics: { approxKl: stopGradient(maskedMeanOf(absKl, mask)) } };
  });
}

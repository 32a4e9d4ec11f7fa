import { Matrix, RLError, assertSameShape, klEstimate, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { matrix2D } from "../group/parse-batch.js";
import { renamedField } from "../batch-fields.js";

/** Input of {@link klPenalizedRewards}: four `[B, T]` matrices of one shape. */
export interface KlPenaltyInput {
  /** Scores already placed on tokens (outcome on the last valid token, or process scores); verl `token_level_scores`. Required (or its deprecated name `tokenScores`). */
  readonly tokenRewards?: MatrixLike;
  /** @deprecated use `tokenRewards` (accepted for one release; must agree with `tokenRewards` if both are given). */
  readonly tokenScores?: MatrixLike;
  /** Log-prob of each sampled token under the behaviour (old) policy. */
  readonly logProbs: MatrixLike;
  /** Log-prob of each sampled token under the reference policy. */
  readonly refLogProbs: MatrixLike;
  /** 0/1 response mask. */
  readonly mask: MatrixLike;
}

/**
 * Config of {@link klPenalizedRewards} (verl defaults).
 * - `beta` (0.001, verl `kl_coef`; OpenRLHF 0.01, TRL RLOO 0.05): the coefficient, usually the
 *   `beta` of a KL controller's state.
 * - `kind` ("k1", verl `kl_penalty="kl"`): `k1 = d`, `abs = |d|`, `k2 = d²/2`,
 *   `k3 = e^{−d} + d − 1`, with `d = logp − logp_ref`. verl's aliases `kl`, `mse`, `low_var_kl` work.
 * - `clamp` ("verl"): verl clamps only k3 (exponent ±20, value ±10); `"openrlhf"` clamps every
 *   estimator's value to ±10; `"none"`.
 */
export const klPenalizedRewardsConfig = z.object({
  beta: z.number().nonnegative().default(0.001),
  kind: z
    .string()
    .transform((k) => ({ kl: "k1", mse: "k2", low_var_kl: "k3" })[k] ?? k)
    .pipe(z.enum(["k1", "abs", "k2", "k3"]))
    .default("k1"),
  clamp: z.enum(["verl", "openrlhf", "none"]).default("verl"),
});
export type KlPenalizedRewardsConfig = z.input<typeof klPenalizedRewardsConfig>;

/** Output of {@link klPenalizedRewards}. */
export interface KlPenalizedRewards {
  /** `r_t = (s_t − β·k_t)·mask_t` `[B, T]`, 0 on padding. */
  readonly tokenRewards: Matrix;
  /** The per-token estimate `k_t·mask_t` `[B, T]`. */
  readonly kl: Matrix;
  /** `mean_b( Σ_t k·mask / (Σ_t mask + 1e-8) )`: the metric a KL controller consumes. */
  readonly meanKl: number;
}

/**
 * Token rewards with a KL penalty ("KL in reward": PPO, REINFORCE++, RLOO; Ziegler et al.,
 * arXiv:1909.08593; estimators from J. Schulman, "Approximating KL divergence", 2020):
 *
 *   d_t = logp_t − logp_ref,t        r_t = (s_t − β·k(d_t))·mask_t
 *
 * The estimate comes from `klEstimate` of `@rl/core`. Edge cases: masked tokens get 0 (verl
 * leaves `s_t` there); a fully masked row contributes 0 to `meanKl`; `β = 0` returns the masked
 * scores; shapes must agree (`RLError("SHAPE_MISMATCH")` naming both).
 *
 * @example
 * klPenalizedRewards({ tokenRewards: [[0, 0, 1]], logProbs: [[-1, -0.5, -2]],
 *   refLogProbs: [[-1.2, -0.5, -1.5]], mask: [[1, 1, 1]] }, { beta: 0.1 }).tokenRewards.toArray();
 * // [[-0.02, 0, 1.05]]
 */
export function klPenalizedRewards(input: KlPenaltyInput, config: KlPenalizedRewardsConfig = {}): KlPenalizedRewards {
  const fn = "klPenalizedRewards";
  const { beta, kind, clamp } = parseConfig(klPenalizedRewardsConfig, config, fn);
  if (typeof input !== "object" || input === null) throw new RLError("INVALID_INPUT", `${fn}: input must be an object`);
  const scores = Matrix.from(matrix2D(renamedField(input, "tokenRewards", "tokenScores", fn), "tokenRewards", fn), { name: "tokenRewards", fn });
  const logProbs = Matrix.from(matrix2D(input.logProbs, "logProbs", fn), { name: "logProbs", fn });
  const refLogProbs = Matrix.from(matrix2D(input.refLogProbs, "refLogProbs", fn), { name: "refLogProbs", fn });
  const mask = matrix2D(input.mask, "mask", fn);
  assertSameShape({ tokenRewards: scores, logProbs, refLogProbs, mask }, fn);
  if (scores.rows === 0 || scores.cols === 0) throw new RLError("INVALID_INPUT", `${fn}: the batch is empty (tokenRewards has shape [${scores.shape.join(",")}])`);
  const k = klEstimate(logProbs, refLogProbs, { kind, clamp }).data;
  const { rows, cols } = scores;
  const rewards = new Float64Array(rows * cols);
  const kl = new Float64Array(rows * cols);
  let meanKl = 0;
  for (let b = 0; b < rows; b++) {
    let sum = 0;
    let n = 0;
    for (let t = 0; t < cols; t++) {
      const i = b * cols + t;
      const m = mask.data[i] as number;
      if (m === 0) continue;
      if (m !== 1) throw new RLError("INVALID_INPUT", `${fn}: mask[${b}][${t}] is ${m}; a mask holds only 0 and 1`);
      const ki = k[i] as number;
      kl[i] = ki;
      rewards[i] = (scores.data[i] as number) - beta * ki;
      sum += ki;
      n++;
    }
    meanKl += sum / (n + 1e-8);
  }
  meanKl /= rows;
  return { tokenRewards: new Matrix(rewards, [rows, cols]), kl: new Matrix(kl, [rows, cols]), meanKl };
}

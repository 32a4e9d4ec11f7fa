import { RLError, parseConfig, stopGradient, tf, toMatrix2D, type MatrixLike, assertTensor } from "@rl/core";
import { z } from "zod";
import { assertFinite } from "./validate.js";

/** Inputs of {@link copgLoss}: `k ≥ 2` completions per prompt. */
export interface CopgInputs {
  /** Sequence rewards `R [B,k]` (constants). */
  rewards: MatrixLike;
  /** Summed log-ratios `ℓ = log π(y)/π_ref(y)`, `[B,k]`, differentiable through π. */
  logRatios: tf.Tensor;
}

/** Config of {@link copgLoss}. */
export const copgConfig = z.object({
  /** β, the KL strength. Default 0.06 (the paper's best TL;DR run; stable in [0.03, 0.1]). */
  beta: z.number().positive().finite().default(0.06),
  /** `"all"`: every pair i<j, summed and divided by k−1; `"adjacent"`: mean over (i, i+1). */
  pairing: z.enum(["all", "adjacent"]).default("all"),
});
/** The input form of `copgConfig` (every field optional; defaults filled by parsing). */
export type CopgConfig = z.input<typeof copgConfig>;

/** CoPG metric names (proposed; no reference code exists). */
export type CopgMetricName = "copg/regRewardGap" | "copg/logratioGap" | "copg/kl" | "copg/agreement";

/** What {@link copgLoss} returns. */
export interface CopgOutput {
  loss: tf.Scalar;
  /** Per-prompt losses `[B]`. */
  losses: tf.Tensor1D;
  metrics: Record<CopgMetricName, number>;
}

/**
 * CoPG, Contrastive Policy Gradient (Flet-Berliac et al., EMNLP 2024, arXiv:2406.19185; docs/alignment/preference.md):
 * off-policy, reference-regularised optimisation of an arbitrary reward from pairs, without
 * importance sampling. For a pair (y, y'):
 *
 *   L = −ΔR·Δℓ + (β/2)·Δℓ²,   ΔR = R − R',  Δℓ = ℓ − ℓ'
 *     = (1/(2β))·(R^π_β(y) − R^π_β(y'))² − ΔR²/(2β),   R^π_β = R − βℓ
 *
 * minimised at `Δℓ = ΔR/β` (`π* ∝ π_ref·e^{R/β}`); the gradient is `−(R^π_β(y) − R^π_β(y'))·∇Δℓ`.
 * Pair averaging for k > 2 (`1/(k−1) Σ_{i<j}`) is ⚠ taken from a summary (Command A report), not
 * from the paper. loss = mean over prompts. Losses can be negative (constant shift).
 * Metrics: mean `R^π_β(y) − R^π_β(y')`, mean `Δℓ`, mean `ℓ` (a rough KL proxy), and the
 * fraction of pairs where `sign Δℓ = sign ΔR`.
 *
 * @example
 * copgLoss({ rewards: [[1, 0]], logRatios: tf.tensor2d([[0.2, -0.1]]) }, { beta: 0.1 }).loss.dataSync(); // [-0.2955]
 * @remarks arXiv:2406.19185
 */
export function copgLoss(inputs: CopgInputs, config: CopgConfig = {}): CopgOutput {
  const { beta, pairing } = parseConfig(copgConfig, config, "copgLoss");
  if (beta > 3.4028234663852886e38) throw new RLError("INVALID_CONFIG", `copgLoss: beta ${beta} overflows float32 (max 3.4e38) and would give NaN`);
  if (typeof inputs !== "object" || inputs === null) throw new RLError("INVALID_INPUT", "copgLoss: inputs must be { rewards, logRatios }");
  assertTensor(inputs.logRatios, "copgLoss", "logRatios");
  const R = toMatrix2D(inputs.rewards, "rewards", "copgLoss");
  const { logRatios } = inputs;
  if (logRatios.rank !== 2 || logRatios.shape[0] !== R.shape[0] || logRatios.shape[1] !== R.shape[1]) {
    throw new RLError("SHAPE_MISMATCH", `copgLoss: logRatios has shape [${logRatios.shape.join(",")}], rewards [${R.shape.join(",")}]`);
  }
  const [B, k] = R.shape as [number, number];
  if (B === 0) throw new RLError("INVALID_INPUT", "copgLoss: empty batch (rewards has 0 rows)");
  if (k < 2) throw new RLError("INVALID_INPUT", `copgLoss: needs at least 2 completions per prompt, rewards has ${k} columns`);
  assertFinite(logRatios, "logRatios", "copgLoss");
  const pairs: [number, number][] = [];
  if (pairing === "all") for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) pairs.push([i, j]);
  else for (let i = 0; i + 1 < k; i++) pairs.push([i, i + 1]);
  const norm = pairing === "all" ? 1 / (k - 1) : 1 / pairs.length;
  const dR = new Float32Array(B * pairs.length);
  for (let b = 0; b < B; b++) pairs.forEach(([i, j], p) => (dR[b * pairs.length + p] = R.get(b, i) - R.get(b, j)));
  const out = tf.tidy(() => {
    const I = tf.tensor1d(pairs.map((p) => p[0]), "int32");
    const J = tf.tensor1d(pairs.map((p) => p[1]), "int32");
    const dl = tf.sub(tf.gather(logRatios, I, 1), tf.gather(logRatios, J, 1));
    const dRt = tf.tensor2d(dR, [B, pairs.length]);
    const perPair = tf.add(tf.neg(tf.mul(dRt, dl)), tf.mul(tf.square(dl), beta / 2));
    const losses = tf.mul(tf.sum(perPair, 1), norm) as tf.Tensor1D;
    const dlSg = stopGradient(dl);
    const agree = tf.mean(tf.cast(tf.equal(tf.sign(dlSg), tf.sign(dRt)), "float32"));
    const stats = tf.stack([tf.mean(tf.sub(dRt, tf.mul(dlSg, beta))), tf.mean(dlSg), tf.mean(stopGradient(logRatios)), agree]);
    return { loss: tf.mean(losses) as tf.Scalar, losses, stats };
  });
  const [gap, lgap, kl, agreement] = Array.from(out.stats.dataSync()) as [number, number, number, number];
  out.stats.dispose();
  return {
    loss: out.loss,
    losses: out.losses,
    metrics: { "copg/regRewardGap": gap, "copg/logratioGap": lgap, "copg/kl": kl, "copg/agreement": agreement },
  };
}

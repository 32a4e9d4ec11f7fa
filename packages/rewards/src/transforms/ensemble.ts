import { z } from "zod";
import { Matrix, parseConfig, RLError, toMatrix2D, type MatrixLike } from "@rl/core";

/** Config schema of {@link ensembleRewards} (zod; the defaults are the reference defaults). */
export const ensembleRewardsConfig = z.object({
  /** `mean`; `wco` worst-case = min over members; `uwo` = mean − λ·variance. */
  mode: z.enum(["mean", "wco", "uwo"]).default("mean"),
  /** UWO's penalty on the intra-ensemble (population) variance. */
  lambda: z.number().nonnegative().default(0.5),
});
/** Input type of `ensembleRewardsConfig` (every field optional where it has a default). */
export type EnsembleRewardsConfig = z.input<typeof ensembleRewardsConfig>;

/**
 * Conservative reward-model ensembles (Coste et al.; spec rewards.md §25). `members` is `[B, k]`
 * (one column per reward model); per sample:
 * `mean = (1/k) Σ r_i`, `WCO = min_i r_i`, `UWO = mean − λ·(1/k) Σ (r_i − mean)²`
 * (population variance — the unbiased one is not what the paper uses).
 *
 * Defaults `mode = "mean"`, `λ = 0.5` (the paper tunes λ; ⚠ unverified values). Members'
 * scales should match: standardise each member first ({@link normalizeRewards}).
 * Edge cases: `k = 1` → all modes equal the member; `k = 0` or `B = 0` → error; non-finite → error.
 * Invariants: `min ≤ WCO ≤ mean ≤ max`, `UWO ≤ mean`.
 *
 * @example
 * ensembleRewards([[1.0, 0.5, 1.5]], { mode: "uwo", lambda: 0.5 }).rewards.toFlatArray(); // [0.9166667]
 * @remarks Coste et al., Reward Model Ensembles Help Mitigate Overoptimization (arXiv:2310.02743)
 */
export function ensembleRewards(
  members: MatrixLike,
  config: EnsembleRewardsConfig = {},
): { rewards: Matrix; mean: Matrix; variance: Matrix } {
  const { mode, lambda } = parseConfig(ensembleRewardsConfig, config, "ensembleRewards");
  const m = toMatrix2D(members, "members", "ensembleRewards");
  const [b, k] = m.shape as [number, number];
  if (b === 0 || k === 0) throw new RLError("INVALID_INPUT", `ensembleRewards: members has shape [${b},${k}]; need at least one sample and one member`);
  const rewards = Matrix.zeros([b]);
  const mean = Matrix.zeros([b]);
  const variance = Matrix.zeros([b]);
  for (let i = 0; i < b; i++) {
    let s = 0;
    let lo = Infinity;
    for (let j = 0; j < k; j++) {
      const v = m.get(i, j);
      s += v;
      lo = Math.min(lo, v);
    }
    const mu = s / k;
    let v2 = 0;
    for (let j = 0; j < k; j++) v2 += (m.get(i, j) - mu) ** 2;
    const variance_ = v2 / k;
    mean.data[i] = mu;
    variance.data[i] = variance_;
    rewards.data[i] = mode === "mean" ? mu : mode === "wco" ? lo : mu - lambda * variance_;
  }
  return { rewards, mean, variance };
}

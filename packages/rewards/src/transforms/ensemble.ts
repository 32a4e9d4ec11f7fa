import { z } from "zod";
import { assertFiniteResult, Matrix, parseConfig, RLError, splitNulls, toMatrix2D, type MatrixLike } from "@rl/core/arrays";

/** Config schema of {@link ensembleRewards} (zod; the defaults are the reference defaults). */
export const ensembleRewardsConfig = z.object({
  /** `mean`; `wco` worst-case = min over members; `uwo` = mean − λ·variance. */
  mode: z.enum(["mean", "wco", "uwo"]).default("mean"),
  /** UWO's penalty `λ` on the intra-ensemble variance (the code's `coeff` / `weight`; its default 1). Used as given: 0 is 0. */
  lambda: z.number().nonnegative().default(1),
  /**
   * Variance over the members: `false` the population variance (`/k`, the paper's formula and the
   * best-of-n code's `np.var`); `true` the unbiased one (`/(k−1)`, the PPO code's `torch.var`;
   * 0 for a single member).
   */
  unbiased: z.boolean().default(false),
});
/** Input type of `ensembleRewardsConfig` (every field optional where it has a default). */
export type EnsembleRewardsConfig = z.input<typeof ensembleRewardsConfig>;

/**
 * Conservative reward-model ensembles (Coste et al.; docs/rewards/transforms.md). `members` is `[B, k]`
 * (one column per reward model); per sample:
 * `mean = (1/k) Σ r_i`, `WCO = min_i r_i`, `UWO = mean − λ·(1/k) Σ (r_i − mean)²`
 * (population variance, as the paper and the best-of-n code; `unbiased: true` divides by `k − 1`
 * as the PPO code does). `variance` holds the variance used.
 *
 * Defaults `mode = "mean"`, `λ = 1`, `unbiased = false` (the code's defaults: tlc4418/llm_optimization
 * @ 416b03cc, `src/bon/ensemble_rm.py` and `src/reward_modeling/scoring/ppo_reward_functions.py`;
 * checked by the conformance op `reward.ensemble`). The PPO path's preset is `{ unbiased: true }`.
 * Not reproduced: the best-of-n code turns `λ = 0` into 1 (a truthiness test on the weight).
 * Members' scales should match: standardise each member first ({@link normalizeRewards}).
 *
 * `null` members ("no signal": a verifiable reward that could not parse the answer, a rubric with
 * a missing essential verdict, a judge that failed) are left out of that sample's statistics:
 * `k` becomes the number of members that scored it. A sample that no member scored has no reward:
 * `rewardList[i]` is `null` (and `rewards`, `mean`, `variance` hold 0 there), which a group
 * estimator's `rewards` accepts as "no signal".
 *
 * Edge cases: `k = 1` → all modes equal the member (variance 0, unbiased or not); `k = 0` or `B = 0` → error; non-finite → error.
 * Invariants: `min ≤ WCO ≤ mean ≤ max`, `UWO ≤ mean`.
 *
 * @example
 * ensembleRewards([[1.0, 0.5, 1.5]], { mode: "uwo", lambda: 0.5 }).rewards.toFlatArray(); // [0.9166667]
 * ensembleRewards([[1.0, 0.5, 1.5]], { mode: "uwo", unbiased: true }).rewards.toFlatArray(); // [0.75]
 * ensembleRewards([[1, null, 0.5], [null, null, null]]).rewardList; // [0.75, null]
 * @remarks Coste et al., Reward Model Ensembles Help Mitigate Overoptimization (arXiv:2310.02743)
 */
export function ensembleRewards(
  members: MatrixLike | readonly (readonly (number | null)[])[],
  config: EnsembleRewardsConfig = {},
): { rewards: Matrix; mean: Matrix; variance: Matrix; rewardList: readonly (number | null)[] } {
  const fn = "ensembleRewards";
  const { mode, lambda, unbiased } = parseConfig(ensembleRewardsConfig, config, fn);
  const { values, missing } = splitNulls(members);
  const m = toMatrix2D(values as MatrixLike, "members", fn);
  const [b, k] = m.shape as [number, number];
  if (b === 0 || k === 0) throw new RLError("INVALID_INPUT", `${fn}: members has shape [${b},${k}]; need at least one sample and one member`);
  const given = (i: number, j: number): boolean => missing === undefined || missing[i * k + j] === 0;
  const rewards = Matrix.zeros([b]);
  const mean = Matrix.zeros([b]);
  const variance = Matrix.zeros([b]);
  const rewardList: (number | null)[] = [];
  for (let i = 0; i < b; i++) {
    let n = 0;
    let s = 0;
    let lo = Infinity;
    for (let j = 0; j < k; j++) {
      if (!given(i, j)) continue;
      const v = m.get(i, j);
      n++;
      s += v;
      lo = Math.min(lo, v);
    }
    if (n === 0) {
      rewardList.push(null);
      continue;
    }
    const mu = s / n;
    let v2 = 0;
    for (let j = 0; j < k; j++) if (given(i, j)) v2 += (m.get(i, j) - mu) ** 2;
    const variance_ = unbiased ? (n > 1 ? v2 / (n - 1) : 0) : v2 / n;
    mean.data[i] = mu;
    variance.data[i] = variance_;
    const r = mode === "mean" ? mu : mode === "wco" ? lo : mu - lambda * variance_;
    rewards.data[i] = r;
    rewardList.push(r);
  }
  assertFiniteResult(mean.data, fn, "mean", "members overflow");
  assertFiniteResult(variance.data, fn, "variance", "members overflow");
  assertFiniteResult(rewards.data, fn, "rewards", "members overflow");
  return { rewards, mean, variance, rewardList };
}

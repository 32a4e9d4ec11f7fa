import { Matrix, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { maskLike, nonEmptyMatrix } from "./batch-checks.js";

/** Config of {@link minFormRewards}. */
export const minFormRewardsConfig = z.object({
  /** Softmax temperature τ. Default 0.1 (hard-coded in PURE's OpenRLHF code). */
  temperature: z.number().positive().default(0.1),
  /** `false` = PURE's `disable_weighted_reward`: uniform weights `1/K_valid` (the mean). Default `true`. */
  weighted: z.boolean().default(true),
});
export type MinFormRewardsConfig = z.input<typeof minFormRewardsConfig>;

/**
 * PURE's min-form transform of PRM step rewards: over the valid steps of a row
 * `w_k = softmax_k(−r_k / τ)` and `r*_k = w_k · r_k`, so that the sum-form return of `r*`
 * approximates the min: `Σ_k r*_k → min_k r_k` as τ → 0 and → the mean as τ → ∞.
 * With `weighted: false`, `w_k = 1 / K_valid`.
 *
 * Defaults: τ = 0.1, weighted. Edge cases: masked steps give 0; a row without a valid step is all 0
 * (the reference's softmax over an empty row is NaN); one step gets `w = 1`; ties at the minimum
 * share the weight. The softmax is max-subtracted in float64, so small τ never overflows.
 * Paper: PURE, "Stop Summation: Min-Form Credit Assignment Is All Process Reward Model Needs"
 * (arXiv:2504.15275).
 *
 * @example
 * minFormRewards([[0.8, -0.5, 0.6]], [[1, 1, 1]], { temperature: 1 }).rewards.toArray();
 * // [[0.1358073, -0.3114483, 0.1244066]]
 */
export function minFormRewards(
  stepRewards: MatrixLike,
  stepMask: MatrixLike,
  config: MinFormRewardsConfig = {},
): { rewards: Matrix; weights: Matrix } {
  const fn = "minFormRewards";
  const { temperature, weighted } = parseConfig(minFormRewardsConfig, config, fn);
  const r = nonEmptyMatrix(stepRewards, "stepRewards", fn);
  const m = maskLike(stepMask, "stepMask", r, "stepRewards", fn);
  const rows = r.rows;
  const cols = r.cols;
  const x = r.data;
  const mask = m.data;
  // flat loops over the typed arrays: Matrix.get / set per entry cost 5x more on 1M steps
  const rewards = new Float64Array(rows * cols);
  const weights = new Float64Array(rows * cols);
  for (let b = 0; b < rows; b++) {
    const base = b * cols;
    const end = base + cols;
    let n = 0;
    let maxLogit = -Infinity;
    for (let k = base; k < end; k++) {
      if (mask[k] === 0) continue;
      n++;
      maxLogit = Math.max(maxLogit, -(x[k] as number) / temperature);
    }
    if (n === 0) continue;
    let z = 0;
    for (let k = base; k < end; k++) {
      if (mask[k] === 0) continue;
      const e = weighted ? Math.exp(-(x[k] as number) / temperature - maxLogit) : 1;
      weights[k] = e;
      z += e;
    }
    for (let k = base; k < end; k++) {
      if (mask[k] === 0) continue;
      const w = (weights[k] as number) / z;
      weights[k] = w;
      rewards[k] = w * (x[k] as number);
    }
  }
  return { rewards: new Matrix(rewards, [rows, cols]), weights: new Matrix(weights, [rows, cols]) };
}

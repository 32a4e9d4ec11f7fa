import { Matrix, RLError, describeValue, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { maskLike, nonEmptyMatrix, sameShape } from "./batch-checks.js";
import { requireObject } from "../args.js";

/** Config of {@link progressRewards}. */
export const progressRewardsConfig = z.object({
  /** Weight α of the progress reward. Default 1 (⚠ the paper's value is unverified). */
  alpha: z.number().default(1),
  /**
   * Best-of-K prover built from the policy's values: `V^{BoK} = 1 − (1 − V)^K` applied to both
   * values before the difference (binary rewards; values in [0, 1]). `null` = use the given
   * values as the prover's. Default `null`.
   */
  bestOfK: z.number().int().positive().nullable().default(null),
});
export type ProgressRewardsConfig = z.input<typeof progressRewardsConfig>;

/**
 * Best-of-K value of a binary-reward policy: `V^{BoK(π)} = 1 − (1 − V^π)^K`. `value` must lie in
 * [0, 1] and `k` be a positive integer (else `RLError("INVALID_INPUT")`).
 * Paper: Setlur et al., "Rewarding Progress" (arXiv:2410.08146).
 *
 * @example
 * bestOfKValue(0.25, 4); // 0.68359375
 */
export function bestOfKValue(value: number, k: number): number {
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
    throw new RLError("INVALID_INPUT", `bestOfKValue: value must be a success probability in [0, 1], got ${describeValue(value)}`);
  }
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1) {
    throw new RLError("INVALID_INPUT", `bestOfKValue: k must be a positive integer, got ${describeValue(k)}`);
  }
  return 1 - (1 - value) ** k;
}

/**
 * PAV progress rewards (process advantage verifiers): the dense step reward is the prover's
 * advantage `r_h = α·(Q^μ(s_h, a_h) − V^μ(s_h))` — the change in success probability made by the
 * step, measured under a prover μ (for deterministic concatenation `Q^μ(s_h,a_h) = V^μ(s_{h+1})`).
 * Place the result on step-end tokens (`placeStepRewards`) and add the outcome reward at the end.
 *
 * Defaults: α = 1, prover = the given values (`bestOfK: null`; SPO's port uses K = 4).
 * Edge cases: masked steps (no MC estimate) give 0; values of 0 or 1 saturate BoK (reward 0);
 * mismatched shapes throw `SHAPE_MISMATCH`.
 * Paper: Setlur et al., "Rewarding Progress: Scaling Automated Process Verifiers for LLM
 * Reasoning" (arXiv:2410.08146).
 *
 * @example
 * progressRewards({ values: [[0.25]], qValues: [[0.5]], stepMask: [[1]] }, { bestOfK: 4 })
 *   .rewards.toArray(); // [[0.2539063]]
 */
export function progressRewards(
  input: { values: MatrixLike; qValues: MatrixLike; stepMask: MatrixLike },
  config: ProgressRewardsConfig = {},
): { rewards: Matrix } {
  const fn = "progressRewards";
  const { alpha, bestOfK } = parseConfig(progressRewardsConfig, config, fn);
  requireObject(input, "input", fn);
  const v = nonEmptyMatrix(input.values, "values", fn);
  const q = sameShape(input.qValues, "qValues", v, "values", fn);
  const m = maskLike(input.stepMask, "stepMask", v, "values", fn);
  const prover = (x: number) => (bestOfK === null ? x : bestOfKValue(x, bestOfK));
  const out = Matrix.zeros([v.rows, v.cols]);
  for (let k = 0; k < out.data.length; k++) {
    if ((m.data[k] as number) === 0) continue;
    out.data[k] = alpha * (prover(q.data[k] as number) - prover(v.data[k] as number));
  }
  return { rewards: out };
}

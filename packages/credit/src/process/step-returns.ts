import { Matrix, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { maskLike, nonEmptyMatrix } from "./batch-checks.js";

/** Config of {@link sumFormReturns}. */
export const sumFormReturnsConfig = z.object({
  /** Discount per step. Default 1 (PURE's sum-form ablation). */
  gamma: z.number().min(0).max(1).default(1),
});
export type SumFormReturnsConfig = z.input<typeof sumFormReturnsConfig>;

/**
 * Sum-form ("gamma-decay") step returns: `G_k = r_k + γ·G_{k+1}` right to left over the valid
 * steps of each row (masked steps are skipped and get 0).
 *
 * Defaults: γ = 1. Edge cases: a row with no valid step is all 0; an empty batch or a
 * `stepMask` of another shape throws `RLError` (`INVALID_INPUT` / `SHAPE_MISMATCH`).
 * Paper: PURE, "Stop Summation" (arXiv:2504.15275), the canonical sum-form (docs/credit/process.md).
 *
 * @example
 * sumFormReturns([[0.8, -0.5, 0.6]], [[1, 1, 1]]).returns.toArray(); // [[0.9, 0.1, 0.6]]
 */
export function sumFormReturns(
  stepRewards: MatrixLike,
  stepMask: MatrixLike,
  config: SumFormReturnsConfig = {},
): { returns: Matrix } {
  const fn = "sumFormReturns";
  const { gamma } = parseConfig(sumFormReturnsConfig, config, fn);
  const r = nonEmptyMatrix(stepRewards, "stepRewards", fn);
  const m = maskLike(stepMask, "stepMask", r, "stepRewards", fn);
  const out = Matrix.zeros([r.rows, r.cols]);
  for (let b = 0; b < r.rows; b++) {
    let g = 0;
    for (let k = r.cols - 1; k >= 0; k--) {
      if (m.get(b, k) === 0) continue;
      g = r.get(b, k) + gamma * g;
      out.set(b, k, g);
    }
  }
  return { returns: out };
}

/**
 * Strict min-form step returns (the paper's definition of PURE's value):
 * `G_k = min_{k' ≥ k, valid} r_{k'}`, right to left over the valid steps (masked steps get 0).
 *
 * Unlike the verl branch's "strict min-form" (a min over *token* rewards that are 0 between step
 * ends, which clips every positive step reward to 0), this takes the min over step rewards only.
 * Edge cases: a row with no valid step is all 0; bad shapes throw `RLError`.
 * Paper: PURE (arXiv:2504.15275).
 *
 * @example
 * strictMinReturns([[0.8, -0.5, 0.6]], [[1, 1, 1]]).returns.toArray(); // [[-0.5, -0.5, 0.6]]
 */
export function strictMinReturns(stepRewards: MatrixLike, stepMask: MatrixLike): { returns: Matrix } {
  const fn = "strictMinReturns";
  const r = nonEmptyMatrix(stepRewards, "stepRewards", fn);
  const m = maskLike(stepMask, "stepMask", r, "stepRewards", fn);
  const out = Matrix.zeros([r.rows, r.cols]);
  for (let b = 0; b < r.rows; b++) {
    let g = Infinity;
    for (let k = r.cols - 1; k >= 0; k--) {
      if (m.get(b, k) === 0) continue;
      g = Math.min(g, r.get(b, k));
      out.set(b, k, g);
    }
  }
  return { returns: out };
}

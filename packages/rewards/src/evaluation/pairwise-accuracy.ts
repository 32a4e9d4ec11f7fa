import { z } from "zod";
import { Matrix, parseConfig, RLError, toVector, type MatrixLike } from "@rl/core/arrays";

/** Config schema of {@link pairwiseAccuracy} (zod; the defaults are the reference defaults). */
export const pairwiseAccuracyConfig = z.object({
  /**
   * How a tie `r_c = r_r` counts: `wrong` (default; TRL, OpenRLHF, RewardBench v1), `drop` (left out;
   * TRL's legacy `compute_accuracy`), `split` (half credit, RewardBench v2's 1/#tied for a pair).
   */
  tiePolicy: z.enum(["wrong", "drop", "split"]).default("wrong"),
});
/** Input type of `pairwiseAccuracyConfig` (every field optional where it has a default). */
export type PairwiseAccuracyConfig = z.input<typeof pairwiseAccuracyConfig>;

/** Result of {@link pairwiseAccuracy}. */
export interface PairwiseAccuracyResult {
  /** Fraction of pairs ranked right; `null` when no pair counts (empty input, or only ties with `drop`). */
  accuracy: number | null;
  /** `mean(r_c − r_r)` over all pairs (`null` when empty). */
  meanMargin: number | null;
  /** Pairs counted in the accuracy. */
  count: number;
  ties: number;
}

/**
 * Pairwise accuracy of a reward model: `mean(r_c > r_r)` with a **strict** `>`
 * (docs/rewards/evaluation.md), plus the mean margin. Tie policy default `"wrong"`.
 *
 * @example
 * pairwiseAccuracy([1, 2, 3], [0, 2, 4]);                        // { accuracy: 1/3, meanMargin: 0, count: 3, ties: 1 }
 * pairwiseAccuracy([1, 2, 3], [0, 2, 4], { tiePolicy: "split" }).accuracy; // 0.5
 * @remarks Ouyang et al., InstructGPT (arXiv:2203.02155); RewardBench (arXiv:2403.13787)
 */
export function pairwiseAccuracy(chosen: MatrixLike, rejected: MatrixLike, config: PairwiseAccuracyConfig = {}): PairwiseAccuracyResult {
  const { tiePolicy } = parseConfig(pairwiseAccuracyConfig, config, "pairwiseAccuracy");
  const vec = (x: MatrixLike, name: string): Matrix =>
    Array.isArray(x) && x.length === 0 ? Matrix.zeros([0]) : toVector(x, name, "pairwiseAccuracy");
  const c = vec(chosen, "chosen");
  const r = vec(rejected, "rejected");
  if (c.size !== r.size) {
    throw new RLError("SHAPE_MISMATCH", `pairwiseAccuracy: chosen has ${c.size} entries, rejected has ${r.size}`);
  }
  let credit = 0;
  let count = 0;
  let ties = 0;
  let margin = 0;
  for (let i = 0; i < c.size; i++) {
    const a = c.data[i] as number;
    const b = r.data[i] as number;
    margin += a - b;
    if (a === b) {
      ties++;
      if (tiePolicy === "drop") continue;
      if (tiePolicy === "split") credit += 0.5;
    } else if (a > b) credit += 1;
    count++;
  }
  return {
    accuracy: count > 0 ? credit / count : null,
    meanMargin: c.size > 0 ? margin / c.size : null,
    count,
    ties,
  };
}

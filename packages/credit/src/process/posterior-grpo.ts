import { Matrix, assertMask, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { outputArray, outputDtype } from "../output.js";
import { finiteVector, rowsOfGroups, meanStd, requireList, nonEmptyMask, type GroupId } from "./batch-checks.js";
import { requireObject } from "../args.js";

/** Config of {@link posteriorGrpoAdvantages}. */
export const posteriorGrpoConfig = z.object({
  /** Weight λ of the thinking reward. Default 1 (⚠ unverified in the paper). */
  lambda: z.number().default(1),
  /** The outcome value that counts as success (the gate). Default 1. */
  gateValue: z.number().default(1),
  /** ε added to the group std. Default 1e-6 (as GRPO). */
  epsilon: z.number().nonnegative().default(1e-6),
  /**
   * Storage of the per-token `advantages` (see `outputDtype`); `"float64"` keeps every bit of the
   * float64 arithmetic. Default `"float32"`. The per-row `rewards` stay float64.
   */
  dtype: outputDtype,
});
export type PosteriorGrpoConfig = z.input<typeof posteriorGrpoConfig>;

/** Input of {@link posteriorGrpoAdvantages}. */
export interface PosteriorGrpoInput {
  /** Outcome reward per row (1 = correct). */
  outcome: ArrayLike<number>;
  /** Thinking (reasoning-quality) reward per row. */
  thinking: ArrayLike<number>;
  /** Optional format reward per row. Default 0. */
  format?: ArrayLike<number>;
  /** Prompt id per row. */
  groups: readonly GroupId[];
  /** `[B][T]` response tokens. */
  mask: MatrixLike;
}

/**
 * Posterior-GRPO: the process ("thinking") reward counts only for successful rollouts,
 * `r_i = r^o_i + r^f_i + 𝟙[r^o_i = gate]·λ·r^t_i`, then GRPO
 * `A_i = (r_i − μ_g)/(std_g + ε)` (unbiased std) broadcast over the row's valid tokens.
 *
 * The group statistics are computed here in float64 (no call into `grpoAdvantages`, whose default
 * storage is float32); each row's advantage is rounded once when stored in `dtype`.
 * Defaults: λ = 1, gate 1, ε = 1e-6, `dtype: "float32"`. Edge cases: no correct response in a
 * group → plain outcome GRPO; a group of one uses mean 0, std 1 (verl); all-equal rewards → 0; padding 0.
 * Paper: Posterior-GRPO (arXiv:2508.05170).
 *
 * @example
 * posteriorGrpoAdvantages({ outcome: [1, 1, 0, 0], thinking: [0.9, 0.4, 0.8, 0.1],
 *   groups: [0, 0, 0, 0], mask: [[1], [1], [1], [1]] }).rewards.toFlatArray(); // [1.9, 1.4, 0, 0]
 */
export function posteriorGrpoAdvantages(
  input: PosteriorGrpoInput,
  config: PosteriorGrpoConfig = {},
): { advantages: Matrix; rewards: Matrix } {
  const fn = "posteriorGrpoAdvantages";
  const { lambda, gateValue, epsilon, dtype } = parseConfig(posteriorGrpoConfig, config, fn);
  requireObject(input, "input", fn);
  const mask = nonEmptyMask(input.mask, "mask", fn);
  assertMask(mask, "mask", fn);
  const B = mask.rows;
  const outcome = finiteVector(input.outcome, "outcome", B, "mask rows", fn);
  const thinking = finiteVector(input.thinking, "thinking", B, "mask rows", fn);
  const format = input.format === undefined ? new Float64Array(B) : finiteVector(input.format, "format", B, "mask rows", fn);
  requireList(input.groups, "groups", B, "mask rows", fn);
  const rewards = Matrix.zeros([B]);
  for (let i = 0; i < B; i++) {
    const o = outcome[i] as number;
    rewards.data[i] = o + (format[i] as number) + (o === gateValue ? lambda * (thinking[i] as number) : 0);
  }
  const T = mask.cols;
  const advantages = outputArray(B * T, dtype);
  for (const rows of rowsOfGroups(input.groups, fn)) {
    const { mean, std } = rows.length > 1 ? meanStd(rewards.data, rows) : { mean: 0, std: 1 };
    for (const i of rows) {
      const a = ((rewards.data[i] as number) - mean) / (std + epsilon);
      for (let t = 0; t < T; t++) if (mask.get(i, t) !== 0) advantages[i * T + t] = a;
    }
  }
  return { advantages: new Matrix(advantages, [B, T]), rewards };
}

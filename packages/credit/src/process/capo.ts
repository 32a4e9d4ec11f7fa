import { Matrix, RLError, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import {
  finiteVector,
  rowsOfGroups,
  maskLike,
  meanStd,
  nonEmptyMatrix,
  requireList,
  sameShape,
  nonEmptyMask,
  type GroupId,
} from "./batch-checks.js";
import { outputArray, outputDtype, outputMatrix, assertFiniteOutput } from "../output.js";
import { checkStepEnds } from "./place-step-rewards.js";
import { requireObject } from "../args.js";

/** Config of {@link capoAdvantages}. */
export const capoConfig = z.object({
  /** Weight W_o of the outcome reward. Default 2 (⚠ unverified; must exceed W_p). */
  wOutcome: z.number().default(2),
  /** Weight W_p of the step penalty. Default 1 (⚠ unverified). */
  wProcess: z.number().default(1),
  /** ε added to the group std. Default 1e-6. */
  epsilon: z.number().nonnegative().default(1e-6),
  /**
   * Storage of `advantages` and `tokenRewards` (see `outputDtype`); `"float64"` keeps every bit
   * of the float64 arithmetic. Default `"float32"`. The advantages are computed from the float64
   * token rewards, never from the stored ones.
   */
  dtype: outputDtype,
});
export type CapoConfig = z.input<typeof capoConfig>;

/** Input of {@link capoAdvantages}. */
export interface CapoInput {
  /** Outcome (rule-based) reward per row. */
  outcome: ArrayLike<number>;
  /** `[B][K]` step penalties (see `capoVotes`). */
  penalties: MatrixLike;
  /** `[B][K]` 1 for real steps. */
  stepMask: MatrixLike;
  /** `[B][K]` token index of each step's last token. Step k owns tokens `(stepEnd_{k−1}, stepEnd_k]`. */
  stepEnds: MatrixLike;
  /** `[B][T]` response tokens. */
  mask: MatrixLike;
  /** Prompt id per row. */
  groups: readonly GroupId[];
}

/**
 * CAPO token rewards and advantages: every valid token gets the rule-based outcome reward, and
 * tokens of steps judged wrong are penalised, `r_{i,t} = W_o·R_o(i) − W_p·pen_{i,k(t)}`; then
 * `A_{i,t} = (r_{i,t} − μ_g)/(σ_g + ε)` with μ_g, σ_g (unbiased) over the group's sequence-level
 * outcome terms `W_o·R_o`. With `W_o > W_p` a correct answer with flawed steps stays above a
 * wrong answer.
 *
 * Defaults: `W_o = 2`, `W_p = 1`, ε = 1e-6, `dtype: "float32"` (⚠ the paper's constants and
 * normalisation are unverified). Edge cases: a group of one uses mean 0, std 1; tokens after the last step end are
 * not penalised; padding is 0; bad shapes or step ends throw `RLError`.
 * Paper: CAPO (arXiv:2508.02298).
 *
 * @example
 * capoAdvantages({ outcome: [1, 0], penalties: [[0, 1], [0, 0]], stepMask: [[1, 1], [1, 1]],
 *   stepEnds: [[0, 1], [0, 1]], mask: [[1, 1], [1, 1]], groups: [0, 0] }).tokenRewards.toArray();
 * // [[2, 1], [0, 0]]
 */
export function capoAdvantages(input: CapoInput, config: CapoConfig = {}): { advantages: Matrix; tokenRewards: Matrix } {
  const fn = "capoAdvantages";
  const { wOutcome, wProcess, epsilon, dtype } = parseConfig(capoConfig, config, fn);
  requireObject(input, "input", fn);
  const pen = nonEmptyMatrix(input.penalties, "penalties", fn);
  const sm = maskLike(input.stepMask, "stepMask", pen, "penalties", fn);
  const ends = sameShape(input.stepEnds, "stepEnds", pen, "penalties", fn);
  const mask = nonEmptyMask(input.mask, "mask", fn);
  if (mask.rows !== pen.rows) throw new RLError("SHAPE_MISMATCH", `${fn}: mask has ${mask.rows} rows, penalties has ${pen.rows}`);
  const B = pen.rows;
  const outcome = finiteVector(input.outcome, "outcome", B, "penalties rows", fn);
  requireList(input.groups, "groups", B, "penalties rows", fn);
  checkStepEnds(ends, sm, mask, fn);
  const T = mask.cols;
  // float64 scratch: penalties are subtracted in place and the advantages read it back
  const tokenRewardData = new Float64Array(B * T);
  const tokenRewards = new Matrix(tokenRewardData, [B, T]);
  const seq = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    seq[b] = wOutcome * (outcome[b] as number);
    for (let t = 0; t < mask.cols; t++) if (mask.get(b, t) !== 0) tokenRewards.set(b, t, seq[b] as number);
    let prev = -1;
    for (let k = 0; k < pen.cols; k++) {
      if (sm.get(b, k) === 0) continue;
      const e = ends.get(b, k);
      const p = wProcess * pen.get(b, k);
      for (let t = prev + 1; t <= e; t++) if (mask.get(b, t) !== 0) tokenRewards.set(b, t, tokenRewards.get(b, t) - p);
      prev = e;
    }
  }
  const advantages = outputArray(B * T, dtype);
  for (const rows of rowsOfGroups(input.groups, fn)) {
    const { mean, std } = rows.length > 1 ? meanStd(seq, rows) : { mean: 0, std: 1 };
    for (const i of rows) {
      for (let t = 0; t < T; t++) {
        if (mask.get(i, t) !== 0) advantages[i * T + t] = (tokenRewards.get(i, t) - mean) / (std + epsilon);
      }
    }
  }
  const out = {
    advantages: new Matrix(advantages, [B, T]),
    tokenRewards: outputMatrix(tokenRewardData, [B, T], dtype),
  };
  assertFiniteOutput(out.tokenRewards.data, T, fn, "tokenRewards");
  assertFiniteOutput(out.advantages.data, T, fn, "advantages");
  return out;
}

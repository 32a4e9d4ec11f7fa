import { Matrix, RLError, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { maskLike, nonEmptyMatrix, sameShape, nonEmptyMask, requireObject } from "./batch-checks.js";

/** Config of {@link placeStepRewards}. */
export const placeStepRewardsConfig = z.object({
  /**
   * `"end"`: `r_k` on the step's last token (PURE, PRIME-style dense rewards);
   * `"uniform"`: `r_k / len_k` on every valid token of the step; `"all"`: `r_k` on every valid token.
   * Default `"end"`.
   */
  spread: z.enum(["end", "uniform", "all"]).default("end"),
});
export type PlaceStepRewardsConfig = z.input<typeof placeStepRewardsConfig>;

/** Input of {@link placeStepRewards}. */
export interface StepRewardsOnTokens {
  /** `[B][K]` one reward per step (padded). */
  stepRewards: MatrixLike;
  /** `[B][K]` 1 for real steps. */
  stepMask: MatrixLike;
  /** `[B][K]` token index of each step's last token (the separator), strictly increasing. */
  stepEnds: MatrixLike;
  /** `[B][T]` response tokens. */
  mask: MatrixLike;
}

/**
 * Places K step rewards per response on its tokens. Step k owns the valid tokens `t` with
 * `stepEnd_{k−1} < t ≤ stepEnd_k`.
 *
 * Defaults: `spread: "end"`. Edge cases: padding is 0; tokens after the last step end get 0;
 * a step end outside `[0, T)`, on a masked token, or not strictly increasing throws
 * `RLError("INVALID_INPUT")`; mismatched shapes throw `SHAPE_MISMATCH`.
 * Paper: the common substrate of PURE (arXiv:2504.15275), PRIME (arXiv:2502.01456), Math-Shepherd
 * (arXiv:2312.08935).
 *
 * @example
 * placeStepRewards({ stepRewards: [[0.8, -0.5]], stepMask: [[1, 1]], stepEnds: [[1, 3]], mask: [[1, 1, 1, 1]] })
 *   .tokenRewards.toArray(); // [[0, 0.8, 0, -0.5]]
 */
export function placeStepRewards(input: StepRewardsOnTokens, config: PlaceStepRewardsConfig = {}): { tokenRewards: Matrix } {
  const fn = "placeStepRewards";
  const { spread } = parseConfig(placeStepRewardsConfig, config, fn);
  requireObject(input, "input", fn);
  const r = nonEmptyMatrix(input.stepRewards, "stepRewards", fn);
  const sm = maskLike(input.stepMask, "stepMask", r, "stepRewards", fn);
  const ends = sameShape(input.stepEnds, "stepEnds", r, "stepRewards", fn);
  const mask = nonEmptyMask(input.mask, "mask", fn);
  if (mask.rows !== r.rows) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: mask has ${mask.rows} rows, stepRewards has ${r.rows}`);
  }
  checkStepEnds(ends, sm, mask, fn);
  const out = Matrix.zeros([mask.rows, mask.cols]);
  for (let b = 0; b < r.rows; b++) {
    let prev = -1;
    for (let k = 0; k < r.cols; k++) {
      if (sm.get(b, k) === 0) continue;
      const end = ends.get(b, k);
      const value = r.get(b, k);
      if (spread === "end") {
        out.set(b, end, value);
      } else {
        let len = 0;
        for (let t = prev + 1; t <= end; t++) len += mask.get(b, t);
        const v = spread === "uniform" ? value / len : value;
        for (let t = prev + 1; t <= end; t++) if (mask.get(b, t) !== 0) out.set(b, t, v);
      }
      prev = end;
    }
  }
  return { tokenRewards: out };
}

/** Validates step ends: integers in range, on valid tokens, strictly increasing over valid steps. */
export function checkStepEnds(ends: Matrix, stepMask: Matrix, mask: Matrix, fn: string): void {
  for (let b = 0; b < ends.rows; b++) {
    let prev = -1;
    for (let k = 0; k < ends.cols; k++) {
      if (stepMask.get(b, k) === 0) continue;
      const e = ends.get(b, k);
      if (!Number.isInteger(e) || e < 0 || e >= mask.cols) {
        throw new RLError("INVALID_INPUT", `${fn}: stepEnds[${b}][${k}] is ${e}; expected an integer token index in [0, ${mask.cols})`);
      }
      if (e <= prev) {
        throw new RLError("INVALID_INPUT", `${fn}: stepEnds[${b}] must increase strictly; step ${k} ends at ${e}, the previous at ${prev}`);
      }
      if (mask.get(b, e) === 0) {
        throw new RLError("INVALID_INPUT", `${fn}: stepEnds[${b}][${k}] = ${e} is a masked (padding) token`);
      }
      prev = e;
    }
  }
}

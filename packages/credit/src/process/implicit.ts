import { Matrix, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { lastValidToken, maskLike, nonEmptyMatrix, sameShape } from "./batch-checks.js";

/** Config of {@link implicitProcessRewards}. */
export const implicitProcessRewardsConfig = z.object({
  /** β of the implicit PRM. Default 0.05 (`beta_train`). */
  beta: z.number().positive().default(0.05),
  /** `"token"`: `β·q_t` on every valid token; `"whole"`: `β·Σ_t q_t` on the last valid token. Default `"token"`. */
  granularity: z.enum(["token", "whole"]).default("token"),
  /**
   * `"batchNorm"` (PRIME's `prime_norm="batch_norm"`): divide by `max_{b,t} |Σ_{t'≥t} r_{b,t'}| + 1e-6`
   * over the batch (makes β irrelevant); `"none"`: keep `β·q`. Default `"batchNorm"`.
   */
  norm: z.enum(["batchNorm", "none"]).default("batchNorm"),
  /** verl recipe quirk: drop the last valid token's implicit reward (it carries the outcome). Default `false`. */
  dropLastToken: z.boolean().default(false),
});
export type ImplicitProcessRewardsConfig = z.input<typeof implicitProcessRewardsConfig>;

/**
 * PRIME implicit process rewards: `r_t = β·(log π_φ(y_t|y_<t) − log π_ref(y_t|y_<t))` per valid
 * token, from the implicit PRM π_φ and its reference (same tokenizer), optionally batch-normalised.
 *
 * Defaults: β = 0.05, `granularity: "token"`, `norm: "batchNorm"`, `dropLastToken: false`.
 * Edge cases: padding is 0; an all-zero batch under `batchNorm` stays 0 (denominator 1e-6);
 * mismatched shapes throw `SHAPE_MISMATCH`. Note: the original PRIME repo stores `q` without β —
 * equivalent under `batchNorm`, not under `none`.
 * Paper: PRIME, "Process Reinforcement through Implicit Rewards" (arXiv:2502.01456).
 *
 * @example
 * implicitProcessRewards([[Math.log(0.6)]], [[Math.log(0.4)]], [[1]], { norm: "none" })
 *   .processRewards.toArray(); // [[0.0202733]]
 */
export function implicitProcessRewards(
  prmLogprobs: MatrixLike,
  refLogprobs: MatrixLike,
  mask: MatrixLike,
  config: ImplicitProcessRewardsConfig = {},
): { processRewards: Matrix } {
  const fn = "implicitProcessRewards";
  const { beta, granularity, norm, dropLastToken } = parseConfig(implicitProcessRewardsConfig, config, fn);
  const lp = nonEmptyMatrix(prmLogprobs, "prmLogprobs", fn);
  const ref = sameShape(refLogprobs, "refLogprobs", lp, "prmLogprobs", fn);
  const m = maskLike(mask, "mask", lp, "prmLogprobs", fn);
  const out = Matrix.zeros([lp.rows, lp.cols]);
  for (let b = 0; b < lp.rows; b++) {
    const last = lastValidToken(m, b);
    let total = 0;
    for (let t = 0; t < lp.cols; t++) {
      if (m.get(b, t) === 0) continue;
      if (dropLastToken && t === last) continue;
      const r = beta * (lp.get(b, t) - ref.get(b, t));
      if (granularity === "token") out.set(b, t, r);
      else total += r;
    }
    if (granularity === "whole" && last >= 0) out.set(b, last, total);
  }
  if (norm === "batchNorm") {
    let maxAbs = 0;
    for (let b = 0; b < out.rows; b++) {
      let g = 0;
      for (let t = out.cols - 1; t >= 0; t--) {
        g += out.get(b, t);
        maxAbs = Math.max(maxAbs, Math.abs(g));
      }
    }
    const scale = 1 / (maxAbs + 1e-6);
    for (let k = 0; k < out.data.length; k++) out.data[k] = (out.data[k] as number) * scale;
  }
  return { processRewards: out };
}

import { Matrix, RLError, assertSameShape, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { matrix2D, parseTokenRewards } from "../group/parse-batch.js";
import { outputArray, outputDtype, outputMatrix } from "../output.js";
import type { AdvantageResult, TokenRewardBatch } from "../group/types.js";
import { whitenInPlace } from "../group/whiten.js";

/** Input of {@link gaeAdvantages}: token rewards, mask and the critic's values `[B, T]`. */
export interface GaeBatch extends TokenRewardBatch {
  /** `V(s_t)`: the value of the state before token t, `[B, T]`. */
  readonly values: MatrixLike;
}

/**
 * Config of {@link gaeAdvantages} (verl defaults; classic PPO-RLHF uses `lambda: 0.95`).
 * - `gamma` (1), `lambda` (1).
 * - `interiorMask` ("skip"): a masked token neither emits a TD error nor breaks the chain (verl);
 *   `"terminal"`: V and r are zeroed there and `V_{t+1}` is used literally (OpenRLHF), so an
 *   interior masked token acts as a terminal state with value 0.
 * - `whiten` (true): advantages are whitened over the valid tokens of the batch.
 * - `unbiased` (true): Bessel-corrected variance in the whitening; `epsilon` (1e-8) under the sqrt.
 * - `dtype` ("float32"): storage of `advantages` and `returns` (see `outputDtype`); `"float64"`
 *   keeps every bit of the float64 arithmetic.
 */
export const gaeConfig = z.object({
  gamma: z.number().min(0).max(1).default(1),
  lambda: z.number().min(0).max(1).default(1),
  interiorMask: z.enum(["skip", "terminal"]).default("skip"),
  whiten: z.boolean().default(true),
  unbiased: z.boolean().default(true),
  epsilon: z.number().nonnegative().default(1e-8),
  dtype: outputDtype,
});
export type GaeConfig = z.input<typeof gaeConfig>;

/**
 * Generalised Advantage Estimation (GAE, arXiv:1506.02438) with a learned critic, as verl computes
 * it, right to left with `nextV = 0`, `gae = 0`:
 *
 *   δ_t = r_t + γ·nextV − V_t        g = δ_t + γλ·gae        if mask_t: (nextV, gae) ← (V_t, g)
 *   returns = (Â + V)·mask           advantages = maskedWhiten(Â)·mask
 *
 * For right padding this is the textbook `Â_t = Σ_l (γλ)^l δ_{t+l}` with `V_{T_last+1} = 0`;
 * with `γ = λ = 1` it is the Monte-Carlo return minus V. Edge cases: padding and interior masked
 * tokens are 0 in both outputs (verl leaves the carried value there); ≤ 1 valid token → whitened 0;
 * `values` of another shape → `RLError("SHAPE_MISMATCH")` naming both shapes.
 *
 * @example
 * gaeAdvantages({ tokenRewards: [[0, 0, 1]], values: [[0.5, 0.6, 0.8]], mask: [[1, 1, 1]] },
 *   { lambda: 0.95 }).returns.toArray(); // [[0.9705, 0.99, 1]]
 */
export function gaeAdvantages(batch: GaeBatch, config: GaeConfig = {}): AdvantageResult {
  const fn = "gaeAdvantages";
  const { gamma, lambda, interiorMask, whiten, unbiased, epsilon, dtype } = parseConfig(gaeConfig, config, fn);
  const { rows, cols, mask, rewards, shape } = parseTokenRewards(batch, fn);
  const r = rewards as NonNullable<typeof rewards>;
  const valuesM = matrix2D((batch as { values?: unknown }).values, "values", fn);
  assertSameShape({ tokenRewards: { shape }, values: valuesM }, fn);
  const v = valuesM.data;
  const adv = new Float64Array(rows * cols); // float64 scratch: Â, then whitened in place
  // `gae` and `nextV` stay float64 locals; `returns` (output storage) is written once, never read
  const returns = outputArray(rows * cols, dtype);
  const gl = gamma * lambda;
  for (let b = 0; b < rows; b++) {
    const base = b * cols;
    let nextV = 0;
    let gae = 0;
    for (let t = cols - 1; t >= 0; t--) {
      const k = base + t;
      const vt = v[k] as number;
      if (!Number.isFinite(vt)) throw new RLError("NON_FINITE", `${fn}: values[${b}][${t}] is ${vt}; expected a finite number`);
      const valid = (mask[k] as number) !== 0;
      if (interiorMask === "skip") {
        if (!valid) continue;
        gae = (r[k] as number) + gamma * nextV - vt + gl * gae;
        nextV = vt;
      } else {
        const rt = valid ? (r[k] as number) : 0;
        const vk = valid ? vt : 0;
        gae = rt + gamma * nextV - vk + gl * gae;
        nextV = vk;
        if (!valid) continue;
      }
      adv[k] = gae;
      returns[k] = gae + vt;
    }
  }
  if (whiten) whitenInPlace(adv, mask, { unbiased, epsilon, placement: "inside" });
  return { advantages: outputMatrix(adv, [rows, cols], dtype), returns: new Matrix(returns, [rows, cols]) };
}

import { Matrix, parseConfig } from "@rl/core/arrays";
import { z } from "zod";
import { outputArray, outputDtype, outputMatrix } from "../output.js";
import { parseTokenRewards } from "./parse-batch.js";
import type { AdvantageResult, TokenRewardBatch } from "./types.js";
import { whitenInPlace } from "./whiten.js";

/**
 * Config of {@link reinforcePlusPlusAdvantages} (verl defaults).
 * - `gamma` (1): discount.
 * - `whiten` (true): global (batch) advantage normalisation.
 * - `unbiased` (true): Bessel-corrected variance in the whitening (OpenRLHF: false).
 * - `epsilon` (1e-8): added to the variance under the square root.
 * - `dtype` ("float32"): storage of `advantages` and `returns` (see `outputDtype`); `"float64"`
 *   keeps every bit of the float64 arithmetic.
 */
export const reinforcePlusPlusConfig = z.object({
  gamma: z.number().min(0).max(1).default(1),
  whiten: z.boolean().default(true),
  unbiased: z.boolean().default(true),
  epsilon: z.number().nonnegative().default(1e-8),
  dtype: outputDtype,
});
export type ReinforcePlusPlusConfig = z.input<typeof reinforcePlusPlusConfig>;

/**
 * REINFORCE++ (arXiv:2501.03262): critic-free token returns, normalised over the whole batch.
 *
 *   G_t = r_t + γ·G_{t+1}   (right to left; the carry is multiplied by mask_t after G_t is written,
 *                            so an interior masked token cuts the chain, as in verl)
 *   A = maskedWhiten(G) · mask         returns = G · mask
 *
 * `tokenRewards` should already hold the `−β·KL_t` tokens when KL is in the reward
 * (see `klPenalizedRewards`). Edge cases: ≤ 1 valid token in the batch or all returns equal →
 * advantages 0 (verl raises); padding is 0 in both outputs.
 *
 * @example
 * reinforcePlusPlusAdvantages({ tokenRewards: [[-0.1, 0, 1], [0, 0.5, 0]], mask: [[1, 1, 1], [1, 1, 0]] })
 *   .returns.toArray(); // [[0.9, 1, 1], [0.5, 0.5, 0]]
 */
export function reinforcePlusPlusAdvantages(batch: TokenRewardBatch, config: ReinforcePlusPlusConfig = {}): AdvantageResult {
  const fn = "reinforcePlusPlusAdvantages";
  const { gamma, whiten, unbiased, epsilon, dtype } = parseConfig(reinforcePlusPlusConfig, config, fn);
  const { rows, cols, mask, rewards } = parseTokenRewards(batch, fn);
  const r = rewards as NonNullable<typeof rewards>;
  // the carry stays a float64 local; `returns` (output storage) is written once and never read
  const returns = outputArray(rows * cols, dtype);
  const adv = new Float64Array(rows * cols); // float64 scratch for the whitening
  for (let b = 0; b < rows; b++) {
    const base = b * cols;
    let carry = 0;
    for (let t = cols - 1; t >= 0; t--) {
      const k = base + t;
      const g = (r[k] as number) + gamma * carry;
      if ((mask[k] as number) !== 0) {
        returns[k] = g;
        adv[k] = g;
        carry = g;
      } else carry = 0;
    }
  }
  if (whiten) whitenInPlace(adv, mask, { unbiased, epsilon, placement: "inside" });
  return { advantages: outputMatrix(adv, [rows, cols], dtype), returns: new Matrix(returns, [rows, cols]) };
}

import { Matrix, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { outputArray, outputDtype, assertFiniteOutput } from "../output.js";
import { parseTokenRewards, vectorOf } from "./parse-batch.js";
import type { AdvantageResult, TokenRewardBatch } from "./types.js";

/** Input of {@link remaxAdvantages}: token rewards, mask and the greedy baseline per row. */
export interface RemaxBatch extends TokenRewardBatch {
  /** `[B]`: the reward of the greedy (argmax) response to row b's prompt, computed by the caller. */
  readonly baselines: MatrixLike;
}

/**
 * Config of {@link remaxAdvantages} (ReMax itself has no knobs).
 * - `dtype` ("float32"): storage of `advantages` and `returns` (see `outputDtype`); `"float64"`
 *   keeps every bit of the float64 arithmetic.
 */
export const remaxConfig = z.object({
  dtype: outputDtype,
});
export type RemaxConfig = z.input<typeof remaxConfig>;

/**
 * ReMax (arXiv:2310.10505): REINFORCE with the greedy response's reward as the baseline.
 *
 *   returns_{i,t} = Σ_{t'≥t} r_{i,t'}·mask_{i,t'}        A_{i,t} = (returns_{i,t} − b_i) · mask_{i,t}
 *
 * No normalisation. KL tokens in `tokenRewards` make A vary along the sequence. Edge cases:
 * missing or wrong-length `baselines` → `RLError`; padding (and interior masked tokens) are 0
 * in both outputs.
 *
 * @example
 * remaxAdvantages({ tokenRewards: [[-0.02, 0, 1.05]], mask: [[1, 1, 1]], baselines: [0.4] })
 *   .advantages.toArray(); // [[0.63, 0.65, 0.65]]
 */
export function remaxAdvantages(batch: RemaxBatch, config: RemaxConfig = {}): AdvantageResult {
  const fn = "remaxAdvantages";
  const { dtype } = parseConfig(remaxConfig, config, fn);
  const { rows, cols, mask, rewards } = parseTokenRewards(batch, fn);
  const r = rewards as NonNullable<typeof rewards>;
  const baselines = vectorOf(batch.baselines, "baselines", rows, fn);
  // the running sum stays a float64 local; each output entry is written once and never read
  const returns = outputArray(rows * cols, dtype);
  const adv = outputArray(rows * cols, dtype);
  for (let b = 0; b < rows; b++) {
    const base = b * cols;
    const baseline = baselines[b] as number;
    let carry = 0;
    for (let t = cols - 1; t >= 0; t--) {
      const k = base + t;
      if ((mask[k] as number) === 0) continue;
      carry += r[k] as number;
      returns[k] = carry;
      adv[k] = carry - baseline;
    }
  }
  assertFiniteOutput(returns, cols, fn, "returns");
  assertFiniteOutput(adv, cols, fn, "advantages");
  return { advantages: new Matrix(adv, [rows, cols]), returns: new Matrix(returns, [rows, cols]) };
}

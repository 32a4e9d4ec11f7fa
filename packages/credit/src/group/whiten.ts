// Internal: masked whitening over the whole batch, in place, fused for the estimators.
import type { MatrixData } from "@rl/core/arrays";

/** How the ε enters: verl adds it under the square root, OpenRLHF clamps the variance. */
export type EpsilonPlacement = "inside" | "clampVariance";

/**
 * In place: `x ← (x − μ)/sqrt(σ² + ε)` (or `/sqrt(max(σ², ε))`) on `mask = 1`, 0 elsewhere;
 * μ and σ² over every valid entry of the batch, σ² unbiased when asked. With ≤ 1 valid entry
 * σ² = 0 and every valid entry maps to 0 (verl raises there).
 */
export function whitenInPlace(
  x: Float64Array,
  mask: MatrixData,
  options: { unbiased: boolean; epsilon: number; placement: EpsilonPlacement },
): void {
  let s = 0;
  let n = 0;
  for (let k = 0; k < x.length; k++) {
    if ((mask[k] as number) !== 0) {
      s += x[k] as number;
      n++;
    }
  }
  const mean = n > 0 ? s / n : 0;
  let ss = 0;
  for (let k = 0; k < x.length; k++) {
    if ((mask[k] as number) !== 0) {
      const d = (x[k] as number) - mean;
      ss += d * d;
    }
  }
  const denom = options.unbiased ? n - 1 : n;
  const variance = denom > 0 ? ss / denom : 0;
  const scale =
    options.placement === "inside" ? 1 / Math.sqrt(variance + options.epsilon) : 1 / Math.sqrt(Math.max(variance, options.epsilon));
  for (let k = 0; k < x.length; k++) {
    if ((mask[k] as number) !== 0) {
      const w = ((x[k] as number) - mean) * scale;
      x[k] = n > 1 ? w : 0;
    } else x[k] = 0;
  }
}

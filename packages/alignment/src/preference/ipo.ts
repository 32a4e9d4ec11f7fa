import { parseConfig } from "@rl/core";
import { z } from "zod";
import { dpoLoss, type PairwiseLogProbs } from "./dpo.js";
import type { PreferenceLossOutput } from "./preference-metrics.js";

/** Config of {@link ipoLoss}. */
export const ipoConfig = z.object({
  /** τ of the paper (TRL `beta`): the target margin is `1/(2τ)`. Default 0.1 (TRL). */
  beta: z.number().positive().finite().default(0.1),
  /** `"length"`: per-token average log-ratios (TRL, conformance); `"none"`: sums (OpenRLHF, paper as written). */
  normalize: z.enum(["length", "none"]).default("length"),
});
/** The input form of `ipoConfig` (every field optional; defaults filled by parsing). */
export type IpoConfig = z.input<typeof ipoConfig>;

/**
 * IPO, Identity Preference Optimisation (Azar et al. 2023, arXiv:2310.12036; docs/alignment/preference.md): regress the
 * log-ratio margin to a finite target instead of pushing it to infinity.
 *
 *   length: h = ℓ_c/max(len_c,1) − ℓ_r/max(len_r,1)      none: h = ℓ_c − ℓ_r
 *   L = (h − 1/(2β))²,  loss = mean L
 *
 * Same as `dpoLoss(…, { lossType: "ipo", ipoNormalize })`; rewards are `βℓ` (sums). Lengths are
 * required with `normalize: "length"`. Quadratic, never saturates: clip gradients.
 *
 * @example
 * ipoLoss({ policyChosen, policyRejected, refChosen, refRejected, chosenLengths, rejectedLengths }, { beta: 0.5 });
 * // E1: losses [0.455625, 1.395352], loss 0.925488
 * @remarks arXiv:2310.12036
 */
export function ipoLoss(inputs: PairwiseLogProbs, config: IpoConfig = {}): PreferenceLossOutput {
  const { beta, normalize } = parseConfig(ipoConfig, config, "ipoLoss");
  return dpoLoss(inputs, { beta, lossType: "ipo", ipoNormalize: normalize });
}

import { fusedPolicyLoss, fusedPolicyLossAvailable, type FusedPolicyLossConfig, type FusedPolicyLossMetrics } from "@rl/core";
import type { PolicyLossOutput, TokenPolicyInputs } from "./policy-inputs.js";

/**
 * The fused path of a token-level policy loss: core's `fusedPolicyLoss` (one pass, hand-written
 * backward) when it runs on this backend and the inputs carry nothing it does not read
 * (`refLogProbs`, `samplingLogProbs`, `entropies`, `importanceSamplingRatio` are also checked for
 * NaN by the composite path, so their presence keeps it). `undefined` means "use the composite".
 * Outputs, metrics and errors equal the composite's (tested in `test/policy/fused.test.ts`).
 */
export function fusedPolicyPath<M extends string>(
  inputs: TokenPolicyInputs,
  config: FusedPolicyLossConfig,
  fn: string,
  pick: (m: FusedPolicyLossMetrics) => Record<M, number>,
): PolicyLossOutput<M> | undefined {
  if (inputs.refLogProbs !== undefined || inputs.samplingLogProbs !== undefined || inputs.entropies !== undefined || inputs.importanceSamplingRatio !== undefined) {
    return undefined;
  }
  if (!fusedPolicyLossAvailable(config)) return undefined;
  const { loss, perToken, metrics } = fusedPolicyLoss(inputs, config, fn);
  return { loss, perToken, metrics: pick(metrics) };
}

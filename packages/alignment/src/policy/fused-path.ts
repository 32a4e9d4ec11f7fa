import { assertTensorMask, fusedPolicyLoss, fusedPolicyLossAvailable, type FusedPolicyLossConfig, type FusedPolicyLossMetrics } from "@rl/core";
import type { PolicyLossOutput, TokenPolicyInputs } from "./policy-inputs.js";

/**
 * The fused path of a token-level policy loss: core's `fusedPolicyLoss` (one pass, hand-written
 * backward) when it runs on this backend and the inputs carry nothing it does not read
 * (`refLogProbs`, `samplingLogProbs`, `entropies`, `importanceSamplingRatio` are also checked for
 * NaN by the composite path, so their presence keeps it). `undefined` means "use the composite".
 * Outputs, metrics and errors equal the composite's (tested in `test/policy/fused.test.ts`).
 * The mask's 0/1 check is this function's: the kernel does it in its pass, and on the way back to
 * the composite it is done here (callers pass `checkMask: false` to `checkPolicyInputs`).
 */
export function fusedPolicyPath<M extends string>(
  inputs: TokenPolicyInputs,
  config: FusedPolicyLossConfig,
  fn: string,
  pick: (m: FusedPolicyLossMetrics) => Record<M, number>,
): PolicyLossOutput<M> | undefined {
  const extra = inputs.refLogProbs !== undefined || inputs.samplingLogProbs !== undefined || inputs.entropies !== undefined || inputs.importanceSamplingRatio !== undefined;
  if (extra || !fusedPolicyLossAvailable(config)) {
    assertTensorMask(inputs.mask, fn);
    return undefined;
  }
  const { loss, perToken, metrics } = fusedPolicyLoss(inputs, config, fn);
  return { loss, perToken, metrics: pick(metrics) };
}

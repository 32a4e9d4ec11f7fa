export type { TokenPolicyInputs, PolicyLossOutput } from "./policy-inputs.js";
export {
  ppoPolicyLoss,
  type PpoPolicyLossConfig,
  ppoPolicyLossConfig,
  type PpoPolicyMetric,
} from "./ppo-policy-loss.js";
export {
  grpoLoss,
  type GrpoLossConfig,
  grpoLossConfig,
  type GrpoLossOutput,
  type GrpoLossType,
  grpoLossTypes,
  type GrpoMetric,
} from "./grpo-loss.js";
export {
  gspoLoss,
  type GspoLossConfig,
  gspoLossConfig,
  type GspoMetric,
} from "./gspo-loss.js";
export {
  cispoLoss,
  type CispoLossConfig,
  cispoLossConfig,
} from "./cispo-loss.js";
export {
  sapoLoss,
  type SapoLossConfig,
  sapoLossConfig,
} from "./sapo-loss.js";
export {
  gpgLoss,
  type GpgLossConfig,
  gpgLossConfig,
} from "./gpg-loss.js";
export {
  gmpoLoss,
  type GmpoLossConfig,
  gmpoLossConfig,
} from "./gmpo-loss.js";
export {
  type RlooSequenceInputs,
  rlooSequenceLoss,
  type RlooSequenceLossConfig,
  rlooSequenceLossConfig,
  type RlooSequenceLossOutput,
} from "./rloo-sequence-loss.js";
export {
  clipCovLoss,
  type ClipCovLossConfig,
  clipCovLossConfig,
  klCovLoss,
  type KlCovLossConfig,
  klCovLossConfig,
} from "./covariance-losses.js";
export {
  klPenalty,
  type KlPenaltyConfig,
  klPenaltyConfig,
  type KlPenaltyOutput,
} from "./kl-penalty.js";
export {
  entropyBonus,
  type EntropyBonusConfig,
  entropyBonusConfig,
  type EntropyBonusOutput,
} from "./entropy-bonus.js";
export {
  adaptiveEntropyController,
  type AdaptiveEntropyControllerConfig,
  adaptiveEntropyControllerConfig,
  type AdaptiveEntropyState,
  type EntropyWindow,
} from "./adaptive-entropy-controller.js";
export {
  valueLoss,
  type ValueLossConfig,
  valueLossConfig,
  type ValueLossInputs,
  type ValueLossOutput,
} from "./value-loss.js";
export { vespoLoss, vespoLossConfig, vespoWeights, type VespoLossConfig, type VespoShape } from "./vespo-loss.js";
export {
  highEntropyTokenMask,
  linearQuantile,
  offPolicySequenceMask,
} from "./token-masks.js";
export {
  type VllmImportanceSamplingConfig,
  vllmImportanceSamplingConfig,
  type VllmImportanceSamplingMetric,
  type VllmImportanceSamplingMode,
  vllmImportanceSamplingModes,
  type VllmImportanceSamplingOutput,
  vllmImportanceSamplingRatio,
} from "./vllm-importance-sampling.js";
export {
  type BypassModeInputs,
  bypassModeLoss,
  type BypassModeLossConfig,
  bypassModeLossConfig,
  rolloutCorrection,
  type RolloutCorrectionConfig,
  rolloutCorrectionConfig,
  type RolloutCorrectionOutput,
  type RolloutImportanceMetric,
  rolloutImportanceWeights,
  type RolloutImportanceWeightsConfig,
  rolloutImportanceWeightsConfig,
  type RolloutImportanceWeightsOutput,
  type RolloutOffPolicyMetric,
  rolloutOffPolicyMetrics,
  type RolloutRejectionConfig,
  rolloutRejectionConfig,
  rolloutRejectionCriteriaFromVerl,
  type RolloutRejectionCriterion,
  rolloutRejectionCriterion,
  rolloutRejectionMask,
  type RolloutRejectionMaskOutput,
  type RolloutRejectionMetricSuffix,
} from "./rollout-correction.js";
/** The building blocks the token policy losses are recipes over (importance ratio, surrogates, dual clip, KL term, token masks, VESPO weight). */
export * as policyBlocks from "./blocks.js";

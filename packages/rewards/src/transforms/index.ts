export {
  statelessTransform,
  type RewardBatch,
  type RewardContext,
  type RewardTransform,
  type RewardTransformInput,
} from "./types.js";
export {
  type AnyRewardTransform,
  type ChainState,
  chainTransforms,
} from "./chain.js";
export {
  clipRewards,
  type ClipRewardsConfig,
  clipRewardsConfig,
  clipTransform,
  emptyRunningRewardStats,
  normalizeRewards,
  type NormalizeRewardsConfig,
  normalizeRewardsConfig,
  normalizeTransform,
  runningRewardNormalizer,
  type RunningRewardNormalizerConfig,
  runningRewardNormalizerConfig,
  type RunningRewardStats,
  updateRunningRewardStats,
} from "./normalize.js";
export {
  groupZScoreRewards,
  type GroupZScoreRewardsConfig,
  groupZScoreRewardsConfig,
} from "./group-z-score.js";
export {
  lscReference,
  lscReferenceConfig,
  logSigmoidCentered,
  andCombine,
  lscTransform,
  lscTransformConfig,
  type LscReferenceConfig,
  type LscTransformConfig,
} from "./lsc.js";
export {
  centeredReward,
  parTransform,
  type ParTransformConfig,
  parTransformConfig,
  preferenceAsReward,
  type PreferenceAsRewardConfig,
  preferenceAsRewardConfig,
} from "./par.js";
export {
  ensembleRewards,
  type EnsembleRewardsConfig,
  ensembleRewardsConfig,
} from "./ensemble.js";
export {
  aggregateSteps,
  type AggregateStepsConfig,
  aggregateStepsConfig,
} from "./step-aggregation.js";
export {
  clipDeltaStepRewards,
  clipStepRewards,
  type ClipStepRewardsConfig,
  clipStepRewardsConfig,
  deltaStepRewards,
} from "./step-shaping.js";
export {
  parseVerbalizedConfidence,
  ppoCalibration,
  type PpoCalibrationConfig,
  ppoCalibrationConfig,
} from "./ppo-calibration.js";

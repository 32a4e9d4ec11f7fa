export {
  pairwiseAccuracy,
  type PairwiseAccuracyConfig,
  pairwiseAccuracyConfig,
  type PairwiseAccuracyResult,
} from "./pairwise-accuracy.js";
export {
  REWARD_BENCH_V1_COUNTS,
  REWARD_BENCH_V1_SECTIONS,
  rewardBenchScores,
  type RewardBenchScoresOptions,
  rewardBenchV2BestOf,
} from "./reward-bench.js";
export {
  bestOfNAccuracy,
  type BestOfNAccuracyConfig,
  bestOfNAccuracyConfig,
  type BestOfNCandidate,
  bestOfNSelect,
  weightedSelfConsistency,
  type WeightedSelfConsistencyConfig,
  weightedSelfConsistencyConfig,
} from "./best-of-n.js";
export {
  expectedCalibrationError,
  type ExpectedCalibrationErrorConfig,
  expectedCalibrationErrorConfig,
} from "./calibration.js";
export {
  completionStepLabels,
  type CompletionStepLabelsConfig,
  completionStepLabelsConfig,
  consensusFilter,
  firstErrorStep,
  monteCarloStepLabels,
  type MonteCarloStepLabelsConfig,
  monteCarloStepLabelsConfig,
} from "./step-labels.js";
export {
  firstErrorF1,
  type FirstErrorF1Config,
  firstErrorF1Config,
  prmStepAccuracy,
} from "./process-bench.js";

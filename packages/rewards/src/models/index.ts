export {
  type BradleyTerryConfig,
  bradleyTerryConfig,
  type BradleyTerryInput,
  bradleyTerryLoss,
  type PairwiseLossResult,
  type PairwiseMetrics,
  pairwiseMetrics,
} from "./bradley-terry-loss.js";
export {
  type BtRegressionConfig,
  btRegressionConfig,
  type BtRegressionInput,
  btRegressionLoss,
  type ScaledBradleyTerryConfig,
  scaledBradleyTerryConfig,
  type ScaledBradleyTerryInput,
  scaledBradleyTerryLoss,
} from "./helpsteer-loss.js";
export {
  preferenceStrength,
} from "./preference-strength.js";
export {
  type RegressionConfig,
  regressionConfig,
  type RegressionInput,
  regressionLoss,
  type RegressionLossResult,
} from "./regression-loss.js";
export {
  type HlGaussConfig,
  hlGaussConfig,
  hlGaussDecode,
  type HlGaussInput,
  hlGaussLoss,
  hlGaussTargets,
} from "./hl-gauss.js";
export {
  type OutcomeClassificationConfig,
  outcomeClassificationConfig,
  type OutcomeClassificationInput,
  outcomeClassificationLoss,
} from "./outcome-loss.js";
export {
  buildPrmExample,
  IGNORE_LABEL,
  type PrmExampleConfig,
  prmExampleConfig,
  type PrmExampleInput,
} from "./prm-layout.js";
export {
  prmStepLoss,
  type PrmStepLossConfig,
  prmStepLossConfig,
  type PrmStepLossInput,
} from "./prm-loss.js";
export {
  type ImplicitPrmCeConfig,
  implicitPrmCeConfig,
  type ImplicitPrmCeInput,
  implicitPrmCeLoss,
  implicitStepRewards,
  type ImplicitStepRewardsConfig,
  implicitStepRewardsConfig,
} from "./implicit-prm.js";
export {
  gpmLoss,
  type GpmLossConfig,
  gpmLossConfig,
  type GpmLossInput,
  gpmPreferenceScore,
} from "./gpm.js";
export {
  armoGatingLoss,
  type ArmoGatingLossInput,
  armoScore,
  type ArmoScoreConfig,
  armoScoreConfig,
  type ArmoScoreInput,
  createGatingNetwork,
  type GatingNetwork,
  type GatingNetworkConfig,
  gatingNetworkConfig,
} from "./armo.js";
export {
  createEmbeddingEncoder,
  type EmbeddingEncoderConfig,
  embeddingEncoderConfig,
  type Encoder,
  layersModelEncoder,
} from "./encoder.js";
export {
  lastTokenIndex,
  lastTokenPool,
} from "./scalar-head.js";
export {
  type AtomicWriteOptions,
  type Checkpoint,
  checkpointSchema,
  loadVariables,
  saveVariables,
  writeFileAtomic,
} from "./checkpoint.js";
export {
  createRewardModel,
  type FitOptions,
  fitOptionsSchema,
  type FitProgress,
  type FitResult,
  type PreferenceExample,
  preferenceExampleSchema,
  type RewardModel,
  type RewardModelConfig,
  rewardModelConfig,
  type RewardObjective,
  type ScalarExample,
  scalarExampleSchema,
  type StepExample,
  stepExampleSchema,
  type TrainingExample,
} from "./reward-model.js";
export type { TensorLike1D, TensorLike2D, TensorLike3D, Reduction } from "./tensor-input.js";

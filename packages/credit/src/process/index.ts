export { placeStepRewards, placeStepRewardsConfig, type PlaceStepRewardsConfig, type StepRewardsOnTokens } from "./place-step-rewards.js";
export {
  sumFormReturns,
  sumFormReturnsConfig,
  strictMinReturns,
  type SumFormReturnsConfig,
} from "./step-returns.js";
export { minFormRewards, minFormRewardsConfig, type MinFormRewardsConfig } from "./min-form.js";
export { prmStepScores } from "./prm-step-scores.js";
export { pureRewards, pureAdvantages, pureConfig, type PureConfig, type PureInput } from "./pure.js";
export {
  clipShaping,
  clipShapingConfig,
  deltaShaping,
  shapeStepRewards,
  shapeStepRewardsConfig,
  type ClipShapingConfig,
  type ShapeStepRewardsConfig,
} from "./shaping.js";
export {
  implicitProcessRewards,
  implicitProcessRewardsConfig,
  type ImplicitProcessRewardsConfig,
} from "./implicit.js";
export { primeAdvantages, primeConfig, type PrimeConfig, type PrimeInput } from "./prime.js";
export { progressRewards, progressRewardsConfig, bestOfKValue, type ProgressRewardsConfig } from "./pav.js";
export {
  posteriorGrpoAdvantages,
  posteriorGrpoConfig,
  type PosteriorGrpoConfig,
  type PosteriorGrpoInput,
} from "./posterior-grpo.js";
export { capoVotes, capoVotesConfig, type CapoVotesConfig } from "./capo-votes.js";
export { capoAdvantages, capoConfig, type CapoConfig, type CapoInput } from "./capo.js";
export { processDefinitions } from "./definitions.js";
export { igpoTurnRewards, igpoConfig, type IgpoConfig, type IgpoInput, type IgpoTurnRewards } from "./igpo.js";

export {
  type AdvantageResult,
  type GroupBatch,
  type GroupDiagnostics,
  type GroupIds,
  outputBuffer,
  type OutputDtype,
  outputDtype,
  type TokenRewardBatch,
} from "./types.js";
export {
  grpoAdvantages,
  type GrpoConfig,
  grpoConfig,
  singletonPolicies,
} from "./grpo.js";
export {
  grpoPasskAdvantages,
  type GrpoPasskConfig,
  grpoPasskConfig,
} from "./grpo-passk.js";
export {
  rlooAdvantages,
  type RlooConfig,
  rlooConfig,
} from "./rloo.js";
export {
  opoAdvantages,
  type OpoConfig,
  opoConfig,
} from "./opo.js";
export {
  optimalTokenBaselineAdvantages,
  type OptimalTokenBaselineBatch,
  type OptimalTokenBaselineConfig,
  optimalTokenBaselineConfig,
  tirOptimalTokenBaselineAdvantages,
  type TirOptimalTokenBaselineConfig,
  tirOptimalTokenBaselineConfig,
} from "./optimal-token-baseline.js";
export {
  gpgAdvantages,
  type GpgConfig,
  gpgConfig,
} from "./gpg.js";
export {
  reinforcePlusPlusAdvantages,
  type ReinforcePlusPlusConfig,
  reinforcePlusPlusConfig,
} from "./reinforce-plus-plus.js";
export {
  reinforcePlusPlusBaselineAdvantages,
  type ReinforcePlusPlusBaselineConfig,
  reinforcePlusPlusBaselineConfig,
} from "./reinforce-plus-plus-baseline.js";
export {
  remaxAdvantages,
  type RemaxBatch,
  type RemaxConfig,
  remaxConfig,
} from "./remax.js";
export {
  multiObjectiveOutcomes,
  type MultiObjectiveOutcomesConfig,
  multiObjectiveOutcomesConfig,
} from "./multi-objective-outcomes.js";
export {
  groupPresets,
} from "./presets.js";
export {
  type CreditAssigner,
  type CreditBatch,
  type CreditDefinition,
  defineCreditAssigner,
} from "./credit-definition.js";
export {
  drGrpoDefinition,
  gaeDefinition,
  gpgDefinition,
  groupCreditDefinitions,
  grpoDefinition,
  grpoPasskDefinition,
  opoDefinition,
  optimalTokenBaselineDefinition,
  reinforcePlusPlusBaselineDefinition,
  reinforcePlusPlusDefinition,
  remaxDefinition,
  rlooDefinition,
  tirOptimalTokenBaselineDefinition,
} from "./definitions.js";

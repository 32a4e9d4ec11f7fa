export { dpoLoss, dpoConfig, dpoLossTypes, type DpoConfig, type DpoLossType, type PairwiseLogProbs } from "./dpo.js";
export { fDivergenceScore, fDivergenceConfig, fDivergenceTypes, type FDivergenceConfig, type FDivergenceType } from "./f-divergence.js";
export { pairwiseMetrics, type PreferenceLossOutput, type PreferenceMetricName } from "./preference-metrics.js";
export { bcoRewardShift, type BcoRewardShiftInput, type BcoRewardShiftState } from "./bco-reward-shift.js";
export { ipoLoss, ipoConfig, type IpoConfig } from "./ipo.js";
export { simpoLoss, simpoConfig, type SimpoConfig, type SimpoInputs } from "./simpo.js";
export { cpoLoss, cpoConfig, type CpoConfig, type CpoInputs, type CpoMetricName } from "./cpo.js";
export { orpoLoss, orpoConfig, type OrpoConfig, type OrpoInputs, type OrpoOutput, type OrpoMetricName } from "./orpo.js";
export { ktoLoss, ktoConfig, type KtoConfig, type KtoInputs, type KtoOutput, type KtoMetricName } from "./kto.js";
export {
  betaDpoController,
  betaDpoLoss,
  betaDpoConfig,
  type BetaDpoConfig,
  type BetaDpoState,
  type BetaDpoStep,
  type BetaDpoStepInput,
  type BetaDpoOutput,
  type BetaDpoMetricName,
} from "./beta-dpo.js";
export { madpoLoss, madpoWeights, madpoConfig, madpoWeightConfig, type MadpoConfig, type MadpoWeightConfig, type MadpoMetricName } from "./madpo.js";
export { copgLoss, copgConfig, type CopgConfig, type CopgInputs, type CopgOutput, type CopgMetricName } from "./copg.js";
export { tregLoss, tregTokenRewards, tregConfig, type TregConfig, type TregTokens, type TregMetricName } from "./treg.js";
export {
  treePreferenceLoss,
  treeStepLogRatios,
  treeStepRewards,
  treeStepWeights,
  treePreferenceConfig,
  type TreePreferenceConfig,
  type TreePreferenceOutput,
  type TreePreferenceMetricName,
} from "./tree-preference.js";
export { ldDpoSequenceLogProbs, ldDpoConfig, type LdDpoConfig } from "./ld-dpo.js";
export { wpoSequenceWeights } from "./wpo.js";
export {
  pairedSequenceLogProbs,
  pairedSequenceLogProbsConfig,
  type PairedSequenceLogProbs,
  type PairedSequenceLogProbsConfig,
} from "./paired-log-probs.js";
export { bcoLoss, bcoConfig, bcoRunningMoments, type BcoConfig, type BcoInputs, type BcoOutput, type BcoMetricName, type BcoRunningMomentsState } from "./bco.js";
export { onlineDpoLoss, onlineDpoConfig, type OnlineDpoConfig, type OnlineDpoOutput, type OnlineDpoMetricName } from "./online-dpo.js";
export type { TwoCompletionLogProbs } from "./online-pairs.js";
export { xpoLoss, xpoConfig, type XpoConfig, type XpoOutput, type XpoMetricName } from "./xpo.js";
export {
  nashMdLoss,
  nashMdConfig,
  geometricMixtureLogits,
  geometricMixtureConfig,
  type NashMdConfig,
  type NashMdInputs,
  type NashMdOutput,
  type NashMdMetricName,
  type GeometricMixtureConfig,
} from "./nash-md.js";
export { dnoLoss, dnoConfig, type DnoConfig, type DnoInputs, type DnoOutput, type DnoMetricName } from "./dno.js";

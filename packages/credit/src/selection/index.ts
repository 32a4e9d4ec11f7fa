export type { DroppedRow, SelectionResult } from "./types.js";
export {
  type DynamicSamplingConfig,
  dynamicSamplingConfig,
  dynamicSamplingFilter,
  type DynamicSamplingInput,
  type DynamicSamplingReason,
  type DynamicSamplingResult,
} from "./dynamic-sampling.js";
export {
  type PfPpoConfig,
  pfPpoConfig,
  pfPpoResample,
  type PfPpoResampleResult,
  pfPpoWeights,
} from "./pf-ppo.js";
export {
  type PromptCurriculumConfig,
  promptCurriculumConfig,
  type PromptCurriculumReason,
  promptCurriculumSelection,
} from "./prompt-curriculum.js";
export {
  type RewardRankedConfig,
  rewardRankedConfig,
  type RewardRankedInput,
  type RewardRankedReason,
  rewardRankedSelection,
} from "./reward-ranked.js";

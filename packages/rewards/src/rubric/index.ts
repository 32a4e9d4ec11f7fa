export {
  parseRubric,
  type Rubric,
  type RubricCategory,
  rubricCategorySchema,
  type RubricCriterion,
  type RubricCriterionInput,
  rubricCriterionSchema,
  type RubricInput,
  type RubricJudge,
  rubricSchema,
  type RubricVerdict,
} from "./rubric-schema.js";
export {
  aggregateRubric,
  type AggregateRubricConfig,
  aggregateRubricConfig,
  normalizeLikert,
  type RubricAggregate,
} from "./aggregate-rubric.js";
export {
  type ChatCompletionsGenerativeJudgeConfig,
  chatCompletionsGenerativeJudgeConfig,
  type ChatCompletionsJudgeConfig,
  chatCompletionsJudgeConfig,
  createChatCompletionsGenerativeJudge,
  createChatCompletionsJudge,
  type GenerativeJudge,
  type JudgeEvent,
  type JudgeMessage,
  parseJudgeVerdict,
} from "./chat-completions-judge.js";
export {
  rubricReward,
  type RubricRewardConfig,
  rubricRewardConfig,
  type RubricRewardResult,
} from "./rubric-reward.js";
export {
  type CachedGenerativeJudge,
  cachedGenerativeJudge,
  type CachedGenerativeJudgeConfig,
  cachedGenerativeJudgeConfig,
  type CachedJudge,
  cachedJudge,
  type CachedJudgeConfig,
  cachedJudgeConfig,
} from "./cached-judge.js";
export {
  parseSpctScores,
  type ParseSpctScoresConfig,
  parseSpctScoresConfig,
  type SpctJudgement,
  type SpctMetaRm,
  spctPrompt,
  spctReward,
  type SpctRewardConfig,
  spctRewardConfig,
  type SpctRewardResult,
} from "./spct.js";

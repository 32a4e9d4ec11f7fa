/**
 * The `@rl/core/clients` entry point: log-prob semantics, parsers for OpenAI-compatible,
 * vLLM and llama.cpp log-prob responses, and rollout collection from a sampling client.
 * @module @rl/core/clients
 */
export {
  logProbSemanticsSchema,
  sameLogProbSemantics,
  describeSemantics,
  tokenIdFromText,
  type LogProbSemantics,
  type LogProbSemanticsInput,
  type LogProbBatch,
  type SampledSequence,
  type SampledToken,
  type TokenAlternative,
} from "./log-prob-batch.js";
export {
  parseChatCompletionLogProbs,
  chatCompletionResponseSchema,
  chatLogProbsConfig,
  OPENAI_UNLIKELY_LOGPROB,
  type ChatLogProbsConfig,
} from "./openai-chat.js";
export {
  parseLlamaCppCompletion,
  llamaCppCompletionSchema,
  llamaCppLogProbsConfig,
  type LlamaCppLogProbsConfig,
} from "./llama-cpp.js";
export {
  parseVllmPromptLogProbs,
  vllmPromptLogProbsResponseSchema,
  vllmPromptLogProbsConfig,
  type VllmPromptLogProbsConfig,
  type PromptLogProbs,
} from "./vllm-prompt-log-probs.js";
export { toRolloutGroup, toRolloutGroupConfig, type ToRolloutGroupConfig } from "./to-rollout-group.js";
export {
  rescaleLogProbTemperature,
  rescaleLogProbTemperatureConfig,
  type RescaleLogProbTemperatureConfig,
} from "./rescale-temperature.js";
export { importanceLogRatios, importanceLogRatiosConfig, type ImportanceLogRatiosConfig } from "./importance-log-ratios.js";
export { resolveApiKey, type ApiKeyOptions } from "./api-key.js";
export {
  collectRollouts,
  collectRolloutsConfig,
  type CollectRolloutsConfig,
  type CollectedRollouts,
  type RolloutFailure,
  type RolloutPrompt,
  type RolloutRewardFn,
  type RolloutRewardInput,
  type ChatMessage,
} from "./collect-rollouts.js";

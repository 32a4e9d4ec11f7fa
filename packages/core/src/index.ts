/**
 * `@rl/core`: the shared tensor layer of @rl: backends, Matrix, masked statistics,
 * log-probs, KL estimators, loss aggregation, schemas, errors, seeded randomness and the
 * plugin registry.
 * @module @rl/core
 */
export { tf, isTensor, type Tensor, type Rank } from "./tf.js";
export type { LayersModelLike } from "./layers-model.js";
export { RLError, toRLError, tryRL, formatIssues, type RLErrorCode, type RLIssue } from "./errors.js";
export { parseConfig, parseInput, isZod4Schema, assertZod4Schema } from "./config.js";
export {
  assertTensor,
  assertTensorMask,
  assertMaskValues,
  assertFiniteNumber,
  assertInteger,
  assertState,
  assertFiniteResult,
  describeValue,
  resetGradientTape,
  type AssertTensorOptions,
} from "./validate.js";
export type { Stateful } from "./stateful.js";
export {
  ready,
  readyConfig,
  activeBackend,
  backendNames,
  backendPackages,
  type ReadyConfig,
  type BackendName,
  type BackendInfo,
} from "./backend/backend.js";
export {
  Matrix,
  assertSameShape,
  assertMask,
  toMatrix2D,
  toVector,
  type MatrixLike,
  type MatrixData,
  type MatrixFromOptions,
} from "./matrix/matrix.js";
export { splitNulls, type SplitNulls } from "./matrix/split-nulls.js";
export { indexGroups, groupMembers, type GroupIds, type GroupIndex, type IndexGroupsOptions } from "./matrix/group-index.js";
export { stopGradient } from "./math/stop-gradient.js";
export { logSigmoid, log1mexp } from "./math/log-sigmoid.js";
export {
  maskedSum,
  maskedMean,
  maskedVariance,
  maskedWhiten,
  type MaskedVarianceOptions,
  type MaskedWhitenOptions,
} from "./math/masked.js";
export { klEstimate, klEstimateConfig, klKinds, type KlKind, type KlEstimateConfig } from "./math/kl.js";
export {
  aggregateLoss,
  aggregateLossConfig,
  lossAggregationModes,
  type LossAggregation,
  type AggregateLossConfig,
} from "./math/aggregate.js";
export {
  gatherLogProbs,
  gatherLogProbsConfig,
  gatherLogProbsOneHot,
  gatherLogProbsComposite,
  sequenceLogProbs,
  sequenceLogProbsConfig,
  entropyFromLogits,
  entropyFromLogitsComposite,
  type GatherLogProbsConfig,
  type SequenceLogProbsConfig,
} from "./math/log-probs.js";
export { rlKernelNames, rlKernelBackends, fusedKernelsActive, initRlKernels } from "./kernels/index.js";
export { clipRatio, clampTensor, safeExp, clipTensorsByGlobalNorm } from "./math/clip.js";
export {
  adamWTransform,
  type AdamWTransformConfig,
  adamWTransformConfig,
  type AdamWTransformState,
  addDecayedWeights,
  type AddDecayedWeightsConfig,
  addDecayedWeightsConfig,
  applyUpdates,
  chain,
  clipByGlobalNorm,
  type ClipByGlobalNormConfig,
  clipByGlobalNormConfig,
  type CountState,
  type EmptyState,
  type GradientTransformation,
  type LearningRate,
  scaleByAdam,
  type ScaleByAdamConfig,
  scaleByAdamConfig,
  type ScaleByAdamState,
  scaleByLearningRate,
  type ScaleByLearningRateConfig,
  scaleBySchedule,
  type TransformResult,
  type Updates,
} from "./optim/index.js";
export { linear } from "./math/linear.js";
export { lmHeadLogProbs, lmHeadLogProbsConfig, type LmHeadLogProbsConfig, type LmHeadLogProbsInputs } from "./math/lm-head-log-probs.js";
export {
  fusedPolicyLoss,
  fusedPolicyLossAvailable,
  fusedPolicyLossConfig,
  fusedPolicyLossFlag,
  type FusedPolicyLossConfig,
  type FusedPolicyLossInputs,
  type FusedPolicyLossMetrics,
  type FusedPolicyLossOutput,
} from "./math/fused-policy-loss.js";
export { Rng, createRng, isRngState, type RngState } from "./random/rng.js";
export {
  generate,
  generateConfig,
  sampleToken,
  type GenerateConfig,
  type Generation,
  type LogitsModel,
  type CachedLogitsModel,
} from "./generate/generate.js";
export {
  preferencePairSchema,
  rolloutResponseSchema,
  rolloutGroupSchema,
  tokenBatchSchema,
  decodePreferencePair,
  decodeRolloutGroup,
  decodeTokenBatch,
  type PreferencePair,
  type RolloutResponse,
  type RolloutGroup,
  type TokenBatch,
} from "./schemas/data.js";
export { rolloutGroupsToBatch, type OutcomeBatch } from "./schemas/rollouts.js";
export {
  rolloutTrainingBatch,
  rolloutTrainingBatchConfig,
  batchTensors,
  type RolloutTrainingBatchConfig,
  type RolloutTrainingInput,
  type RolloutTrainingBatch,
  type BatchTensors,
} from "./batch/rollout-training-batch.js";
export { maskTruncatedCompletions, maskTruncatedCompletionsConfig, type MaskTruncatedCompletionsConfig } from "./batch/mask-truncated.js";
export type { Tokenizer, TemplateMessage, ApplyChatTemplateOptions } from "./text/tokenizer.js";
export {
  createRegistry,
  defineDefinition,
  pluginSpecVersion,
  type Definition,
  type AnyDefinition,
  type DefinitionKind,
  type Registry,
  type RegistryOptions,
} from "./registry/registry.js";
export { checkPluginOutput, guardedDefinition, isGuardedDefinition, type PluginOutputExpectations } from "./registry/plugin-output.js";
export {
  metricTable,
  metricTableConfig,
  lineChart,
  lineChartConfig,
  displayReport,
  displayable,
  show,
  escapeHtml,
  formatValue,
  jupyterDisplay,
  nodeInspect,
  type Displayable,
  type MimeBundle,
  type MetricTable,
  type MetricTableConfig,
  type MetricValue,
  type LineChart,
  type LineChartConfig,
  type ReportPart,
} from "./display/index.js";

/**
 * `@rl/core/arrays`: the array layer of `@rl/core`, without TensorFlow.js. `Matrix` and its
 * helpers, errors, config parsing, masked statistics, KL estimators and loss aggregation on
 * arrays, seeded randomness, null handling and the plugin registry: the same functions as the
 * main entry, so `@rl/credit` and the array paths of `@rl/rewards` load in a fraction of the time
 * and need no backend. The functions that also take tensors (`maskedWhiten`, `klEstimate`, …)
 * still do once `@rl/core` (the main entry, which loads tfjs) has been imported.
 * @module @rl/core/arrays
 */
export { isTensor } from "./tf-slot.js";
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
  type AssertTensorOptions,
} from "./validate.js";
export type { Stateful } from "./stateful.js";
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
export { Rng, createRng, isRngState, type RngState } from "./random/rng.js";
export { rolloutGroupsToBatch, type OutcomeBatch } from "./schemas/rollouts.js";
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

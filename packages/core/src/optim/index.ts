export { chain, applyUpdates, type GradientTransformation, type TransformResult, type Updates } from "./transform.js";
export {
  clipByGlobalNorm,
  clipByGlobalNormConfig,
  scaleByAdam,
  scaleByAdamConfig,
  addDecayedWeights,
  addDecayedWeightsConfig,
  scaleBySchedule,
  scaleByLearningRate,
  type ClipByGlobalNormConfig,
  type ScaleByAdamConfig,
  type ScaleByAdamState,
  type AddDecayedWeightsConfig,
  type ScaleByLearningRateConfig,
  type LearningRate,
  type EmptyState,
  type CountState,
} from "./transforms.js";
export { adamWTransform, adamWTransformConfig, type AdamWTransformConfig, type AdamWTransformState } from "./adamw.js";

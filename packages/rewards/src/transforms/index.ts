export {
  statelessTransform,
  type RewardBatch,
  type RewardContext,
  type RewardTransform,
  type RewardTransformInput,
} from "./types.js";
export * from "./chain.js";
export * from "./normalize.js";
export * from "./group-z-score.js";
export {
  lscReference,
  lscReferenceConfig,
  logSigmoidCentered,
  andCombine,
  lscTransform,
  lscTransformConfig,
  type LscReferenceConfig,
  type LscTransformConfig,
} from "./lsc.js";
export * from "./par.js";
export * from "./ensemble.js";
export * from "./step-aggregation.js";
export * from "./step-shaping.js";
export * from "./ppo-calibration.js";

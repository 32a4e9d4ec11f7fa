export {
  modelLogits,
  modelTokenLogProbs,
  type ModelTokenLogProbsConfig,
  modelTokenLogProbsConfig,
  type PolicyModel,
  predictionMask,
  trainableVariables,
} from "./model-log-probs.js";
export {
  precomputeRefLogProbs,
  type TokenIdsBatch,
} from "./precompute-ref-log-probs.js";
export {
  adam,
  adamW,
  type AdamWConfig,
  adamWConfig,
  type AdamWState,
  type OptimizerInput,
  type ParameterOptimizer,
} from "./adamw.js";
export {
  warmupCosineSchedule,
  type WarmupCosineScheduleConfig,
  warmupCosineScheduleConfig,
} from "./warmup-cosine-schedule.js";
export {
  type TrainBatch,
  type TrainLoss,
  type TrainLossContext,
  trainStep,
  type TrainStepConfig,
  trainStepConfig,
  type TrainStepMetrics,
} from "./train-step.js";
export {
  type ReferenceSync,
  referenceSync,
  type ReferenceSyncConfig,
  referenceSyncConfig,
  type ReferenceSyncResult,
  type ReferenceSyncState,
} from "./reference-sync.js";

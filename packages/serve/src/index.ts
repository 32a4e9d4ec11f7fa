/**
 * `@rl/serve`: rewards as a service for Ray-based trainers. An HTTP reward server speaking
 * OpenRLHF's remote reward model protocol and verl-style `compute_score` batches, and reward /
 * rollout work on BullMQ (Redis). The CLI is `rl-serve`.
 * @module @rl/serve
 */
export {
  defineRewards,
  registryReward,
  resolveRewardName,
  scoreItems,
  toScoredItem,
  abortReason,
  Semaphore,
  type RewardItem,
  type RewardOutcome,
  type RewardValue,
  type RewardCallContext,
  type RewardFunction,
  type RewardComposition,
  type ScoredItem,
} from "./composition.js";
export {
  getRewardRequest,
  computeScoreItem,
  computeScoreRequest,
  rewardQuerystring,
  labelText,
  itemsFromGetReward,
  itemsFromComputeScore,
  type GetRewardRequest,
  type ComputeScoreRequest,
} from "./protocol.js";
export { createServeMetrics, type ServeMetrics, type ServeMetricsSources } from "./metrics.js";
export { createRewardServer, rewardServerLimits, serverMetrics, type RewardServerOptions, type ServeErrorBody } from "./server.js";
export {
  createBatchQueue,
  createBatchWorker,
  redisOptions,
  rewardQueue,
  rewardWorker,
  rolloutQueue,
  rolloutWorker,
  REWARD_QUEUE,
  ROLLOUT_QUEUE,
  type RedisConnection,
  type BatchJobData,
  type BatchResult,
  type BatchQueueOptions,
  type BatchRunOptions,
  type BatchQueue,
  type BatchWorkerOptions,
  type BatchWorker,
  type RewardJobPayload,
  type RewardQueue,
  type RolloutFunction,
} from "./queue.js";
export { loadRewardConfig } from "./config.js";
export { runCli, type CliIo } from "./cli-main.js";

/**
 * `@rl/alignment/parallel`: data-parallel training across `worker_threads` (Node only): replicas of
 * the model in workers, gradients of row shards averaged into one optimizer update, sharded sampling.
 * @module @rl/alignment/parallel
 */
export { createDataParallel, dataParallelConfig, type DataParallelConfig, type DataParallelPool, type Replica, type TransferMode } from "./pool.js";
export type { ParamInfo } from "./protocol.js";
export { dataParallelStep, dataParallelStepConfig, shardRows, type DataParallelStepConfig, type DataParallelStepMetrics, type DataParallelStepOptions } from "./step.js";

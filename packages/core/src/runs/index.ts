/**
 * The `@rl/core/runs` entry point: resumable runs. Checkpoints in safetensors (variables,
 * optimizer state, step, RNG state, metadata; atomic writes, no tfjs-node) and metrics sinks
 * (JSONL, memory, TensorBoard event files).
 * @module @rl/core/runs
 */
export { encodeSafetensors, decodeSafetensors, type Safetensors, type SafetensorsEntry, type SafetensorsDtype } from "./safetensors.js";
export {
  encodeCheckpoint,
  decodeCheckpoint,
  saveCheckpoint,
  loadCheckpoint,
  restoreCheckpoint,
  type CheckpointContents,
  type LoadedCheckpoint,
  type SaveCheckpointOptions,
  type RestoreTarget,
} from "./checkpoint.js";
export { metricsRecord, jsonlMetricsSink, memoryMetricsSink, trlMetricNames, type MetricsSink, type MetricsRecord } from "./metrics-sink.js";
export {
  tensorboardMetricsSink,
  encodeTfRecord,
  decodeTfRecords,
  encodeTfEvent,
  decodeTfEvent,
  type TfEvent,
  type TensorboardSinkOptions,
} from "./tfevents.js";

export * from "./model-log-probs.js";
export * from "./precompute-ref-log-probs.js";
export * from "./adamw.js";
export * from "./warmup-cosine-schedule.js";
export * from "./train-step.js";
export * from "./reference-sync.js";

export * from "./pairwise-accuracy.js";
export * from "./reward-bench.js";
export * from "./best-of-n.js";
export * from "./calibration.js";
export * from "./step-labels.js";
export * from "./process-bench.js";

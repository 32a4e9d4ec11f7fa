/**
 * `@rl/credit`: Credit assignment for RLHF: outcome or step rewards to per-token
 * advantages (GRPO, RLOO, GAE, TEMPO, SPO, PURE, PRIME, GiGPO, ...).
 * @module @rl/credit
 */
export * from "./group/index.js";
export * from "./value/index.js";
export * from "./kl/index.js";
export * from "./tree/index.js";
export * from "./segment/index.js";
export * from "./process/index.js";
export * from "./step/index.js";
export * from "./registry.js";
export * from "./labels/index.js";
export * from "./selection/index.js";

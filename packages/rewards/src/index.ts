/**
 * `@rl/rewards`: Reward models and reward functions for RLHF: verifiable, rubric, learned
 * (Bradley-Terry, ORM, PRM), transforms, ensembles and evaluation.
 * @module @rl/rewards
 */
export * from "./verifiable/index.js";
export * from "./models/index.js";
export * from "./rubric/index.js";
export * from "./transforms/index.js";
export * from "./evaluation/index.js";
export * from "./data/reward-augmented.js";

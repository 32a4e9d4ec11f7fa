/**
 * `@rl/alignment`: Alignment losses for RLHF: DPO and variants, SimPO, ORPO, KTO, PPO /
 * GRPO / GSPO policy losses, value loss and a training step.
 * @module @rl/alignment
 */
export * from "./preference/index.js";
export * from "./policy/index.js";
export * from "./training/index.js";
export * from "./distillation/index.js";

export type { TokenPolicyInputs, PolicyLossOutput } from "./policy-inputs.js";
export * from "./ppo-policy-loss.js";
export * from "./grpo-loss.js";
export * from "./gspo-loss.js";
export * from "./cispo-loss.js";
export * from "./sapo-loss.js";
export * from "./gpg-loss.js";
export * from "./gmpo-loss.js";
export * from "./rloo-sequence-loss.js";
export * from "./covariance-losses.js";
export * from "./kl-penalty.js";
export * from "./entropy-bonus.js";
export * from "./adaptive-entropy-controller.js";
export * from "./value-loss.js";
export { vespoLoss, vespoLossConfig, vespoWeights, type VespoLossConfig, type VespoShape } from "./vespo-loss.js";
export * from "./token-masks.js";
export * from "./vllm-importance-sampling.js";
/** The building blocks the token policy losses are recipes over (importance ratio, surrogates, dual clip, KL term). */
export * as policyBlocks from "./surrogates.js";

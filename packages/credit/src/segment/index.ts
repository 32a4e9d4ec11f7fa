export { spoChainConfig, spoChainCutpoints, type SpoChainConfig, type SpoChainOptions } from "./spo-chain-cutpoints.js";
export {
  spoChainAdvantages,
  spoChainAdvantagesConfig,
  type CutValues,
  type SpoChainAdvantagesConfig,
  type SpoChainInput,
  type SpoChainResult,
} from "./spo-chain-advantages.js";
export * from "./spo-chain-batch.js";
export * from "./spo-chain-values.js";
export * from "./spo-whiten.js";

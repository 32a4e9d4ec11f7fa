export { spoChainConfig, spoChainCutpoints, type SpoChainConfig, type SpoChainOptions } from "./spo-chain-cutpoints.js";
export {
  spoChainAdvantages,
  spoChainAdvantagesConfig,
  type CutValues,
  type SpoChainAdvantagesConfig,
  type SpoChainInput,
  type SpoChainResult,
} from "./spo-chain-advantages.js";
export {
  type SpoChainBatch,
  spoChainBatchAdvantages,
  spoChainBatchCutpoints,
  type SpoChainBatchResult,
} from "./spo-chain-batch.js";
export {
  type CutRollouts,
  type SpoChainValues,
  spoChainValues,
  spoChainValuesAsync,
  type SpoChainValuesConfig,
  spoChainValuesConfig,
} from "./spo-chain-values.js";
export {
  spoWhiten,
  type SpoWhitenConfig,
  spoWhitenConfig,
} from "./spo-whiten.js";

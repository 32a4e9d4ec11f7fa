export { mathShepherdLabels, mathShepherdLabelsConfig, type MathShepherdLabelsConfig } from "./math-shepherd.js";
export {
  firstErrorSearch,
  monteCarloStepLabels,
  monteCarloValue,
  monteCarloLabelsConfig,
  type CompletionOracle,
  type MonteCarloLabelsConfig,
} from "./first-error.js";
export { omegaPrmPriority, omegaPrmPriorityConfig, type OmegaPrmPriorityConfig } from "./omega-prm-priority.js";
export { restMctsValues } from "./rest-mcts-values.js";

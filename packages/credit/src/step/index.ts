export { gigpoStepReturns, gigpoStepReturnsConfig, type GigpoStepReturnsConfig } from "./step-returns.js";
export { gigpoAdvantages, anchorGroups, gigpoConfig, type GigpoConfig, type GigpoInput } from "./gigpo.js";
export { macroBoundaries, macroBoundariesConfig, macroLayout, type MacroBoundariesConfig } from "./macro-actions.js";
export {
  macroAggregate,
  macroAggregateConfig,
  macroGae,
  macroGaeConfig,
  macroWeighting,
  type MacroAggregateConfig,
  type MacroGaeConfig,
  type MacroGaeInput,
} from "./macro-gae.js";

export {
  rankAdvantages,
  rankAdvantagesConfig,
  rankAdvantagesDefinition,
  type RankAdvantagesBatch,
  type RankAdvantagesConfig,
} from "./rank-advantages.js";

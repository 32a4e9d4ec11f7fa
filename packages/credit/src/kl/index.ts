export {
  type KlPenalizedRewards,
  klPenalizedRewards,
  type KlPenalizedRewardsConfig,
  klPenalizedRewardsConfig,
  type KlPenaltyInput,
} from "./kl-penalized-rewards.js";
export {
  type KlController,
  type KlControllerInput,
  type KlControllerState,
} from "./kl-controller.js";
export { fixedKlController, fixedKlControllerConfig, type FixedKlControllerConfig } from "./fixed-kl-controller.js";
export {
  adaptiveKlController,
  type AdaptiveKlControllerConfig,
  adaptiveKlControllerConfig,
} from "./adaptive-kl-controller.js";

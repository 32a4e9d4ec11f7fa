export * from "./kl-penalized-rewards.js";
export * from "./kl-controller.js";
export { fixedKlController, fixedKlControllerConfig, type FixedKlControllerConfig } from "./fixed-kl-controller.js";
export * from "./adaptive-kl-controller.js";

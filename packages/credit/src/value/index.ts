export {
  gaeAdvantages,
  type GaeBatch,
  type GaeConfig,
  gaeConfig,
} from "./gae.js";

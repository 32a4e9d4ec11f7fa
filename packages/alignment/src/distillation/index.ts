export {
  tokenDivergences,
  tokenDivergencesConfig,
  generalizedJsdLoss,
  generalizedJsdConfig,
  forwardKlDistillationLoss,
  reverseKlDistillationLoss,
  klDistillationConfig,
  type TokenDivergencesConfig,
  type GeneralizedJsdConfig,
  type KlDistillationConfig,
  type DistillationLogits,
  type GeneralizedJsdOutput,
} from "./generalized-jsd.js";
export {
  onPolicyDistillationAdvantages,
  onPolicyDistillationConfig,
  type OnPolicyDistillationConfig,
  type OnPolicyDistillationInputs,
} from "./on-policy.js";

import type { OpTable } from "../types.js";
import { alignmentPolicyOps } from "./alignment-policy.js";
import { alignmentPreferenceOps } from "./alignment-preference.js";
import { coreOps } from "./core.js";
import { creditGroupOps } from "./credit-group.js";
import { creditProcessOps } from "./credit-process.js";
import { creditTreeOps } from "./credit-tree.js";
import { rewardsModelsOps } from "./rewards-models.js";
import { rewardsVerifiableOps } from "./rewards-verifiable.js";
import { seedReposOps } from "./seed-repos.js";

/** Every op the runner knows. */
export const allOps: OpTable = {
  ...coreOps,
  ...creditGroupOps,
  ...creditTreeOps,
  ...creditProcessOps,
  ...alignmentPreferenceOps,
  ...alignmentPolicyOps,
  ...rewardsVerifiableOps,
  ...rewardsModelsOps,
  ...seedReposOps,
};

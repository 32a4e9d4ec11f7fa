// The `policyBlocks` namespace of `@rl/alignment` (see surrogates.ts for what a block is): the
// surrogates, plus the token masks and the VESPO weight the policy losses build on. A building
// block lives here, not at the package root (issue 16: the root lists what users call).
export {
  clippedSurrogate,
  type ClippedSurrogateOptions,
  cispoWeight,
  dualClip,
  importanceRatio,
  type ImportanceRatioOptions,
  importanceWeighted,
  klTerm,
  sapoSurrogate,
  weightedLogProbSurrogate,
} from "./surrogates.js";
export { highEntropyTokenMask, linearQuantile, offPolicySequenceMask } from "./token-masks.js";
export { vespoWeights, type VespoShape } from "./vespo-loss.js";

// The `preferenceBlocks` namespace of `@rl/alignment`: the pieces the preference losses are built
// from (TPO's step log-ratios, rewards and weights, TREG's token rewards, LD-DPO's and WPO's
// sequence terms, MaDPO's margin weights, Nash-MD's geometric mixture, BCO's running moments and
// reward shift). Each one is documented in its loss's file. A building block lives here, not at
// the package root (issue 16: the root lists what users call); `policyBlocks` is the same for the
// token policy losses.
export { bcoRunningMoments } from "./bco.js";
export { bcoRewardShift } from "./bco-reward-shift.js";
export { ldDpoConfig, ldDpoSequenceLogProbs } from "./ld-dpo.js";
export { madpoWeightConfig, madpoWeights } from "./madpo.js";
export { geometricMixtureConfig, geometricMixtureLogits } from "./nash-md.js";
export { treeStepLogRatios, treeStepRewards, treeStepWeights } from "./tree-preference.js";
export { tregTokenRewards } from "./treg.js";
export { wpoSequenceWeights } from "./wpo.js";

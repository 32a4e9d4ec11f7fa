export { fusedEntropyFromLogits, fusedGatherLogProbs } from "./fused.js";
export { fusedKernelsActive, initRlKernels, registerRlKernels, rlKernelBackends, rlKernelNames } from "./register.js";

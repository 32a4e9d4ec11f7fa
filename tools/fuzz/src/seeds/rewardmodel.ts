// Seed calls for the exports added by helper `rewardmodel` (optimizer recipe in core, the reward
// model's parts in rewards). Picked up by the fuzz harness next to ../seeds.ts.
export const seeds: Record<string, Record<string, () => unknown[]>> = {
  core: {
    adamWTransform: () => [{ learningRate: 0.1, weightDecay: 0.01, maxGradNorm: 1 }],
  },
};

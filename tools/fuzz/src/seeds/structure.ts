// Seeds of the functions the structural pass (helper `structure`) added.
import { tf } from "@rl/core";
import { indexGroups } from "@rl/core/arrays";

export const seeds: Record<string, Record<string, () => unknown[]>> = {
  core: {
    indexGroups: () => [["a", "b", "a"], 3, { fn: "fuzz" }],
    groupMembers: () => [indexGroups([0, 1, 0], 3)],
  },
  rewards: {
    completionStepLabels: () => [[[true, false], [false, false]], { kind: "soft" }],
  },
  alignment: {
    preferenceMetrics: () => [tf.tensor1d([0.5, -0.75]), tf.tensor1d([-0.25, 0.125]), tf.tensor1d([-10, -20]), tf.tensor1d([-12, -18])],
  },
};

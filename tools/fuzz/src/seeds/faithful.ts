// Seed calls for the exports added by helper `faithful` (TPO step weights, verl rollout correction).
import { tf } from "@rl/core";

const lp = (): tf.Tensor2D => tf.tensor2d([[-1, -0.5, -2, -0.3], [-0.2, -1.5, -0.7, 0]]);
const ro = (): tf.Tensor2D => tf.tensor2d([[-1.2, -0.4, -1, -0.3], [-0.9, -1.5, -0.1, 0]]);
const mask = (): tf.Tensor2D => tf.tensor2d([[1, 1, 1, 1], [1, 1, 1, 0]]);

export const seeds: Record<string, Record<string, () => unknown[]>> = {
  alignment: {
    madpoLoss: () => [{ policyChosen: tf.tensor1d([-10, -9]), policyRejected: tf.tensor1d([-11, -9.5]), refChosen: tf.tensor1d([-10.5, -9.2]), refRejected: tf.tensor1d([-10, -9.1]), rmMargins: [1.3, 9] }, {}],
    treeStepWeights: () => [tf.tensor3d([[[1, 0], [0, 1]], [[1, 0], [1, 1]]]), tf.tensor2d([[1, 2], [1, 2]]), 2],
    rolloutImportanceWeights: () => [lp(), ro(), mask(), { level: "sequence", cap: 2, batchNormalize: true }],
    rolloutRejectionMask: () => [lp(), ro(), mask(), { criteria: [{ level: "sequence-mean", klKind: "k1", upper: 1.25, lower: 0.8 }] }],
    rolloutRejectionCriteriaFromVerl: () => ["token_k1,seq_mean_k3", "0.5_2,0.05"],
    rolloutOffPolicyMetrics: () => [lp(), ro(), mask()],
    rolloutCorrection: () => [lp(), ro(), mask(), { importanceWeights: { level: "token" }, rejection: [{ level: "token", klKind: "k1", upper: 2 }] }],
    bypassModeLoss: () => [{ logProbs: lp(), rolloutLogProbs: ro(), advantages: tf.tensor1d([1, -0.5]), mask: mask() }, { lossType: "reinforce", importanceWeights: { level: "token" } }],
  },
};

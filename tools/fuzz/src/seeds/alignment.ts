// Seeds for the rest of @rl/alignment's exports (issue 19), from the functions' TSDoc examples and
// the spec's worked examples (E5: two rows of 3 tokens).
import { createRng, tf } from "@rl/core";
import { adamW, betaDpoController, ppoPolicyLoss } from "@rl/alignment";

type Seed = () => unknown[];
const t1 = (xs: number[]) => tf.tensor1d(xs);
const t2 = (rows: number[][]) => tf.tensor2d(rows);
/** Token policy inputs `[2, 3]` (spec E5 shapes). */
const policy = () => ({
  logProbs: t2([[-0.5, -1, -0.2], [-0.7, -0.3, -2]]),
  oldLogProbs: t2([[-0.6, -0.9, -0.3], [-0.7, -0.5, -1.5]]),
  advantages: t1([1, -2]),
  mask: t2([[1, 1, 1], [1, 1, 0]]),
});
const pairs = () => ({ policyChosen: t1([-1, -2]), policyRejected: t1([-2, -1]), refChosen: t1([-1.5, -1.5]), refRejected: t1([-1.5, -1.5]) });
/** A 4-token model: logits = W[ids] for a trainable W `[4, 4]`. */
const toyModel = (w: tf.Variable) => (ids: tf.Tensor2D): tf.Tensor3D => tf.gather(w, ids) as tf.Tensor3D;
/** A variable owning its initial value (tf.variable copies it, so the initial tensor is freed). */
const variable = (t: tf.Tensor): tf.Variable => {
  const v = tf.variable(t);
  t.dispose();
  return v;
};
const ids = () => tf.tensor2d([[0, 3, 1]], undefined, "int32");

export const seeds: Record<string, Record<string, Seed>> = {
  alignment: {
    adam: () => [[variable(tf.zeros([2]))], { learningRate: 1e-2 }],
    adamW: () => [[variable(tf.zeros([2]))], { learningRate: 1e-3 }],
    betaDpoLoss: () => [{ ...pairs(), state: betaDpoController().init(), rng: createRng(0) }, {}],
    cispoLoss: () => [policy(), {}],
    clipCovLoss: () => [policy(), createRng(0), {}],
    copgLoss: () => [{ rewards: [[1, 0]], logRatios: t2([[0.2, -0.1]]) }, { beta: 0.1 }],
    gmpoLoss: () => [policy(), {}],
    gpgLoss: () => [policy(), {}],
    gspoLoss: () => [policy(), {}],
    klCovLoss: () => [policy(), { coef: 0.1 }],
    ktoLoss: () => [{ policy: t1([0.5, -0.2, -0.4]), reference: tf.zeros([3]), labels: [1, 1, 0], policyKl: t1([0.3, -0.1, 0.4]), referenceKl: tf.zeros([3]) }, {}],
    ldDpoSequenceLogProbs: () => [t2([[-1, -2, -3, -4]]), [[1, 1, 1, 1]], t2([[-1, -1]]), [[1, 1]], { alpha: 0.5 }],
    madpoLoss: () => [{ ...pairs(), weights: [0.6, 2.0] }, { beta: 0.5 }],
    modelLogits: () => {
      const w = variable(tf.randomNormal([4, 4], 0, 1, "float32", 1));
      return [toyModel(w), ids(), w];
    },
    modelTokenLogProbs: () => {
      const w = variable(tf.randomNormal([4, 4], 0, 1, "float32", 1));
      return [toyModel(w), ids(), {}, w];
    },
    offPolicySequenceMask: () => [tf.zeros([2, 1]), t2([[0.5], [0.3]]), t1([1, -2]), tf.ones([2, 1]), 0.25],
    orpoLoss: () => [{ chosenAvgLogProbs: t1([-0.5, -0.9]), rejectedAvgLogProbs: t1([-1.2, -0.4]), chosenNll: 0.5 }, {}],
    precomputeRefLogProbs: () => {
      const w = variable(tf.randomNormal([4, 4], 0, 1, "float32", 1));
      return [toyModel(w), { tokenIds: ids(), w }, {}];
    },
    sapoLoss: () => [policy(), {}],
    simpoLoss: () => [{ chosenAvgLogProbs: t1([-1, -0.6]), rejectedAvgLogProbs: t1([-1.5, -0.5]) }, { beta: 2, gamma: 1 }],
    trainableVariables: () => {
      const w = variable(tf.zeros([4, 4]));
      return [toyModel(w), [w]];
    },
    trainStep: () => {
      const w = variable(tf.randomNormal([4, 4], 0, 1, "float32", 1));
      const opt = adamW([w], { learningRate: 1e-2 });
      const batch = { tokenIds: ids(), lossMask: t2([[0, 1, 1]]), advantages: t1([1]), w };
      const loss = (lp: tf.Tensor, b: typeof batch, { mask }: { mask: tf.Tensor }) => ppoPolicyLoss({ logProbs: lp, advantages: b.advantages, mask });
      return [toyModel(w), batch, loss, opt, opt.init(), {}];
    },
    treePreferenceLoss: () => [{ rewards: t2([[0.1, 0.3, -0.2]]), scores: [[3, 2, 0]] }, {}],
    tregLoss: () => [
      { ...pairs(), chosenTokens: { logProbs: t2([[-0.2, -2], [-1, -0.5]]), mask: [[1, 1], [1, 1]], tokenRewards: [[0.19, -0.32], [-0.19, 0.32]] }, rejectedTokens: { logProbs: t2([[-1, -0.5], [-0.2, -2]]), mask: [[1, 1], [1, 1]], tokenRewards: [[-0.19, 0.32], [0.19, -0.32]] } },
      {},
    ],
    tregTokenRewards: () => [[[-0.2, -2.0]], [[-1.0, -0.5]], [[1, 1]]],
    vespoLoss: () => [policy(), {}],
    vllmImportanceSamplingRatio: () => [t2([[0.5, -0.2, 0.1], [1.2, 0.3, 0]]), tf.zeros([2, 3]), t2([[1, 1, 1], [1, 1, 0]]), { mode: "token_truncate" }],
    wpoSequenceWeights: () => [tf.zeros([1, 2, 3]), tf.tensor2d([[0, 2]], undefined, "int32"), [[1, 1]]],
    // distillation and BCO (TSDoc examples)
    bcoLoss: () => [{ policy: t1([0.5, -0.2, -0.4]), reference: tf.zeros([3]), labels: [1, 1, 0] }, { beta: 1, bcoRewardShift: 0.1 }],
    bcoRunningMoments: () => [],
    forwardKlDistillationLoss: () => [{ studentLogits: tf.tensor3d([[[2, 0, -1]]]), teacherLogits: tf.tensor3d([[[0, 1, 0]]]) }, {}],
    generalizedJsdLoss: () => [
      { studentLogits: tf.tensor3d([[[2, 0, -1], [0, 0, 0]]]), teacherLogits: tf.tensor3d([[[0, 1, 0], [1, 0, 0]]]), mask: t2([[1, 0]]) },
      {},
    ],
    onPolicyDistillationAdvantages: () => [{ logProbs: t2([[-0.5, -2]]), teacherLogProbs: t2([[-0.25, -3]]), mask: t2([[1, 1]]) }, {}],
    reverseKlDistillationLoss: () => [{ studentLogits: tf.tensor3d([[[2, 0, -1]]]), teacherLogits: tf.tensor3d([[[0, 1, 0]]]) }, {}],
    tokenDivergences: () => [tf.tensor3d([[[2, 0, -1]]]), tf.tensor3d([[[0, 1, 0]]]), { beta: 0 }],
  },
};

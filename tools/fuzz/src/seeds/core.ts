// Seeds for the rest of @rl/core's exports (issue 19): one valid call each, tensors created fresh.
import * as core from "@rl/core";
import { Matrix, createRng, tf } from "@rl/core";
import { creditDefinitions } from "@rl/credit";

const grpoDefinition = creditDefinitions.find((d) => d.name === "rl/grpo")!;

type Seed = () => unknown[];
/** A variable whose initial tensor is already disposed (so that the harness can dispose everything). */
const variable = (xs: number[]): tf.Variable => {
  const t = tf.tensor1d(xs);
  const v = tf.variable(t);
  t.dispose();
  return v;
};
/** A 3-token greedy model (the `generate` TSDoc example): logits 5·reverse(one-hot(id)). */
const model = (ids: tf.Tensor2D): tf.Tensor3D =>
  tf.tidy(() => tf.reverse(tf.mul(tf.cast(tf.oneHot(tf.cast(ids, "int32"), 3), "float32"), 5), -1) as tf.Tensor3D);

export const seeds: Record<string, Record<string, Seed>> = {
  core: {
    activeBackend: () => [],
    ready: () => [{}],
    resetGradientTape: () => [],
    assertFiniteNumber: () => [0.5, "bestOfKValue", "value"],
    assertFiniteResult: () => [[0.5, 1], "gpgAdvantages", "advantages", "fNorm is too small"],
    assertInteger: () => [3, "adamW", "state.step"],
    assertMask: () => [Matrix.from([[1, 0], [1, 1]]), "mask", "maskedMean"],
    assertMaskValues: () => [[1, 1, 0], "placeStepRewards", "mask"],
    assertSameShape: () => [{ tokenRewards: Matrix.zeros([2, 3]), mask: Matrix.zeros([2, 3]) }, "grpoAdvantages"],
    assertState: () => [{ step: 0, mean: 0.5 }, "adamW", { step: "count", mean: "finite" }],
    assertTensor: () => [tf.ones([2]), "ppoPolicyLoss", "logProbs"],
    assertTensorMask: () => [tf.tensor2d([[1, 0]]), "maskedMean", "mask"],
    assertZod4Schema: () => [core.klEstimateConfig, "myPlugin"],
    isZod4Schema: () => [core.klEstimateConfig],
    parseConfig: () => [core.klEstimateConfig, { kind: "k3" }, "klEstimate"],
    parseInput: () => [core.preferencePairSchema, { prompt: "2+2?", chosen: "4", rejected: "5" }, "decodePreferencePair", "pair"],
    batchTensors: () => [{ tokenIds: Matrix.from([[1, 2]]), lossMask: Matrix.from([[0, 1]]), rowIndex: [0] }],
    checkPluginOutput: () => ["credit-assigner", { advantages: [[1, 0]] }, { plugin: "acme/x", mask: [[1, 0]] }],
    clampTensor: () => [tf.tensor1d([-2, 0.5, 3]), -1, 1],
    createRegistry: () => [{}],
    decodePreferencePair: () => [{ prompt: "2+2?", chosen: "4", rejected: "5" }],
    decodeRolloutGroup: () => [{ promptId: "p", responses: [{ tokenIds: [1, 2], reward: 1 }, { tokenIds: [3], reward: 0 }] }],
    decodeTokenBatch: () => [{ tokenIds: [[1, 2], [3, 4]], mask: [[1, 1], [1, 0]] }],
    defineDefinition: () => [{ ...grpoDefinition }],
    guardedDefinition: () => [{ ...grpoDefinition }],
    isGuardedDefinition: () => [grpoDefinition],
    describeValue: () => [[1, 2]],
    displayable: () => [() => "<b>x</b>", () => "x"],
    displayReport: () => ["DPO run", ["loss fell from 0.69 to 0.12", core.metricTable([{ step: 1, loss: 0.69 }, { step: 2, loss: 0.12 }])]],
    escapeHtml: () => ["<a href='x'>&</a>"],
    formatIssues: () => [[{ path: ["beta"], message: "must be > 0" }]],
    formatValue: () => [0.123456, 3],
    generate: () => [model, [[0]], { maxNewTokens: 2, greedy: true, stopTokenIds: [1] }],
    isTensor: () => [[1, 2]],
    linear: () => [tf.ones([2, 3, 4]), tf.ones([4, 5]), tf.zeros([5])],
    lineChart: () => [[1, 2, 3], { loss: [0.69, 0.3, 0.12] }, { title: "loss" }],
    maskTruncatedCompletions: () => [{ mask: [[1, 1], [1, 1]], finishReasons: ["stop", "length"] }, {}],
    metricTable: () => [[{ step: 1, loss: 0.69 }, { step: 2, loss: 0.12 }], {}],
    rolloutTrainingBatch: () => [{ batch: { tokenIds: [[7, 8], [9, -1]], mask: [[1, 1], [1, 0]] }, advantages: [[0.5, 0.5], [-1, 0]], promptTokenIds: [[1, 2], [3]] }, {}],
    sampleToken: () => [[0.5, 0.3, 0.2], createRng(0), { topK: 2 }],
    show: () => [Object.freeze(core.metricTable([{ step: 100, loss: 0.12 }], { title: "held-out" }))], // a library object is passed whole (its internals are not fuzzed)
    toMatrix2D: () => [[[1, 2], [3, 4]], "mask", "maskedMean"],
    toVector: () => [[1, 2, 3], "rewards", "grpoAdvantages"],
    toRLError: () => [new Error("boom")],
    tryRL: () => [() => 1],
    // optimizer transforms, fused kernels, lmHeadLogProbs (the functions' TSDoc examples)
    addDecayedWeights: () => [{ weightDecay: 0.01 }],
    applyUpdates: () => [[variable([1, 2])], [tf.tensor1d([0.5, -1])]],
    chain: () => [core.clipByGlobalNorm({ maxNorm: 1 }), core.scaleByAdam(), core.scaleByLearningRate({ learningRate: 0.1 })],
    clipByGlobalNorm: () => [{ maxNorm: 1 }],
    entropyFromLogitsComposite: () => [tf.tensor3d([[[2, 0, -1], [0, 0, 0]]])],
    fusedKernelsActive: () => [],
    fusedPolicyLoss: () => [
      {
        logProbs: tf.tensor2d([[-0.5, -1, -0.2], [-0.7, -0.3, -2]]),
        oldLogProbs: tf.tensor2d([[-0.6, -0.9, -0.3], [-0.7, -0.5, -1.5]]),
        advantages: tf.tensor2d([[1, 1, 1], [-1, -1, -1]]),
        mask: tf.tensor2d([[1, 1, 1], [1, 1, 0]]),
      },
      { clipHigh: 0.28, dualClip: 3 },
    ],
    fusedPolicyLossAvailable: () => [{ dualClip: 3 }],
    gatherLogProbsComposite: () => [tf.tensor3d([[[2, 0, -1], [0, 0, 0]]]), tf.tensor2d([[0, 2]], [1, 2], "int32"), {}],
    initRlKernels: () => [],
    isRngState: () => [createRng(1).state()],
    lmHeadLogProbs: () => [{ hidden: tf.zeros([1, 2, 3]), weight: tf.zeros([3, 4]), ids: tf.tensor2d([[0, 3]], [1, 2], "int32") }, {}],
    scaleByAdam: () => [{}],
    scaleByLearningRate: () => [{ learningRate: 0.1 }],
    scaleBySchedule: () => [(step: number) => 0.1 / (1 + step)],
  },
};

// Seeds for the rest of @rl/credit's exports (issue 19), from the functions' TSDoc examples.
import { Matrix } from "@rl/core";
import { creditDefinitions, prefixTree, spoTreeEdges } from "@rl/credit";

const grpoDefinition = creditDefinitions.find((d) => d.name === "rl/grpo")!;

type Seed = () => unknown[];
const forest = () => prefixTree({ tokenIds: [[5, 7], [5, 8]], mask: [[1, 1], [1, 1]], groups: [0, 0], rewards: [1, 0] });
const zeros = Matrix.zeros([2, 2]);

export const seeds: Record<string, Record<string, Seed>> = {
  credit: {
    anchorGroups: () => [["s0", "s1", "s0", "s0"], [0, 0, 0, 1]],
    assignCredit: () => ["grpo", { tokenRewards: [[0, 1], [0, 0]], mask: [[1, 1], [1, 1]], groups: [0, 0] }, {}],
    safeAssignCredit: () => ["grpo", { tokenRewards: [[0, 1], [0, 0]], mask: [[1, 1], [1, 1]], groups: [0, 0] }, {}],
    capoAdvantages: () => [{ outcome: [1, 0], penalties: [[0, 1], [0, 0]], stepMask: [[1, 1], [1, 1]], stepEnds: [[0, 1], [0, 1]], mask: [[1, 1], [1, 1]], groups: [0, 0] }, {}],
    capoVotes: () => [[[[1, 2], [2], [2, 3]]], [[1, 1, 1, 1]], { rule: "average" }],
    clipShaping: () => [[[0.9, 0.3, 0.7]], [[1, 1, 1]], { eta: 0.5 }],
    deltaShaping: () => [[[0.9, 0.3, 0.7]], [[1, 1, 1]]],
    creditRegistry: () => [],
    defineCreditAssigner: () => [{ name: "acme/zero", description: "all zeros", configSchema: grpoDefinition.configSchema, assign: () => ({ advantages: zeros, returns: zeros }) }],
    firstErrorSearch: () => [5, async (prefixLength: number) => prefixLength < 3, {}],
    monteCarloStepLabels: () => [3, async (p: number) => p < 2, {}],
    monteCarloValue: () => [2, async (_p: number, i: number) => i < 3, { rollouts: 8 }],
    gigpoAdvantages: () => [{ mask: [[1], [1], [1], [1], [1], [1], [1]], groups: [0, 0, 0, 0, 0, 0, 0], trajectories: [1, 1, 1, 2, 2, 2, 2], anchors: ["s0", "s1", "s2", "s0", "s3", "s1", "s4"], episodeReturns: [10, 10, 10, 0, 0, 0, 0], stepRewards: [0, 0, 10, 0, 0, 0, 0] }, {}],
    gigpoStepReturns: () => [[0, 0, 10, 0], ["a", "a", "a", "b"], {}],
    grpoPasskAdvantages: () => [{ rewards: [1, 0, 0.5, 0], mask: [[1], [1], [1], [1]], groups: [0, 0, 0, 0] }, {}],
    implicitProcessRewards: () => [[[Math.log(0.6)]], [[Math.log(0.4)]], [[1]], { norm: "none" }],
    klPenalizedRewards: () => [{ tokenRewards: [[0, 0, 1]], logProbs: [[-1, -0.5, -2]], refLogProbs: [[-1.2, -0.5, -1.5]], mask: [[1, 1, 1]] }, { beta: 0.1 }],
    macroBoundaries: () => [[[1, 1, 1, 1, 1, 1, 1, 1]], { rule: "fixed", n: 3 }],
    macroGae: () => [{ values: [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]], tokenRewards: [[-0.01, -0.01, -0.01, -0.01, -0.01, -0.01, -0.01, 0.99]], mask: [[1, 1, 1, 1, 1, 1, 1, 1]], starts: [[0, 3, 6, 7]] }, {}],
    mathShepherdLabels: () => [[[1, 0, 0, 1, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]], {}],
    minFormRewards: () => [[[0.8, -0.5, 0.6]], [[1, 1, 1]], { temperature: 1 }],
    multiObjectiveOutcomes: () => [[[1, 0], [0, 1]], [0, 0], { weights: [2, 1] }],
    omegaPrmPriority: () => [{ mc: 0.25, rolloutLength: 100, visits: 0, totalVisits: 3 }, {}],
    posteriorGrpoAdvantages: () => [{ outcome: [1, 1, 0, 0], thinking: [0.9, 0.4, 0.8, 0.1], groups: [0, 0, 0, 0], mask: [[1], [1], [1], [1]] }, {}],
    prefixTokenValues: () => [forest()],
    prefixTreeNodes: () => [forest()],
    renderPrefixTree: () => [forest(), { digits: 3 }],
    primeAdvantages: () => [{ processRewards: [[0.1, 0.3, -0.2], [0.2, -0.4, 0]], rewards: [1, 0], mask: [[1, 1, 1], [1, 1, 0]], groups: [0, 0] }, { processCoef: 1, outcomeCoef: 1, whiten: false }],
    prmStepScores: () => [[[0, 0], [0, 2]]],
    progressRewards: () => [{ values: [[0.25]], qValues: [[0.5]], stepMask: [[1]] }, { bestOfK: 4 }],
    pureAdvantages: () => [{ stepRewards: [[0.8, -0.5], [0.3, 0.2]], stepMask: [[1, 1], [1, 1]], stepEnds: [[1, 3], [0, 2]], mask: [[1, 1, 1, 1], [1, 1, 1, 0]], groups: [0, 0], solved: [0, 1] }, {}],
    pureRewards: () => [{ stepRewards: [[0.8, -0.5], [0.3, 0.2]], stepMask: [[1, 1], [1, 1]], stepEnds: [[1, 3], [0, 2]], mask: [[1, 1, 1, 1], [1, 1, 1, 0]], groups: [0, 0], solved: [0, 1] }, { baseline: "none" }],
    reinforcePlusPlusAdvantages: () => [{ tokenRewards: [[-0.1, 0, 1], [0, 0.5, 0]], mask: [[1, 1, 1], [1, 1, 0]] }, {}],
    reinforcePlusPlusBaselineAdvantages: () => [{ rewards: [1, 0, 1], mask: [[1, 1, 0], [1, 1, 1], [1, 0, 0]], groups: [0, 0, 0] }, {}],
    remaxAdvantages: () => [{ tokenRewards: [[-0.02, 0, 1.05]], mask: [[1, 1, 1]], baselines: [0.4] }, {}],
    restMctsValues: () => [[0, 1, 0], [2, 1, 0]],
    shapeStepRewards: () => [{ stepRewards: [[0.9, 0.3, 0.7]], stepMask: [[1, 1, 1]], success: [1] }, { method: "clipDelta", eta: 0.5 }],
    spoChainAdvantages: () => [{ probs: [0.95, 0.5, 0.99, 0.7, 0.97, 0.3, 0.98, 0.6], cutValues: new Map([[0, 0.4], [4, 0.9]]), score: 1 }, { interval: 2 }],
    spoChainBatchAdvantages: () => [{ probs: [[0.5, 0.95, 0.6, 0.99]], mask: [[1, 1, 1, 1]], cutValues: [{ "-1": 0.3 }], rewards: [0] }, {}],
    spoChainBatchCutpoints: () => [[[0.5, 0.95, 0.6, 0.99]], [[1, 1, 1, 0]], {}],
    spoChainCutpoints: () => [[0.95, 0.5, 0.99, 0.7, 0.97, 0.3, 0.98, 0.6], { interval: 2 }],
    spoChainValues: () => [[0, 4], new Map<number, (number | null)[]>([[0, [1, 0, 0, 1]], [4, [1, 1, null, 1]]]), {}],
    spoChainValuesAsync: () => [[-1, 4], async (c: number) => (c < 0 ? [1, 0, 1] : [1, 1, null]), {}],
    spoTreeEdges: () => [{ parent: [-1, 0, 0, 1, 1, 2, 2], reward: [null, null, null, 1, 1, 1, 0] }, {}],
    spoTreeTokenAdvantages: () => [spoTreeEdges({ parent: [-1, 0, 0], reward: [null, 1, 0] }).edges.map((e) => ({ ...e })), [0, 2, 3], {}],
    spoTreeValues: () => [{ parent: [-1, 0, 0, 1, 1, 2, 2], reward: [null, null, null, 1, 1, 1, 0] }],
    spoWhiten: () => [[[0, 0.5, 0, 0.5, 0, 0.1, 0, 0.1]], [[1, 1, 1, 1, 1, 1, 1, 1]], [[0.95, 0.5, 0.99, 0.7, 0.97, 0.3, 0.98, 0.6]], {}],
    strictMinReturns: () => [[[0.8, -0.5, 0.6]], [[1, 1, 1]]],
    sumFormReturns: () => [[[0.8, -0.5, 0.6]], [[1, 1, 1]], {}],
    tempoAdvantages: () => [{ tokenRewards: [[0, 1], [0, 0]], tokenIds: [[1, 2], [3, 4]], mask: [[1, 1], [1, 1]], groups: [0, 0] }, {}],
    // selection and baseline functions (TSDoc examples)
    dynamicSamplingFilter: () => [{ rewards: [1, 0, 1, 1, 0, 0, 1, 0], groups: ["a", "a", "b", "b", "c", "c", "d", "d"] }, { promptBatchSize: 1 }],
    igpoTurnRewards: () => [{ answerLogProbs: [[[Math.log(0.1), Math.log(0.1)], [Math.log(0.4), Math.log(0.4)], [Math.log(0.5), Math.log(0.5)]]], rewards: [1] }, {}],
    optimalTokenBaselineAdvantages: () => [
      {
        tokenRewards: [[0, 1], [0, 0]], mask: [[1, 1], [1, 1]], groups: [0, 0],
        oldLogProbs: [[Math.log(0.5), Math.log(0.5)], [Math.log(0.8), Math.log(0.5)]],
        sumPiSquared: [[0.5, 0.5], [0.68, 0.5]],
      },
      { dtype: "float64" },
    ],
    pfPpoResample: () => [[1, 0, 0, 0], { seed: 1 }],
    pfPpoWeights: () => [[0.5, -1, 2, 0], { reweightMethod: "max_min" }],
    promptCurriculumSelection: () => [[0.95, 0.5, 0.1, 0.6, 0.0, 0.3], { promptBatchSize: 3 }],
    rewardRankedSelection: () => [{ rewards: [0.2, 0.9, 0.5, 0.1, 0.7, 0.7], groups: [0, 0, 0, 1, 1, 1] }, {}],
    tirOptimalTokenBaselineAdvantages: () => [
      {
        tokenRewards: [[0, 0, 1], [0, 0, 0]], mask: [[1, 0, 1], [1, 1, 0]], groups: [0, 0],
        oldLogProbs: [[Math.log(0.5), 0, Math.log(0.5)], [Math.log(0.8), Math.log(0.5), 0]],
        sumPiSquared: [[0.5, 1, 0.5], [0.68, 0.5, 1]],
      },
      { dtype: "float64" },
    ],
  },
};

// Seeds for the online and game-theoretic preference losses (helper `preference`).
import { tf } from "@rl/core";

const t1 = (xs: number[]): tf.Tensor1D => tf.tensor1d(xs);
const t2 = (rows: number[][]): tf.Tensor2D => tf.tensor2d(rows);
const two = () => ({ policyFirst: t1([-10, -20]), policySecond: t1([-12, -18]), refFirst: t1([-11, -18.5]), refSecond: t1([-11.5, -18.25]) });

export const seeds: Record<string, Record<string, () => unknown[]>> = {
  alignment: {
    onlineDpoLoss: () => [{ ...two(), scoresFirst: [1, 0.2], scoresSecond: [0.5, 0.7] }, { beta: 0.5 }],
    xpoLoss: () => [{ ...two(), firstPreferred: [1, 0] }, { beta: 0.5, alpha: 0.01 }],
    nashMdLoss: () => [{ logProbs: t2([[-1, -2], [-0.5, -1.5]]), refLogProbs: t2([[-1.5, -1.5], [-1, -1]]), probabilities: [0.8, 0.3] }, { beta: 0.1 }],
    geometricMixtureLogits: () => [t2([[2, 0, -1]]), t2([[0, 2, 1]]), { mixtureCoef: 0.5 }],
    dnoLoss: () => [{ policyLogProbs: t2([[-3, -4, -5]]), refLogProbs: t2([[-3.5, -3.5, -5]]), winRates: [[0.75, 0.5, 0.25]] }, { beta: 1 }],
    referenceSync: () => [{ mixupAlpha: 0.6, syncSteps: 2 }],
  },
};

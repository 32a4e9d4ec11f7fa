import { tf } from "@rl/core";
import { assertClose } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { dpoLoss, ktoLoss, orpoLoss, simpoLoss } from "../../src/index.js";
import { scoped } from "./helpers.js";

// The runnable example of docs/alignment/preference.md, line for line.
describe("docs/alignment/preference.md example", () => {
  it("prints the documented numbers", () => {
    scoped(() => {
      const t = (xs: number[]) => tf.tensor1d(xs);
      const pairs = {
        policyChosen: t([-10, -20]), policyRejected: t([-12, -18]),
        refChosen: t([-11, -18.5]), refRejected: t([-11.5, -18.25]),
        chosenLengths: t([5, 10]), rejectedLengths: t([4, 8]),
      };
      const dpo = dpoLoss(pairs, { beta: 0.5 });
      assertClose(Array.from(dpo.losses.dataSync()), [0.386871, 1.223445], 1e-6, 1e-5);
      assertClose(dpo.loss.dataSync()[0], 0.805158, 1e-6, 1e-5);
      expect(dpo.metrics).toEqual({
        "rewards/chosen": -0.125, "rewards/rejected": -0.0625, "rewards/accuracies": 0.5,
        "rewards/margins": -0.0625, "logps/chosen": -15, "logps/rejected": -15,
      });
      assertClose(dpoLoss(pairs, { beta: 0.5, lossType: "ipo" }).loss.dataSync()[0], 0.925488, 1e-6, 1e-5);
      assertClose(dpoLoss(pairs, { beta: 0.5, lossType: "cdpo", labelSmoothing: 0.1 }).loss.dataSync()[0], 0.798908, 1e-6, 1e-5);
      assertClose(dpoLoss(pairs, { beta: 0.5, lossType: ["sigmoid", "bco_pair"], lossWeights: [0.8, 0.2] }).loss.dataSync()[0], 0.938575, 1e-6, 1e-5);
      assertClose(simpoLoss({ chosenAvgLogProbs: t([-1, -0.6]), rejectedAvgLogProbs: t([-1.5, -0.5]) }, { beta: 2, gamma: 1 }).loss.dataSync()[0], 1.078215, 1e-6, 1e-5);
      assertClose(orpoLoss({ chosenAvgLogProbs: t([-0.5, -0.9]), rejectedAvgLogProbs: t([-1.2, -0.4]), chosenNll: 0.5 }).loss.dataSync()[0], 0.581237, 1e-6, 1e-5);
      assertClose(
        ktoLoss({ policy: t([0.5, -0.2, -0.4]), reference: t([0, 0, 0]), labels: [1, 1, 0], policyKl: t([0.3, -0.1, 0.4]), referenceKl: t([0, 0, 0]) }).loss.dataSync()[0],
        0.495835, 1e-6, 1e-5,
      );
    });
  });
});

// The runnable example of docs/rewards/models.md: the numbers it prints are asserted here.
import { tf } from "@rl/core";
import { expect, it } from "vitest";
import {
  bradleyTerryLoss,
  createEmbeddingEncoder,
  createRewardModel,
  gpmPreferenceScore,
  implicitStepRewards,
  prmStepLoss,
} from "../../src/index.js";
import { hlGaussTargets } from "../../src/models/index.js";

it("docs/rewards/models.md example", async () => {
  const before = tf.memory().numTensors;
  const lines: string[] = [];
  const print = (...xs: unknown[]): number => lines.push(xs.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(" "));

  const bt = bradleyTerryLoss({ chosenRewards: [2, 0.5], rejectedRewards: [1, 1], margins: [0.5, 0] }, { centerCoefficient: 0.01 });
  print("BT loss", +(bt.loss.dataSync()[0] as number).toFixed(6), "accuracy", bt.metrics.accuracy);
  bt.loss.dispose();

  print("HL-Gauss", hlGaussTargets([1.5], { vMin: 0, vMax: 4, numBins: 4 }).toArray()[0]!.map((p) => +p.toFixed(6)));

  const prm = prmStepLoss({ logits: [[0, 2], [1, 0]], labels: [1, 0] });
  print("PRM loss", +(prm.loss.dataSync()[0] as number).toFixed(6));
  prm.loss.dispose();

  const implicit = implicitStepRewards([[0.8, 0.4, -1.0, -0.6, 0.2]], [[1, 4]], { beta: 0.1 });
  print("implicit steps", implicit.stepRewards[0]!.map((x) => +x.toFixed(6)), "min", +implicit.scores[0]!.toFixed(6));

  const s = gpmPreferenceScore([[0.8, 0.6]], [[0, 1]]);
  print("GPM s", +(s.dataSync()[0] as number).toFixed(6));
  s.dispose();

  // A reward model on a toy task: sequences with more 3s are better.
  const pairs = Array.from({ length: 200 }, (_, k) => ({ chosenIds: [1, 3, 3, (k % 5) + 4], rejectedIds: [1, 3, (k % 5) + 4, (k % 3) + 7] }));
  const rm = createRewardModel(createEmbeddingEncoder({ vocabSize: 12, hiddenSize: 8, seed: 0 }));
  const fit = await rm.fit(pairs, { epochs: 5, learningRate: 0.05, validationSplit: 0.2, seed: 0 });
  print("val accuracy", fit.history.at(-1)!.valAccuracy);
  const [good, bad] = rm.score([[1, 3, 3, 5], [1, 3, 5, 8]]);
  print("good > bad", good! > bad!);
  rm.dispose();
  expect(tf.memory().numTensors).toBe(before);

  console.log(lines.join("\n"));
  expect(lines).toEqual([
    "BT loss 0.780327 accuracy 0.5",
    "HL-Gauss [0.235194,0.506761,0.235194,0.022851]",
    "PRM loss 0.220095",
    "implicit steps [0.12,-0.14] min -0.14",
    "GPM s 0.8",
    "val accuracy 1",
    "good > bad true",
  ]);
});

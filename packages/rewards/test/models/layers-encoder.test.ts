import { tf } from "@rl/core";
import * as tfl from "@tensorflow/tfjs-layers";
import { describe, expect, it } from "vitest";
import { createRewardModel, layersModelEncoder } from "../../src/index.js";

describe("layersModelEncoder", () => {
  it("trains a reward head over a tfjs LayersModel without leaking", async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.embedding({ inputDim: 8, outputDim: 6, inputLength: 4 }), tfl.layers.dense({ units: 6, activation: "tanh" })],
    });
    const enc = layersModelEncoder(model, 6);
    const rm = createRewardModel(enc);
    expect(rm.variables.length).toBe(model.trainableWeights.length + 1);
    const pairs = Array.from({ length: 16 }, (_, k) => ({ chosenIds: [1, 2, (k % 3) + 4, 3], rejectedIds: [1, 2, (k % 3) + 4, 7] }));
    const before = tf.memory().numTensors;
    const w0 = Array.from(model.trainableWeights[1]!.read().dataSync());
    await rm.fit(pairs, { epochs: 5, learningRate: 0.05 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(model.trainableWeights[1]!.read().dataSync())).not.toEqual(w0);
    const [c, r] = rm.score([[1, 2, 4, 3], [1, 2, 4, 7]]);
    expect(c).toBeGreaterThan(r!);
    rm.dispose();
    model.dispose();
  });
});

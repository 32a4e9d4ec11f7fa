import { tf } from "@rl/core";
import { preferenceBatch } from "@rl/core/data";
import { describe, expect, it } from "vitest";
import { rewardModel } from "../../src/recipes/index.js";

describe("rewardModel recipe", () => {
  it("a bag-of-tokens scorer learns to rank chosen above rejected; margins flow in; leak-free", async () => {
    const w = tf.variable(tf.zeros([8]), true);
    const score = (ids: tf.Tensor2D, att: tf.Tensor2D) => tf.sum(tf.mul(tf.gather(w, tf.cast(ids, "int32")), att), 1) as tf.Tensor1D;
    const batch = preferenceBatch([
      { promptIds: [1], chosenIds: [3, 3], rejectedIds: [5] },
      { promptIds: [2], chosenIds: [3], rejectedIds: [5, 6], margin: 1 },
    ]);
    const optimizer = tf.train.adam(0.1);
    const before = tf.memory().numTensors;
    const { history } = await rewardModel({ score, variables: [w], optimizer, batches: Array.from({ length: 30 }, () => batch) });
    expect(history[0]).toMatchObject({ step: 1, accuracy: 0, margin: 0 }); // all rewards 0 at the start: ties count as wrong
    expect(history[0]?.loss).toBeCloseTo((Math.log(2) + Math.log(1 + Math.E)) / 2, 5); // z = −1 for the pair with margin 1
    expect(history.at(-1)?.accuracy).toBe(1);
    expect(history.at(-1)?.loss).toBeLessThan(0.2);
    expect(tf.memory().numTensors - before).toBe(2); // adam's m and v slots for w, created on the first step: nothing else stays
    optimizer.dispose();
    w.dispose();
  });
});

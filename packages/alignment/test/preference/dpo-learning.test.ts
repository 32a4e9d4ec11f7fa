import { createRng, gatherLogProbs, sequenceLogProbs, tf, type Rng } from "@rl/core";
import { describe, expect, it } from "vitest";
import { dpoLoss } from "../../src/index.js";

/**
 * End to end: a tiny bigram language model (logits = W[previous token], W: [V+1, V], row V = BOS)
 * is trained with dpoLoss on synthetic pairs where the chosen sequence has more "good" tokens
 * (ids < V/2). The reference is the untrained (uniform) model. Held-out pairs measure the
 * implicit-reward accuracy 1[β(π_c − ρ_c) > β(π_r − ρ_r)].
 */
const V = 6;
const T = 5;
const good = (id: number): boolean => id < V / 2;

function samplePairs(rng: Rng, n: number): { chosen: number[][]; rejected: number[][] } {
  const chosen: number[][] = [];
  const rejected: number[][] = [];
  while (chosen.length < n) {
    const a = Array.from({ length: T }, () => rng.int(V));
    const b = Array.from({ length: T }, () => rng.int(V));
    const ga = a.filter(good).length;
    const gb = b.filter(good).length;
    if (ga === gb) continue;
    chosen.push(ga > gb ? a : b);
    rejected.push(ga > gb ? b : a);
  }
  return { chosen, rejected };
}

/** Per-sequence log-probs `[B]` = Σ_t log p(y_t | y_{t−1}) via gatherLogProbs. */
function sequenceLogProbsOf(W: tf.Tensor2D, seqs: number[][]): tf.Tensor1D {
  return tf.tidy(() => {
    const ids = tf.tensor2d(seqs, undefined, "int32");
    const prev = tf.tensor2d(seqs.map((s) => [V, ...s.slice(0, -1)]), undefined, "int32");
    const logits = tf.gather(W, prev); // [B, T, V]
    const tokenLogProbs = gatherLogProbs(logits, ids);
    return sequenceLogProbs(tokenLogProbs, tf.onesLike(tokenLogProbs));
  });
}

describe("dpoLoss trains a tiny model", () => {
  it("held-out implicit-reward accuracy reaches ≥ 0.9, with no tensor leak over the loop", () => {
    const rng = createRng(2024);
    const train = samplePairs(rng, 64);
    const test = samplePairs(rng, 200);
    const beta = 0.1;
    const W = tf.variable(tf.zeros([V + 1, V]), true, "bigramW") as tf.Variable<tf.Rank.R2>;
    const W0 = tf.zeros([V + 1, V]) as tf.Tensor2D; // the reference model
    const refChosen = sequenceLogProbsOf(W0, train.chosen);
    const refRejected = sequenceLogProbsOf(W0, train.rejected);
    const optimizer = tf.train.adam(0.05);
    const accuracy = (): number => {
      const rc = sequenceLogProbsOf(W, test.chosen);
      const rr = sequenceLogProbsOf(W, test.rejected);
      const rc0 = sequenceLogProbsOf(W0, test.chosen);
      const rr0 = sequenceLogProbsOf(W0, test.rejected);
      const o = dpoLoss({ policyChosen: rc, policyRejected: rr, refChosen: rc0, refRejected: rr0 }, { beta });
      const acc = o.metrics["rewards/accuracies"];
      [rc, rr, rc0, rr0, o.loss, o.losses, o.chosenRewards, o.rejectedRewards].forEach((t) => t.dispose());
      return acc;
    };
    const before = accuracy();
    const tensorsAtStart = tf.memory().numTensors;
    let firstLoss = 0;
    let lastLoss = 0;
    for (let step = 0; step < 150; step++) {
      const cost = optimizer.minimize(
        () =>
          dpoLoss(
            { policyChosen: sequenceLogProbsOf(W, train.chosen), policyRejected: sequenceLogProbsOf(W, train.rejected), refChosen, refRejected },
            { beta },
          ).loss,
        true,
      ) as tf.Scalar;
      const v = cost.dataSync()[0] as number;
      cost.dispose();
      if (step === 0) firstLoss = v;
      lastLoss = v;
      if (step === 0) expect(tf.memory().numTensors).toBeGreaterThanOrEqual(tensorsAtStart); // Adam creates its slots once
    }
    const tensorsAfterWarmup = tf.memory().numTensors;
    // a few more steps leave the tensor count unchanged (no leak per step)
    for (let step = 0; step < 5; step++) {
      optimizer.minimize(() => dpoLoss({ policyChosen: sequenceLogProbsOf(W, train.chosen), policyRejected: sequenceLogProbsOf(W, train.rejected), refChosen, refRejected }, { beta }).loss);
    }
    expect(tf.memory().numTensors).toBe(tensorsAfterWarmup);
    const after = accuracy();
    expect(before).toBe(0); // identical policy and reference: every margin is 0, ties count as wrong
    expect(lastLoss).toBeLessThan(firstLoss);
    expect(after).toBeGreaterThanOrEqual(0.9);
    optimizer.dispose();
    [W, W0, refChosen, refRejected].forEach((t) => t.dispose());
  }, 20_000);
});

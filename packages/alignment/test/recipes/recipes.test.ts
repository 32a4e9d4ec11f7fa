import { preferenceBatch } from "@rl/core/data";
import { Matrix, tf } from "@rl/core";
import { describe, expect, it } from "vitest";
import { adamW } from "../../src/index.js";
import { dpo, dpoEvaluate, grpo } from "../../src/recipes/index.js";

/** A bigram policy: logits at t = table[token t]; `frozen` copies it as a reference. */
function tablePolicy(V: number, seed: number) {
  const table = tf.variable(tf.randomNormal([V, V], 0, 0.1, "float32", seed), true);
  const model = (ids: tf.Tensor2D) => tf.gather(table, tf.cast(ids, "int32")) as unknown as tf.Tensor3D;
  const frozen = tf.variable(table, false);
  const reference = (ids: tf.Tensor2D) => tf.gather(frozen, tf.cast(ids, "int32")) as unknown as tf.Tensor3D;
  return { table, model, reference, dispose: () => tf.dispose([table, frozen]) };
}

describe("dpo recipe", () => {
  it("starts at log 2 (policy = reference), then ranks every chosen completion first; leak-free", async () => {
    const p = tablePolicy(8, 1);
    const rows = [
      { promptIds: [1, 2], chosenIds: [3, 4], rejectedIds: [5, 6] },
      { promptIds: [2, 1], chosenIds: [4, 3], rejectedIds: [6, 5] },
      { promptIds: [7], chosenIds: [3], rejectedIds: [5, 5] },
    ];
    const batch = preferenceBatch(rows);
    const before = dpoEvaluate({ policy: p.model, reference: p.reference, batch });
    expect(before.loss).toBeCloseTo(Math.log(2), 6);
    expect(before.metrics["rewards/margins"]).toBeCloseTo(0, 6);
    const opt = adamW([p.table], { learningRate: 0.05, weightDecay: 0 });
    const tensors = tf.memory().numTensors;
    const seen: number[] = [];
    const { state, history } = await dpo({ policy: p.model, reference: p.reference, optimizer: opt, state: opt.init(), batches: Array.from({ length: 40 }, () => batch), loss: { beta: 0.5 }, onStep: (m) => void seen.push(m.step) });
    expect(history).toHaveLength(40);
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(Object.keys(history[0] ?? {})).toEqual(expect.arrayContaining(["loss", "grad_norm", "learning_rate", "rewards/accuracies", "rewards/margins"]));
    expect(history.at(-1)?.loss).toBeLessThan(history[0]?.loss ?? 0);
    const after = dpoEvaluate({ policy: p.model, reference: p.reference, batch, loss: { beta: 0.5 } });
    expect(after.metrics["rewards/accuracies"]).toBe(1);
    expect(after.loss).toBeLessThan(0.3);
    opt.dispose(state);
    expect(tf.memory().numTensors).toBe(tensors);
    p.dispose();
  });
});

describe("grpo recipe", () => {
  it("any credit estimator; null-reward rows stay; the rewarded completion gains probability", async () => {
    const p = tablePolicy(6, 2);
    const group = {
      promptId: "q",
      promptTokenIds: [1],
      responses: [
        { tokenIds: [2, 3], reward: 1, finishReason: "stop" },
        { tokenIds: [4, 5], reward: 0, finishReason: "length" },
        { tokenIds: [4, 3], reward: null, finishReason: "stop" },
      ],
    };
    const logProbOf = (ids: number[]): number => {
      const lp = tf.tidy(() => {
        const logits = tf.reshape(p.model(tf.tensor2d([ids.slice(0, -1)], undefined, "int32")), [ids.length - 1, 6]);
        return tf.sum(tf.gather(tf.reshape(tf.logSoftmax(logits), [-1]), ids.slice(1).map((id, t) => t * 6 + id)));
      });
      const v = lp.dataSync()[0] as number;
      lp.dispose();
      return v;
    };
    const start = logProbOf([1, 2, 3]);
    const opt = adamW([p.table], { learningRate: 0.05, weightDecay: 0 });
    // a tiny group-mean baseline, standing in for @rl/credit's grpoAdvantages
    const advantages = (b: { outcomes: readonly (number | null)[]; mask: Matrix }) => {
      const scored = b.outcomes.filter((r): r is number => r !== null);
      const mean = scored.reduce((a, r) => a + r, 0) / scored.length;
      return b.mask.map((m, k) => (b.outcomes[Math.floor(k / b.mask.cols)] === null ? 0 : m * ((b.outcomes[Math.floor(k / b.mask.cols)] as number) - mean)));
    };
    const { state, history } = await grpo({ policy: p.model, optimizer: opt, state: opt.init(), steps: 20, rollouts: () => [group], advantages, maskTruncated: true });
    expect(history[0]).toMatchObject({ step: 1, reward: 0.5, "completions/clipped_ratio": 1 / 3, "completions/mean_length": 2 });
    expect(history[0]?.reward_std).toBeCloseTo(Math.SQRT1_2, 10);
    expect(logProbOf([1, 2, 3])).toBeGreaterThan(start + 0.5);
    opt.dispose(state);
    p.dispose();
  });
});

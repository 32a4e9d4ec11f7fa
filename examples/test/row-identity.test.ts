import { adamW, grpoLoss, trainStep } from "@rl/alignment";
import { batchTensors, rolloutGroupsToBatch, rolloutTrainingBatch, tf } from "@rl/core";
import { parseChatCompletionLogProbs, toRolloutGroup } from "@rl/core/clients";
import { grpoAdvantages, tempoAdvantages } from "@rl/credit";
import { describe, expect, it } from "vitest";

// A vLLM reply (--return-tokens-as-token-ids), n = 4; choice 1 has no reward (the grader failed).
const reply = {
  choices: [
    { index: 0, message: { content: "4" }, finish_reason: "stop", logprobs: { content: [tok(4, -0.1), tok(9, -0.2)] } },
    { index: 1, message: { content: "5" }, finish_reason: "stop", logprobs: { content: [tok(5, -1.5)] } },
    { index: 2, message: { content: "3" }, finish_reason: "length", logprobs: { content: [tok(3, -2.0), tok(3, -0.4), tok(3, -0.3)] } },
    { index: 3, message: { content: "4" }, finish_reason: "stop", logprobs: { content: [tok(4, -0.2), tok(9, -0.1)] } },
  ],
};
function tok(id: number, logprob: number) {
  return { token: `token_id:${id}`, logprob, bytes: [], top_logprobs: [] };
}

describe("row identity from the server response to the loss", () => {
  it("choice b is batch row b at every stage; the null-reward row gets advantage 0 and no gradient", () => {
    const parsed = parseChatCompletionLogProbs(reply, { temperature: 1 });
    const group = toRolloutGroup(parsed, { promptId: "q", promptTokenIds: [1, 2], rewards: [1, null, 0, 1] });
    const batch = rolloutGroupsToBatch([group]);
    expect(batch.tokenIds.toArray()).toEqual([[4, 9, -1], [5, -1, -1], [3, 3, 3], [4, 9, -1]]);
    expect(batch.outcomes).toEqual([1, null, 0, 1]);
    expect(batch.finishReasons).toEqual(["stop", "stop", "length", "stop"]);

    const { advantages } = grpoAdvantages(batch);
    const adv = advantages.toArray();
    expect(adv[1]).toEqual([0, 0, 0]); // null row: advantage 0, stays in place
    expect(adv[0]?.[0]).toBeCloseTo(Math.sqrt(1 / 3), 5); // scored rows [1, 0, 1]: mean 2/3, std √(1/3)
    expect(adv[2]?.[0]).toBeCloseTo(-2 * Math.sqrt(1 / 3), 5);
    // TEMPO reads the same batch under the same names (tokenIds; rewards, whose 0 agrees with the null in outcomes).
    expect(tempoAdvantages(batch).advantages.toArray()[1]).toEqual([0, 0, 0]);

    const train = rolloutTrainingBatch({ batch, advantages });
    expect(train.rowIndex).toEqual([0, 1, 2, 3]);
    expect(train.tokenIds.toArray()).toEqual([[1, 2, 4, 9, 0], [1, 2, 5, 0, 0], [1, 2, 3, 3, 3], [1, 2, 4, 9, 0]]);
    expect(train.oldLogProbs.toArray()[2]).toEqual([0, 0, -2.0, -0.4, -0.3]);

    // The loss's gradient w.r.t. each token log-prob vanishes on row 1 (advantage 0, on-policy ratio 1).
    const t = batchTensors(train);
    const lp = tf.variable(t.oldLogProbs.clone());
    const grad = tf.grad((x: tf.Tensor) => grpoLoss({ logProbs: x as tf.Tensor2D, oldLogProbs: t.oldLogProbs, advantages: t.advantages, mask: t.lossMask }, { lossType: "grpo" }).loss)(lp);
    const g = grad.arraySync() as number[][];
    expect(g[1]?.every((v) => v === 0)).toBe(true);
    expect(g[0]?.[2]).toBeLessThan(0); // positive advantage: the loss falls as the log-prob rises
    expect(g[2]?.[2]).toBeGreaterThan(0);
    tf.dispose([grad, lp, ...Object.values(t)]);
  });

  it("the aligned batch trains a model through trainStep without hand glue", () => {
    const batch = rolloutGroupsToBatch([toRolloutGroup(parseChatCompletionLogProbs(reply, { temperature: 1 }), { promptId: "q", promptTokenIds: [1, 2], rewards: [1, null, 0, 1] })]);
    const train = rolloutTrainingBatch({ batch, advantages: grpoAdvantages(batch).advantages });
    const table = tf.variable(tf.zeros([10, 10]));
    const model = (ids: tf.Tensor2D) => tf.gather(table, tf.cast(ids, "int32")) as tf.Tensor3D;
    const opt = adamW([table], { learningRate: 0.1, weightDecay: 0 });
    const before = tf.memory().numTensors;
    const t = batchTensors(train);
    const out = trainStep(model, { tokenIds: t.tokenIds, lossMask: t.lossMask, advantages: t.advantages, oldLogProbs: t.oldLogProbs }, (lp, b, ctx) =>
      grpoLoss({ logProbs: lp, oldLogProbs: b.oldLogProbs, advantages: b.advantages, mask: ctx.mask }, { lossType: "grpo" }), opt, opt.init());
    tf.dispose(Object.values(t));
    expect(Number.isFinite(out.metrics.loss)).toBe(true);
    expect(out.metrics.gradNorm).toBeGreaterThan(0);
    opt.dispose(out.state);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 0);
    table.dispose();
  });
});

import { RLError, createRng, tf, type Stateful } from "@rl/core";
import { assertClose, expectNoTensorLeak } from "@rl/core/testing";
import * as tfl from "@tensorflow/tfjs-layers";
import { describe, expect, it } from "vitest";
import {
  adamW,
  grpoLoss,
  modelTokenLogProbs,
  ppoPolicyLoss,
  precomputeRefLogProbs,
  predictionMask,
  trainStep,
  trainableVariables,
  warmupCosineSchedule,
  type OptimizerInput,
  type ParameterOptimizer,
  type TrainBatch,
} from "../../src/index.js";
import { tinyModel } from "./tiny-model.js";

/** Plain SGD as a ParameterOptimizer, to check the step's plumbing exactly. */
function sgd(params: tf.Variable[], learningRate: number): ParameterOptimizer<{ step: number }> {
  const base: Stateful<{ step: number }, OptimizerInput, { learningRate: number }> = {
    init: () => ({ step: 0 }),
    update: (input, state) => {
      const lr = input.learningRate ?? learningRate;
      input.grads.forEach((g, i) => {
        if (g !== null) tf.tidy(() => params[i]!.assign(tf.sub(params[i]!, tf.mul(g, lr))));
      });
      return { output: { learningRate: lr }, state: { step: state.step + 1 } };
    },
  };
  return { ...base, params, dispose: () => undefined };
}

const ids = (rows: number[][]) => tf.tensor2d(rows, undefined, "int32");

describe("modelTokenLogProbs / predictionMask", () => {
  it("logits at t score token t + 1; position 0 is 0", () => {
    const { model, variables } = tinyModel(5, 3);
    const tokens = ids([
      [0, 3, 1],
      [2, 2, 4],
    ]);
    const { logProbs, logits } = modelTokenLogProbs(model, tokens);
    const ls = tf.logSoftmax(logits).arraySync() as number[][][];
    const lp = logProbs.arraySync() as number[][];
    const rows = tokens.arraySync() as number[][];
    for (let b = 0; b < 2; b++) {
      expect(lp[b]![0]).toBe(0);
      for (let t = 1; t < 3; t++) assertClose(lp[b]![t], ls[b]![t - 1]![rows[b]![t]!], 1e-6);
    }
    const pm = predictionMask(tf.tensor2d([[1, 1, 0], [1, 0, 1]]));
    expect(pm.arraySync()).toEqual([
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(() => modelTokenLogProbs(model, ids([[1], [2]]))).toThrow(/at least 2 positions/);
    expect(() => trainableVariables(model)).toThrow(RLError);
    tf.dispose([tokens, logProbs, logits, pm, ...variables]);
  });

  it("precomputeRefLogProbs equals the forward pass, carries no gradient and does not leak", async () => {
    const { model, variables } = tinyModel(5, 3);
    const batch = { tokenIds: ids([[0, 3, 1]]) };
    const ref = precomputeRefLogProbs(model, batch);
    const { logProbs, logits } = modelTokenLogProbs(model, batch.tokenIds);
    assertClose(ref.arraySync(), logProbs.arraySync(), 1e-7);
    const list = precomputeRefLogProbs(model, [batch, batch]);
    expect(list).toHaveLength(2);
    await expectNoTensorLeak(() => precomputeRefLogProbs(model, batch));
    tf.dispose([ref, logProbs, logits, ...list, batch.tokenIds, ...variables]);
  });
});

interface PgBatch extends TrainBatch {
  advantages: tf.Tensor1D;
}

describe("trainStep", () => {
  it("SGD step equals θ − lr·∇(loss); reports loss, grad norm, lr, step and the loss metrics", () => {
    const { model, variables } = tinyModel(4, 2);
    const batch: PgBatch = { tokenIds: ids([[0, 1, 2]]), lossMask: tf.tensor2d([[0, 1, 1]]), advantages: tf.tensor1d([1]) };
    const before = variables.map((v) => Array.from(v.dataSync()));
    // expected gradient by hand
    const { grads, value } = tf.variableGrads(() => {
      const { logProbs } = modelTokenLogProbs(model, batch.tokenIds);
      return tf.neg(tf.div(tf.sum(tf.mul(logProbs, predictionMask(batch.lossMask))), 2)) as tf.Scalar;
    }, variables);
    const opt = sgd(variables, 0.5);
    const out = trainStep(
      model,
      batch,
      (lp, b, { mask }) => ppoPolicyLoss({ logProbs: lp, advantages: b.advantages, mask }),
      opt,
      opt.init(),
      { maxGradNorm: null },
    );
    assertClose(out.metrics.loss, -1, 1e-6);
    expect(out.metrics.learningRate).toBe(0.5);
    expect(out.metrics.step).toBe(1);
    expect(out.metrics.lossMetrics).toEqual({ clipFraction: 0, clipFractionLower: 0, approxKl: 0 });
    let sq = 0;
    variables.forEach((v, i) => {
      const g = Array.from(grads[v.name]!.dataSync());
      sq += g.reduce((s, x) => s + x * x, 0);
      assertClose(Array.from(v.dataSync()), before[i]!.map((x, k) => x - 0.5 * g[k]!), 1e-6, 1e-5);
    });
    assertClose(out.metrics.gradNorm, Math.sqrt(sq), 1e-6, 1e-4);
    tf.dispose([value, ...Object.values(grads), batch.tokenIds, batch.lossMask, batch.advantages, ...variables]);
  });

  it("clips by global norm and follows the schedule", () => {
    const { model, variables } = tinyModel(4, 2);
    const batch: PgBatch = { tokenIds: ids([[0, 1, 2]]), lossMask: tf.tensor2d([[0, 1, 1]]), advantages: tf.tensor1d([50]) };
    const before = variables.map((v) => Array.from(v.dataSync()));
    const opt = sgd(variables, 1);
    const schedule = warmupCosineSchedule({ peakLearningRate: 0.2, warmupSteps: 2, totalSteps: 10 });
    const state = { step: 1 };
    const out = trainStep(model, batch, (lp, b, { mask }) => ppoPolicyLoss({ logProbs: lp, advantages: b.advantages, mask }), opt, state, {
      maxGradNorm: 0.01,
      schedule,
    });
    assertClose(out.metrics.learningRate, 0.1, 1e-12);
    expect(out.metrics.gradNorm).toBeGreaterThan(0.01);
    let moved = 0;
    variables.forEach((v, i) => {
      const now = Array.from(v.dataSync());
      moved += now.reduce((s, x, k) => s + (x - before[i]![k]!) ** 2, 0);
    });
    assertClose(Math.sqrt(moved), 0.1 * 0.01, 1e-6, 1e-3); // lr · clipped norm
    tf.dispose([batch.tokenIds, batch.lossMask, batch.advantages, ...variables]);
  });

  it("gradient accumulation over micro-batches equals the full batch (mean of per-row means)", () => {
    const rows = [
      [0, 1, 2],
      [0, 2, 3],
      [1, 3, 0],
      [2, 0, 1],
    ];
    const adv = [1, -0.5, 2, 0.3];
    const mk = (r: number[][], a: number[]): PgBatch => ({
      tokenIds: ids(r),
      lossMask: tf.tensor2d(r.map(() => [0, 1, 1])),
      advantages: tf.tensor1d(a),
    });
    const loss = (lp: tf.Tensor2D, b: PgBatch, { mask }: { mask: tf.Tensor2D }) =>
      ppoPolicyLoss({ logProbs: lp, advantages: b.advantages, mask }, { aggregation: "seq-mean-token-mean" });
    const run = (batches: PgBatch | PgBatch[]) => {
      const { model, variables } = tinyModel(4, 2, 7);
      const opt = sgd(variables, 0.3);
      const out = trainStep(model, batches, loss, opt, opt.init(), { maxGradNorm: null });
      const params = variables.map((v) => Array.from(v.dataSync()));
      tf.dispose(variables);
      return { out, params };
    };
    const full = mk(rows, adv);
    const parts = [mk(rows.slice(0, 2), adv.slice(0, 2)), mk(rows.slice(2), adv.slice(2))];
    const a = run(full);
    const b = run(parts);
    assertClose(b.out.metrics.loss, a.out.metrics.loss, 1e-6, 1e-5);
    assertClose(b.out.metrics.gradNorm, a.out.metrics.gradNorm, 1e-6, 1e-4);
    assertClose(b.params, a.params, 1e-6, 1e-5);
    for (const x of [full, ...parts]) tf.dispose([x.tokenIds, x.lossMask, x.advantages]);
  });

  it("works with a tfjs LayersModel and AdamW (supervised log-likelihood goes up)", () => {
    const model = tfl.sequential({
      layers: [tfl.layers.embedding({ inputDim: 6, outputDim: 4, inputLength: 4 }), tfl.layers.dense({ units: 6 })],
    });
    const opt = adamW(trainableVariables(model), { learningRate: 0.05 });
    let state = opt.init();
    const batch: TrainBatch = { tokenIds: ids([[0, 1, 2, 3]]), lossMask: tf.tensor2d([[1, 1, 1, 1]]) };
    const nll = (lp: tf.Tensor2D, _b: TrainBatch, { mask }: { mask: tf.Tensor2D }) => ({
      loss: tf.neg(tf.div(tf.sum(tf.mul(lp, mask)), tf.sum(mask))) as tf.Scalar,
    });
    let first = 0;
    let last = 0;
    for (let k = 0; k < 30; k++) {
      const out = trainStep(model, batch, nll, opt, state);
      state = out.state;
      if (k === 0) first = out.metrics.loss;
      last = out.metrics.loss;
    }
    expect(last).toBeLessThan(first * 0.5);
    opt.dispose(state);
    model.dispose();
    tf.dispose([batch.tokenIds, batch.lossMask]);
  });

  it("errors: empty micro-batch list, mismatched mask, a non-finite loss (no update, no leak)", () => {
    const { model, variables } = tinyModel(4, 2);
    const opt = sgd(variables, 0.1);
    const b: TrainBatch = { tokenIds: ids([[0, 1]]), lossMask: tf.tensor2d([[0, 1, 1]]) };
    const ok: TrainBatch = { tokenIds: ids([[0, 1]]), lossMask: tf.tensor2d([[0, 1]]) };
    const nanLoss = () => ({ loss: tf.scalar(Number.NaN) });
    expect(() => trainStep(model, [], nanLoss, opt, opt.init())).toThrow(/no micro-batches/);
    expect(() => trainStep(model, b, nanLoss, opt, opt.init())).toThrow(/same \[B, T\]/);
    const before = tf.memory().numTensors;
    const p0 = Array.from(variables[0]!.dataSync());
    const nanThroughModel = (lp: tf.Tensor2D) => ({ loss: tf.mul(tf.sum(lp), Number.NaN) as tf.Scalar });
    expect(() => trainStep(model, ok, nanThroughModel, opt, opt.init())).toThrow(/NON_FINITE|gradient norm/);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(variables[0]!.dataSync())).toEqual(p0);
    expect(() => trainStep(model, ok, nanLoss, opt, opt.init())).toThrow(/does not depend/);
    // a loss that throws inside the gradient scope (NaN advantages) leaves nothing behind
    const nanAdv = tf.tensor1d([Number.NaN]);
    const before2 = tf.memory().numTensors;
    expect(() =>
      trainStep(model, ok, (lp, _b, { mask }) => ppoPolicyLoss({ logProbs: lp, advantages: nanAdv, mask }), opt, opt.init()),
    ).toThrow(/advantages has NaN or Inf/);
    expect(tf.memory().numTensors).toBe(before2);
    nanAdv.dispose();
    tf.dispose([b.tokenIds, b.lossMask, ok.tokenIds, ok.lossMask, ...variables]);
  });

  it("a 1,000-step loop (AdamW, schedule, clipping, KL to a precomputed reference) ends with the tensor count it started with", async () => {
    const { model, variables } = tinyModel(5, 3);
    const batches: PgBatch[] = [0].map((k) => ({
      tokenIds: ids([
        [0, 1 + k, 2],
        [0, 3, 4 - k],
      ]),
      lossMask: tf.tensor2d([
        [0, 1, 1],
        [0, 1, 0],
      ]),
      advantages: tf.tensor1d([1, -1]),
    }));
    const refs = precomputeRefLogProbs(model, batches);
    const schedule = warmupCosineSchedule({ peakLearningRate: 1e-2, warmupSteps: 10, totalSteps: 1000 });
    await expectNoTensorLeak(() => {
      const opt = adamW(variables);
      let state = opt.init();
      for (let k = 0; k < 1000; k++) {
        const out = trainStep(
          model,
          batches[0]!,
          (lp, b, { mask }) =>
            grpoLoss({ logProbs: lp, advantages: b.advantages, mask, refLogProbs: refs[batches.indexOf(b)]! }, { beta: 0.04, lossType: "grpo" }),
          opt,
          state,
          { schedule },
        );
        state = out.state;
      }
      expect(state.step).toBe(1000);
      opt.dispose(state);
    });
    for (const b of batches) tf.dispose([b.tokenIds, b.lossMask, b.advantages]);
    tf.dispose([...refs, ...variables]);
  }, 120_000);
});

describe("learning: a verifiable 1-step bandit", () => {
  // Prompt token 0, one completion token a ∈ {0..7}; reward 1 iff a ∈ {2, 5}. Group of 16 samples per
  // step, group-mean-centred advantages (computed inline, as @rl/credit would).
  const V = 8;
  const correct = new Set([2, 5]);
  function expectedReward(model: (ids: tf.Tensor2D) => tf.Tensor3D): number {
    const p = tf.tidy(() => tf.softmax(tf.reshape(tf.slice(model(ids([[0, 0]])), [0, 0, 0], [1, 1, V]), [V])));
    const probs = Array.from(p.dataSync());
    p.dispose();
    return [...correct].reduce((s, a) => s + probs[a]!, 0);
  }
  it.each(["ppo", "grpo"] as const)("%s raises the expected reward from ≈ 0.25 to > 0.9", (kind) => {
    const { model, variables } = tinyModel(V, 4, 11);
    const rng = createRng(42);
    const opt = adamW(variables, { learningRate: 0.05, weightDecay: 0 });
    let state = opt.init();
    const start = expectedReward(model);
    for (let step = 0; step < 80; step++) {
      const p = tf.tidy(() => tf.softmax(tf.reshape(tf.slice(model(ids([[0, 0]])), [0, 0, 0], [1, 1, V]), [V])));
      const probs = Array.from(p.dataSync());
      p.dispose();
      const actions = Array.from({ length: 16 }, () => rng.categorical(probs));
      const rewards: number[] = actions.map((a) => (correct.has(a) ? 1 : 0));
      const mean = rewards.reduce((s, r) => s + r, 0) / rewards.length;
      const std = Math.sqrt(rewards.reduce((s, r) => s + (r - mean) ** 2, 0) / (rewards.length - 1));
      const adv = rewards.map((r) => (kind === "grpo" ? (r - mean) / (std + 1e-6) : r - mean));
      const batch: PgBatch = {
        tokenIds: ids(actions.map((a) => [0, a])),
        lossMask: tf.tensor2d(actions.map(() => [0, 1])),
        advantages: tf.tensor1d(adv),
      };
      const old = precomputeRefLogProbs(model, batch);
      const out = trainStep(
        model,
        batch,
        (lp, b, { mask }) =>
          kind === "ppo"
            ? ppoPolicyLoss({ logProbs: lp, oldLogProbs: old, advantages: b.advantages, mask })
            : grpoLoss({ logProbs: lp, oldLogProbs: old, advantages: b.advantages, mask }, { lossType: "grpo" }),
        opt,
        state,
      );
      state = out.state;
      tf.dispose([old, batch.tokenIds, batch.lossMask, batch.advantages]);
    }
    const end = expectedReward(model);
    expect(start).toBeLessThan(0.35);
    expect(end).toBeGreaterThan(0.9);
    opt.dispose(state);
    tf.dispose(variables);
  });
});

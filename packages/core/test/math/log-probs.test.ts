import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng, entropyFromLogits, gatherLogProbs, gatherLogProbsOneHot, sequenceLogProbs, tf } from "../../src/index.js";
import { assertClose, checkGradient, expectNoTensorLeak } from "../../src/testing/index.js";

describe("gatherLogProbs", () => {
  it("log-softmax of the picked id (worked number)", () => {
    const lp = gatherLogProbs(tf.tensor2d([[2, 1, 0]]), tf.tensor1d([0], "int32"));
    assertClose(Array.from(lp.dataSync()), [2 - Math.log(Math.exp(2) + Math.exp(1) + 1)]);
    lp.dispose();
  });

  it("equals the one-hot formulation on random [B, T, V] (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 17 }), fc.nat(), (B, T, V, seed) => {
        const rng = createRng(seed);
        const before = tf.memory().numTensors;
        const logits = tf.tensor3d(Array.from({ length: B * T * V }, () => rng.normal(0, 3)), [B, T, V]);
        const ids = tf.tensor2d(Array.from({ length: B * T }, () => rng.int(V)), [B, T], "int32");
        const a = gatherLogProbs(logits, ids);
        const b = gatherLogProbsOneHot(logits, ids);
        expect(a.shape).toEqual([B, T]);
        assertClose(Array.from(a.dataSync()), Array.from(b.dataSync()), 1e-5, 1e-5);
        tf.dispose([logits, ids, a, b]);
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 30 },
    );
  });

  it("applies the temperature", () => {
    const lp = gatherLogProbs(tf.tensor2d([[2, 1, 0]]), tf.tensor1d([0], "int32"), { temperature: 2 });
    assertClose(Array.from(lp.dataSync()), [1 - Math.log(Math.exp(1) + Math.exp(0.5) + 1)]);
    lp.dispose();
  });

  it("has the gradient onehot − softmax (finite differences) and does not leak", async () => {
    const ids = tf.tensor1d([2, 0], "int32");
    checkGradient((z) => tf.sum(gatherLogProbs(z, ids)), tf.tensor2d([[0.3, -1, 2, 0.5], [1, 1, -2, 0]]));
    const z = tf.tensor2d([[0.3, -1]]);
    const y = tf.tensor1d([1], "int32");
    await expectNoTensorLeak(() => gatherLogProbs(z, y));
    await expectNoTensorLeak(() => tf.grad((t: tf.Tensor) => tf.sum(gatherLogProbs(t, y)))(z));
    tf.dispose([z, y]);
    ids.dispose();
  });

  it("rejects ids out of range and mismatched shapes", () => {
    const z = tf.tensor2d([[0, 1, 2]]);
    expect(() => gatherLogProbs(z, tf.tensor1d([3], "int32"))).toThrow(/token ids must lie in \[0, 3\)/);
    expect(() => gatherLogProbs(z, tf.tensor1d([0, 1], "int32"))).toThrow(/ids has shape \[2\]/);
    z.dispose();
  });
});

describe("sequenceLogProbs", () => {
  it("sum and length-mean over the mask (spec §2.1 numbers)", () => {
    const lp = tf.tensor2d([[-0.5, -1.0, -0.2, -7.0], [-0.3, -0.9, -9.0, -9.0]]);
    const mask = tf.tensor2d([[1, 1, 1, 0], [1, 1, 0, 0]]);
    const s = sequenceLogProbs(lp, mask);
    const m = sequenceLogProbs(lp, mask, { reduction: "mean" });
    assertClose(Array.from(s.dataSync()), [-1.7, -1.2], 1e-6);
    assertClose(Array.from(m.dataSync()), [-0.5666667, -0.6], 1e-6);
    tf.dispose([lp, mask, s, m]);
  });

  it("an empty completion gives 0, not NaN", () => {
    const m = sequenceLogProbs(tf.tensor2d([[-1, -2]]), tf.tensor2d([[0, 0]]), { reduction: "mean" });
    expect(Array.from(m.dataSync())).toEqual([0]);
    m.dispose();
  });
});

describe("entropyFromLogits", () => {
  it("worked number and uniform maximum", () => {
    const h = entropyFromLogits(tf.tensor1d([2, 1, 0]));
    assertClose(h.dataSync()[0], 0.8323956, 1e-6);
    const u = entropyFromLogits(tf.zeros([2, 5]));
    assertClose(Array.from(u.dataSync()), [Math.log(5), Math.log(5)], 1e-6);
    tf.dispose([h, u]);
  });

  it("has correct gradients", () => {
    checkGradient((z) => tf.sum(entropyFromLogits(z)), tf.tensor2d([[2, 1, 0], [0.5, -0.5, 3]]));
  });
});

import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak, rlErrorCode } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { dpoLoss, pairedSequenceLogProbs } from "../../src/index.js";
import { read } from "./helpers.js";

// 2 pairs, T = 3: rows 0,1 chosen, rows 2,3 rejected (stacked)
const lp = [
  [-1, -2, -9],
  [-0.5, -0.5, -0.5],
  [-3, -1, -4],
  [-2, -9, -9],
];
const mask = [
  [1, 1, 0],
  [1, 1, 1],
  [1, 1, 1],
  [1, 0, 0],
];

describe("pairedSequenceLogProbs", () => {
  it("splits a stacked [2N, T] batch into chosen and rejected sums and lengths", () => {
    const out = pairedSequenceLogProbs(tf.tensor2d(lp), tf.tensor2d(mask));
    expect(read(out.chosen)).toEqual([-3, -1.5]);
    expect(read(out.rejected)).toEqual([-8, -2]);
    expect(read(out.chosenLengths)).toEqual([2, 3]);
    expect(read(out.rejectedLengths)).toEqual([3, 1]);
  });

  it("takes interleaved rows and per-token means", () => {
    const out = pairedSequenceLogProbs(tf.tensor2d(lp), tf.tensor2d(mask), { layout: "interleaved", reduction: "mean" });
    assertClose(read(out.chosen), [-1.5, -8 / 3]); // rows 0 and 2
    assertClose(read(out.rejected), [-0.5, -2]); // rows 1 and 3
    expect(read(out.rejectedLengths)).toEqual([3, 1]);
  });

  it("feeds dpoLoss with the same numbers as the split done by hand", () => {
    const p = pairedSequenceLogProbs(tf.tensor2d(lp), tf.tensor2d(mask));
    const r = pairedSequenceLogProbs(tf.tensor2d(lp.map((row) => row.map((v) => v + 0.25))), tf.tensor2d(mask));
    const a = dpoLoss({ policyChosen: p.chosen, policyRejected: p.rejected, refChosen: r.chosen, refRejected: r.rejected }, { beta: 0.5 });
    const b = dpoLoss(
      { policyChosen: tf.tensor1d([-3, -1.5]), policyRejected: tf.tensor1d([-8, -2]), refChosen: tf.tensor1d([-2.5, -0.75]), refRejected: tf.tensor1d([-7.25, -1.75]) },
      { beta: 0.5 },
    );
    assertClose(read(a.losses), read(b.losses));
  });

  it("is differentiable: the DPO loss gradient reaches every unmasked token (finite differences)", () => {
    const m = tf.tensor2d(mask);
    const ref = tf.tensor2d(lp.map((row) => row.map((v) => v - 0.3)));
    const f = (x: tf.Tensor) =>
      tf.tidy(() => {
        const p = pairedSequenceLogProbs(x, m);
        const r = pairedSequenceLogProbs(ref, m);
        return dpoLoss({ policyChosen: p.chosen, policyRejected: p.rejected, refChosen: r.chosen, refRejected: r.rejected }, { beta: 0.5 }).loss;
      });
    checkGradient(f, tf.tensor2d(lp));
    const g = tf.grad(f)(tf.tensor2d(lp));
    const grads = g.arraySync() as number[][];
    grads.forEach((row, b) => row.forEach((v, t) => (mask[b]?.[t] === 0 ? expect(Math.abs(v)).toBe(0) : expect(Math.abs(v)).toBeGreaterThan(0))));
  });

  it("is leak-free", async () => {
    const x = tf.tensor2d(lp);
    const m = tf.tensor2d(mask);
    await expectNoTensorLeak(() => pairedSequenceLogProbs(x, m)); // disposes the returned tensors
    await expectNoTensorLeak(() => pairedSequenceLogProbs(x, m, { layout: "interleaved", reduction: "mean" }));
    tf.dispose([x, m]);
  });

  it("rejects an odd number of rows, mismatched shapes and unknown options", () => {
    const code = rlErrorCode;
    expect(code(() => pairedSequenceLogProbs(tf.zeros([3, 2]), tf.ones([3, 2])))).toBe("SHAPE_MISMATCH");
    expect(code(() => pairedSequenceLogProbs(tf.zeros([2, 2]), tf.ones([2, 3])))).toBe("SHAPE_MISMATCH");
    expect(code(() => pairedSequenceLogProbs(tf.zeros([0, 2]), tf.ones([0, 2])))).toBe("SHAPE_MISMATCH");
    expect(code(() => pairedSequenceLogProbs(tf.zeros([2, 2]), tf.ones([2, 2]), { layout: "zip" } as never))).toBe("INVALID_CONFIG");
  });
});

describe("pairedSequenceLogProbs in tf.tidy", () => {
  it("returns a TensorContainer, so tidy keeps its tensors and types them", () => {
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => pairedSequenceLogProbs(tf.tensor2d(lp), tf.tensor2d(mask)));
    expect(read(out.chosen)).toEqual([-3, -1.5]); // typed: no cast needed
    expect(tf.memory().numTensors - before).toBe(4);
    tf.dispose(Object.values(out));
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aggregateLoss, tf } from "../../src/index.js";
import { assertClose, checkGradient, expectNoTensorLeak } from "../../src/testing/index.js";

// Worked example, alignment.md §2.3.
const L = [
  [1, 2, 3],
  [4, 5, 0],
];
const M = [
  [1, 1, 1],
  [1, 1, 0],
];

describe("aggregateLoss", () => {
  it("matches the spec's worked numbers", () => {
    assertClose(aggregateLoss(L, M, { mode: "token-mean" }), 3);
    assertClose(aggregateLoss(L, M, { mode: "seq-mean-token-sum" }), 7.5);
    assertClose(aggregateLoss(L, M, { mode: "seq-mean-token-mean" }), 3.2499999854, 1e-9, 0);
    assertClose(aggregateLoss(L, M, { mode: "seq-mean-token-sum-norm" }), 5);
  });

  it("skips fully masked rows in the seq-mean modes (spec numbers)", () => {
    const M2 = [
      [1, 1, 1],
      [0, 0, 0],
    ];
    assertClose(aggregateLoss(L, M2, { mode: "token-mean" }), 2);
    assertClose(aggregateLoss(L, M2, { mode: "seq-mean-token-sum" }), 6);
    assertClose(aggregateLoss(L, M2, { mode: "seq-mean-token-mean" }), 2);
    assertClose(aggregateLoss(L, M2, { mode: "seq-mean-token-sum-norm" }), 2);
  });

  it("gives 0, not NaN, for an all-zero mask", () => {
    for (const mode of ["token-mean", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"] as const) {
      expect(aggregateLoss(L, [[0, 0, 0], [0, 0, 0]], { mode })).toBe(0);
    }
  });

  it("honours a global normalizer", () => {
    assertClose(aggregateLoss(L, M, { mode: "token-mean", normalizer: 10 }), 1.5);
  });

  it("tensor form equals the Matrix form and does not leak", async () => {
    for (const mode of ["token-mean", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"] as const) {
      const got = await expectNoTensorLeak(() => {
        const s = tf.tidy(() => aggregateLoss(tf.tensor2d(L), tf.tensor2d(M), { mode }));
        const v = s.dataSync()[0] as number;
        s.dispose();
        return v;
      });
      assertClose(got, aggregateLoss(L, M, { mode }), 1e-5);
    }
  });

  it("token-mean is a mean: invariant to adding a constant then subtracting it (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
        fc.double({ min: -5, max: 5, noNaN: true }),
        (rows, c) => {
          const mask = rows.map((r) => r.map(() => 1));
          const shifted = rows.map((r) => r.map((x) => x + c));
          assertClose(aggregateLoss(shifted, mask) - c, aggregateLoss(rows, mask), 1e-9, 1e-9);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("has correct gradients in every mode", () => {
    const m = tf.tensor2d(M);
    for (const mode of ["token-mean", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"] as const) {
      checkGradient((x) => aggregateLoss(tf.square(x) as tf.Tensor2D, m, { mode }), tf.tensor2d([[0.5, -1, 2], [1.5, 0.3, -0.7]]));
    }
    m.dispose();
  });

  it("rejects mismatched shapes and non-2-D input", () => {
    expect(() => aggregateLoss(L, [[1, 1]])).toThrow(/SHAPE|shape/);
    expect(() => aggregateLoss([1, 2, 3], [1, 1, 1])).toThrow(/must be \[B, T\]/);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maskedMean, maskedSum, maskedVariance, maskedWhiten, tf } from "../../src/index.js";
import { assertClose, checkGradient } from "../../src/testing/index.js";

const x = [
  [1, 2, 3],
  [4, 5, 6],
];
const m = [
  [1, 1, 0],
  [1, 0, 0],
];

describe("masked statistics (Matrix form)", () => {
  it("sum, mean, variance over the masked entries", () => {
    expect(maskedSum(x, m)).toBe(7);
    assertClose(maskedMean(x, m), 7 / 3);
    // values 1, 2, 4: mean 7/3, unbiased var = ((4/3)² + (1/3)² + (5/3)²)/2 = 7/3
    assertClose(maskedVariance(x, m), 7 / 3);
    assertClose(maskedVariance(x, m, { unbiased: false }), 14 / 9);
  });

  it("whitens to zero mean and unit (unbiased) variance, 0 on padding", () => {
    const w = maskedWhiten([[1, 2, 3, 4]], [[1, 1, 1, 1]]);
    assertClose(w.toArray()[0], [-1.1618950, -0.3872983, 0.3872983, 1.1618950], 1e-6);
    const w2 = maskedWhiten(x, m);
    expect(w2.get(0, 2)).toBe(0);
    expect(w2.get(1, 1)).toBe(0);
    assertClose(maskedMean(w2, m), 0, 1e-12);
  });

  it("keeps the mean when shiftMean is false", () => {
    const w = maskedWhiten([[1, 2, 3, 4]], [[1, 1, 1, 1]], { shiftMean: false });
    assertClose(w.toArray()[0], [1.3381050, 2.1127017, 2.8872983, 3.6618950], 1e-6);
  });

  it("edge cases: empty mask and a single valid entry give 0, never NaN", () => {
    expect(maskedMean(x, [[0, 0, 0], [0, 0, 0]])).toBe(0);
    expect(maskedVariance(x, [[0, 0, 0], [0, 0, 0]])).toBe(0);
    expect(maskedVariance(x, [[1, 0, 0], [0, 0, 0]])).toBe(0);
    expect(maskedWhiten(x, [[0, 0, 1], [0, 0, 0]]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
  });

  it("whitening is invariant to shift and positive scale (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 3, maxLength: 12 }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: 0.5, max: 20, noNaN: true }),
        (row, shift, scale) => {
          const mean = row.reduce((a, b) => a + b, 0) / row.length;
          if (row.reduce((a, v) => a + (v - mean) ** 2, 0) / row.length < 1e-2) return; // near-constant rows: ε dominates
          const mask = [row.map(() => 1)];
          const a = maskedWhiten([row], mask).toArray()[0] as number[];
          const b = maskedWhiten([row.map((v) => v * scale + shift)], mask).toArray()[0] as number[];
          assertClose(b, a, 1e-5, 1e-4);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("rejects ragged and mismatched input with a message naming both shapes", () => {
    expect(() => maskedMean([[1, 2], [3]], [[1, 1], [1]])).toThrow(/ragged: row 0 has 2 entries, row 1 has 1/);
    expect(() => maskedMean(x, [[1, 1, 1]])).toThrow(/mask has shape \[1,3\], x has \[2,3\]/);
  });
});

describe("masked statistics (tensor form)", () => {
  it("equal the Matrix forms, are leak-free, and have correct gradients", () => {
    const before = tf.memory().numTensors;
    const vals = tf.tidy(() => {
      const xt = tf.tensor2d(x);
      const mt = tf.tensor2d(m);
      return tf.stack([maskedSum(xt, mt), maskedMean(xt, mt), maskedVariance(xt, mt)]);
    });
    assertClose(Array.from(vals.dataSync()), [7, 7 / 3, 7 / 3], 1e-5);
    vals.dispose();
    const w = tf.tidy(() => maskedWhiten(tf.tensor2d(x), tf.tensor2d(m)));
    assertClose(Array.from(w.dataSync()), maskedWhiten(x, m).toFlatArray(), 1e-5);
    w.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const mt = tf.tensor2d(m);
    checkGradient((t) => maskedMean(tf.square(t), mt), tf.tensor2d([[0.5, 1, 2], [-1, 3, 4]]));
    checkGradient((t) => tf.sum(tf.mul(maskedWhiten(t, mt), tf.tensor2d([[1, 2, 3], [4, 5, 6]]))), tf.tensor2d([[0.5, 1, 2], [-1, 3, 4]]), { abs: 5e-3, rel: 5e-2 });
    mt.dispose();
  });
});

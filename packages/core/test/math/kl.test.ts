import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { klEstimate, tf } from "../../src/index.js";
import { assertClose, checkGradient, expectNoTensorLeak } from "../../src/testing/index.js";

// Worked example, alignment.md §2.4: lp = [-1, -2, -0.1], ref = [-1.5, -1, -25].
const lp = [[-1.0, -2.0, -0.1]];
const ref = [[-1.5, -1.0, -25.0]];

describe("klEstimate (Matrix form)", () => {
  it("matches the spec's worked numbers for every kind", () => {
    assertClose(klEstimate(lp, ref, { kind: "k1" }).toArray()[0], [0.5, -1.0, 24.9]);
    assertClose(klEstimate(lp, ref, { kind: "abs" }).toArray()[0], [0.5, 1.0, 24.9]);
    assertClose(klEstimate(lp, ref, { kind: "k2" }).toArray()[0], [0.125, 0.5, 310.005]);
    assertClose(klEstimate(lp, ref, { kind: "k3" }).toArray()[0], [0.1065307, 0.7182818, 10]);
    assertClose(klEstimate(lp, ref, { kind: "k3", clamp: "none" }).toArray()[0], [0.1065307, 0.7182818, 23.9]);
    assertClose(klEstimate(lp, ref, { kind: "k1", clamp: "openrlhf" }).toArray()[0], [0.5, -1.0, 10]);
  });

  it("accepts verl's names as aliases", () => {
    expect(klEstimate(lp, ref, { kind: "low_var_kl" }).toArray()).toEqual(klEstimate(lp, ref, { kind: "k3" }).toArray());
    expect(klEstimate(lp, ref, { kind: "mse" }).toArray()).toEqual(klEstimate(lp, ref, { kind: "k2" }).toArray());
    expect(klEstimate(lp, ref, { kind: "kl" }).toArray()).toEqual(klEstimate(lp, ref, { kind: "k1" }).toArray());
  });

  it("k3 is non-negative and zero exactly when lp = ref (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: -15, max: 0, noNaN: true }), fc.double({ min: -15, max: 0, noNaN: true }), (a, b) => {
        const k = klEstimate([[a]], [[b]], { kind: "k3" }).get(0, 0);
        expect(k).toBeGreaterThanOrEqual(-1e-12);
        if (a === b) expect(k).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it("rejects unknown kinds, mismatched shapes and NaN", () => {
    expect(() => klEstimate(lp, ref, { kind: "k9" })).toThrow(/INVALID_CONFIG|invalid config/);
    expect(() => klEstimate(lp, [[1, 2]])).toThrow(/refLogProbs has shape \[1,2\], logProbs has \[1,3\]/);
    expect(() => klEstimate([[Number.NaN]], [[0]])).toThrow(/logProbs\[0\]\[0\] is NaN/);
  });
});

describe("klEstimate (tensor form)", () => {
  it("agrees with the Matrix form and does not leak", async () => {
    for (const kind of ["k1", "abs", "k2", "k3"] as const) {
      const got = await expectNoTensorLeak(() => {
        const t = tf.tidy(() => klEstimate(tf.tensor2d(lp), tf.tensor2d(ref), { kind }));
        const v = t.arraySync() as number[][];
        t.dispose();
        return v;
      });
      assertClose(got[0], klEstimate(lp, ref, { kind }).toArray()[0], 1e-4, 1e-5);
    }
  });

  it("k3 has the gradient 1 − e^{ref − lp} (finite differences)", () => {
    const refT = tf.tensor1d([-1.5, -1.0, -0.3]);
    checkGradient((x) => tf.sum(klEstimate(x, refT, { kind: "k3" })), tf.tensor1d([-1.0, -2.0, -0.1]));
    refT.dispose();
  });

  it("k3+ has the value of k3 and the gradient of k2 (straight-through)", () => {
    const x = tf.tensor1d([-1.0, -2.0, -0.1]);
    const r = tf.tensor1d([-1.5, -1.0, -0.3]);
    const value = klEstimate(x, r, { kind: "k3+" });
    assertClose(Array.from(value.dataSync()), Array.from(klEstimate([[-1.0, -2.0, -0.1]], [[-1.5, -1.0, -0.3]]).data), 1e-5);
    const g = tf.grad((t: tf.Tensor) => tf.sum(klEstimate(t, r, { kind: "k3+" })))(x);
    assertClose(Array.from(g.dataSync()), [0.5, -1.0, 0.2], 1e-5); // d(½δ²)/dlp = δ
    tf.dispose([x, r, value, g]);
  });
});

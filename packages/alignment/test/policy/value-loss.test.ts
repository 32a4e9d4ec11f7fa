import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { valueLoss } from "../../src/index.js";
import { disposeAll, num } from "./fixtures.js";

const E8 = {
  values: [
    [1.0, 0.5, 0.2],
    [0.0, -0.4, 0.9],
  ],
  oldValues: [
    [0.8, 0.6, 0.0],
    [0.3, -0.1, 0.0],
  ],
  returns: [
    [1.2, 0.0, 0.1],
    [-0.5, -0.5, 0.0],
  ],
  mask: [
    [1, 1, 1],
    [1, 1, 0],
  ],
};
const e8 = () => ({ values: tf.tensor2d(E8.values), oldValues: tf.tensor2d(E8.oldValues), returns: tf.tensor2d(E8.returns), mask: tf.tensor2d(E8.mask) });

describe("valueLoss", () => {
  it("spec E8: clip 0.2 → 0.07 / 0.175, clipFraction 0.4; clip 0.5 → 0.056, 0", () => {
    const x = e8();
    const a = valueLoss(x, { clip: 0.2 });
    assertClose(num(a.loss), 0.07, 1e-6);
    assertClose(a.metrics.clipFraction, 0.4, 1e-6);
    const b = valueLoss(x, { clip: 0.2, aggregation: "seq-mean-token-sum" });
    assertClose(num(b.loss), 0.175, 1e-6);
    const c = valueLoss(x, { clip: 0.5 });
    assertClose(num(c.loss), 0.056, 1e-6);
    expect(c.metrics.clipFraction).toBe(0);
    disposeAll({ ...x, a: a.loss, ap: a.perToken, b: b.loss, bp: b.perToken, c: c.loss, cp: c.perToken });
  });

  it("with no clip (or a huge one) equals ½·masked MSE", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true })), { minLength: 1, maxLength: 6 }), (pairs) => {
        const v = tf.tensor2d([pairs.map(([a]) => a)]);
        const r = tf.tensor2d([pairs.map(([, b]) => b)]);
        const m = tf.onesLike(v) as tf.Tensor2D;
        const mse = pairs.reduce((s, [a, b]) => s + (a - b) ** 2, 0) / pairs.length;
        for (const clip of [null, 1e6]) {
          const o = valueLoss({ values: v, oldValues: v, returns: r, mask: m }, { clip });
          assertClose(num(o.loss), 0.5 * mse, 1e-5, 1e-4);
          disposeAll({ l: o.loss, p: o.perToken });
        }
        disposeAll({ v, r, m });
      }),
      { numRuns: 30 },
    );
  });

  it("gradient matches finite differences", () => {
    const x = e8();
    const v = tf.tensor2d([
      [1.05, 0.45, 0.25],
      [0.05, -0.45, 0.9],
    ]);
    checkGradient((t) => {
      const o = valueLoss({ ...x, values: t }, { clip: 0.2 });
      o.perToken.dispose();
      return o.loss;
    }, v, { step: 1e-3 });
    disposeAll({ ...x, v });
  });

  it("no leak; shape errors", async () => {
    const x = e8();
    await expectNoTensorLeak(() => valueLoss(x));
    const bad = tf.zeros([2, 2]);
    expect(() => valueLoss({ ...x, returns: bad })).toThrow(/returns has shape \[2,2\]/);
    disposeAll({ ...x, bad });
  });
});

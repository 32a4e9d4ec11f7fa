import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { ldDpoSequenceLogProbs } from "../../src/preference/ld-dpo.js";
import { read, scoped } from "./helpers.js";

describe("ldDpoSequenceLogProbs", () => {
  it("spec worked example (§2.1): α 0.5 → chosen −6.5, rejected −2; α 1 = sums; α 0 truncates", () => {
    scoped(() => {
      const c = tf.tensor2d([[-1, -2, -3, -4, -7]]);
      const r = tf.tensor2d([[-1, -1, -5]]);
      const mc = [[1, 1, 1, 1, 0]];
      const mr = [[1, 1, 0]];
      const half = ldDpoSequenceLogProbs(c, mc, r, mr, { alpha: 0.5 });
      expect(read(half.chosen)).toEqual([-6.5]);
      expect(read(half.rejected)).toEqual([-2]);
      expect(read(ldDpoSequenceLogProbs(c, mc, r, mr, { alpha: 1 }).chosen)).toEqual([-10]);
      expect(read(ldDpoSequenceLogProbs(c, mc, r, mr, { alpha: 0 }).chosen)).toEqual([-3]);
    });
  });
  it("counts positions among mask = 1 tokens (left padding)", () => {
    scoped(() => {
      const o = ldDpoSequenceLogProbs(tf.tensor2d([[-9, -1, -2, -3]]), [[0, 1, 1, 1]], tf.tensor2d([[-1, -1]]), [[1, 1]], { alpha: 0.5 });
      assertClose(read(o.chosen), [-1 - 2 - 1.5], 1e-6, 1e-6);
    });
  });
  it("gradient check, bad input, no leaks", async () => {
    scoped(() => {
      const r = tf.tensor2d([[-1, -1]]);
      checkGradient((x) => tf.sum(ldDpoSequenceLogProbs(x, [[1, 1, 1, 0]], r, [[1, 1]], { alpha: 0.3 }).chosen), tf.tensor2d([[-1, -2, -3, -4]]));
      expect(() => ldDpoSequenceLogProbs(tf.zeros([1, 2]), [[1, 1]], r, [[1, 1]], { alpha: 1.5 })).toThrow(/alpha/);
      expect(() => ldDpoSequenceLogProbs(tf.zeros([1, 3]), [[1, 1]], r, [[1, 1]], { alpha: 1 })).toThrow(/shape/);
      expect(() => ldDpoSequenceLogProbs(tf.zeros([1, 2]), [[1, 2]], r, [[1, 1]], { alpha: 1 })).toThrow(/mask/);
    });
    const c = tf.tensor2d([[-1, -2]]);
    await expectNoTensorLeak(() => ldDpoSequenceLogProbs(c, [[1, 1]], c, [[1, 0]], { alpha: 0.5 }));
    c.dispose();
  });
});

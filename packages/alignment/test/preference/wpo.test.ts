import { tf } from "@rl/core";
import { assertClose, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { wpoSequenceWeights } from "../../src/preference/wpo.js";
import { read, scoped } from "./helpers.js";

describe("wpoSequenceWeights", () => {
  it("matches a float64 hand computation; masked tokens and empty rows", () => {
    scoped(() => {
      const z = [[[2, 1, 0], [0, 0, 1], [5, 5, 5]], [[1, 2, 3], [0, 0, 0], [0, 0, 0]]];
      const ids = [[0, 2, 1], [2, 0, 0]];
      const mask = [[1, 1, 0], [0, 0, 0]];
      const hand = (row: number[][], y: number[], m: number[]): number => {
        let s = 0;
        let n = 0;
        row.forEach((logits, t) => {
          if (m[t] === 0) return;
          const lse = Math.log(logits.reduce((a, v) => a + Math.exp(v), 0));
          const p = logits.map((v) => Math.exp(v - lse));
          s += Math.log(p[y[t] as number] as number) - Math.log(p.reduce((a, v) => a + v * v, 0));
          n += 1;
        });
        return Math.exp(n > 0 ? s / n : 0);
      };
      const w = read(wpoSequenceWeights(tf.tensor3d(z), tf.tensor2d(ids, undefined, "int32"), mask));
      assertClose(w, [hand(z[0]!, ids[0]!, mask[0]!), 1], 1e-6, 1e-5);
    });
  });
  it("is a constant (zero gradient) and leaves no tensors behind", async () => {
    const logits = tf.tensor3d([[[2, 1, 0], [0, 0, 1]]]);
    const ids = tf.tensor2d([[0, 2]], undefined, "int32");
    scoped(() => {
      const g = tf.grad((x: tf.Tensor) => tf.sum(wpoSequenceWeights(x, ids, [[1, 1]])))(logits);
      expect(read(g).every((v) => v === 0)).toBe(true);
      expect(() => wpoSequenceWeights(tf.zeros([1, 2]), ids, [[1, 1]])).toThrow(/\[B, T, V\]/);
    });
    await expectNoTensorLeak(() => wpoSequenceWeights(logits, ids, [[1, 0]]));
    logits.dispose();
    ids.dispose();
  });
});

import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak, numericGradient } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { createEmbeddingEncoder } from "../../src/index.js";
import { lastTokenIndex, lastTokenPool } from "../../src/models/index.js";
import { codeOf } from "./helpers.js";

describe("lastTokenIndex / lastTokenPool", () => {
  it("reproduces spec §2 (left and right padding)", () => {
    const mask = tf.tensor2d([[0, 0, 1, 1, 1], [1, 1, 1, 0, 0]]);
    const idx = lastTokenIndex(mask);
    expect(Array.from(idx.dataSync())).toEqual([4, 2]);
    idx.dispose();
    const hidden = tf.tensor3d([[[1], [2], [3], [4], [5]], [[6], [7], [8], [9], [10]]]);
    const pooled = lastTokenPool(hidden, mask);
    expect(Array.from(pooled.dataSync())).toEqual([5, 8]);
    pooled.dispose();
    checkGradient((h) => tf.sum(tf.square(lastTokenPool(h, mask))), hidden);
    hidden.dispose();
    mask.dispose();
  });
  it("rejects an all-padding row", () => {
    const mask = tf.tensor2d([[0, 0]]);
    expect(codeOf(() => lastTokenIndex(mask))).toBe("INVALID_INPUT");
    mask.dispose();
  });
});

describe("createEmbeddingEncoder", () => {
  it("returns [B,T,H], is causal, ignores padding and does not leak", async () => {
    const enc = createEmbeddingEncoder({ vocabSize: 10, hiddenSize: 4, seed: 3 });
    const ids = tf.tensor2d([[1, 2, 3, 0], [1, 2, 3, 4]], [2, 4], "int32");
    const mask = tf.tensor2d([[1, 1, 1, 0], [1, 1, 1, 1]]);
    const h = await expectNoTensorLeak(() => {
      const out = enc.encode(ids, mask);
      const v = out.arraySync() as number[][][];
      out.dispose();
      return v;
    });
    expect(h[0]?.length).toBe(4);
    expect(h[0]?.[0]?.length).toBe(4);
    // the first three positions do not depend on what follows
    for (let t = 0; t < 3; t++) for (let k = 0; k < 4; k++) expect(h[0]![t]![k]).toBeCloseTo(h[1]![t]![k]!, 5);
    ids.dispose();
    mask.dispose();
    enc.dispose();
  });
  it("has correct gradients through the encoder variables", () => {
    const enc = createEmbeddingEncoder({ vocabSize: 5, hiddenSize: 3, seed: 1 });
    const ids = tf.tensor2d([[1, 2, 4]], [1, 3], "int32");
    const mask = tf.ones([1, 3]);
    const w = enc.variables[1] as tf.Variable;
    const w0 = w.clone();
    const { grads, value } = tf.variableGrads(() => tf.sum(enc.encode(ids, mask)) as tf.Scalar, [w]);
    const analytic = Array.from((grads[w.name] as tf.Tensor).dataSync());
    tf.dispose([value, ...Object.values(grads)]);
    const numeric = numericGradient((x) => {
      w.assign(x);
      return tf.sum(enc.encode(ids, mask));
    }, w0);
    w.assign(w0);
    assertClose(analytic, Array.from(numeric), 2e-3, 2e-2);
    w0.dispose();
    ids.dispose();
    mask.dispose();
    enc.dispose();
  });
});

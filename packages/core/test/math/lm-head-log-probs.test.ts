import { describe, expect, it } from "vitest";
import { createRng, gatherLogProbs, linear, lmHeadLogProbs, ready, tf } from "../../src/index.js";
import { assertClose, checkGradient, expectNoTensorLeak, rlErrorCode } from "../../src/testing/index.js";

const randn = (shape: number[], seed: number, sd = 1): tf.Tensor => {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Array.from({ length: n }, () => rng.normal(0, sd)), shape);
};
const randIds = (B: number, T: number, V: number, seed: number): tf.Tensor2D => {
  const rng = createRng(seed);
  return tf.tensor2d(Int32Array.from({ length: B * T }, () => rng.int(V)), [B, T], "int32");
};

// the composite: [B, T, V] logits, then log-softmax and gather
const composite = (h: tf.Tensor, w: tf.Tensor, ids: tf.Tensor, b: tf.Tensor | undefined, temperature: number): tf.Tensor =>
  gatherLogProbs(linear(h, w as tf.Tensor2D, b as tf.Tensor1D | undefined), ids, { temperature });

describe("lmHeadLogProbs", () => {
  for (const [B, T, d, V, chunkSize, temperature, withBias] of [
    [2, 5, 4, 7, 3, 1, true],
    [1, 1, 3, 1, undefined, 0.7, false], // V = 1, T = 1
    [3, 4, 6, 11, 1, 1.3, true],
    [2, 3, 5, 9, 100, 1, false], // one chunk
  ] as const) {
    it(`equals the composite in value and in the gradients of hidden, weight${withBias ? ", bias" : ""} ([${B},${T},${d}]·[${d},${V}], chunk ${chunkSize ?? "auto"}, τ ${temperature})`, async () => {
      await expectNoTensorLeak(() => {
        const h = randn([B, T, d], 1);
        const w = randn([d, V], 2) as tf.Tensor2D;
        const b = withBias ? (randn([V], 3) as tf.Tensor1D) : undefined;
        const ids = randIds(B, T, V, 4);
        const up = randn([B, T], 5);
        const cfg = { temperature, ...(chunkSize !== undefined ? { chunkSize } : {}) };
        const ours = lmHeadLogProbs({ hidden: h, weight: w, ids, ...(b ? { bias: b } : {}) }, cfg);
        const ref = tf.tidy(() => composite(h, w, ids, b, temperature));
        expect(ours.shape).toEqual([B, T]);
        assertClose(Array.from(ours.dataSync()), Array.from(ref.dataSync()), 1e-5, 1e-5);
        const xs = b ? [h, w, b] : [h, w];
        const gOurs = tf.grads((...a: tf.Tensor[]) =>
          tf.sum(tf.mul(lmHeadLogProbs({ hidden: a[0]!, weight: a[1] as tf.Tensor2D, ids, ...(a[2] ? { bias: a[2] as tf.Tensor1D } : {}) }, cfg), up)),
        )(xs);
        const gRef = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(composite(a[0]!, a[1]!, ids, a[2], temperature), up)))(xs);
        gOurs.forEach((g, k) => {
          expect(g.shape).toEqual(gRef[k]!.shape);
          assertClose(Array.from(g.dataSync()), Array.from(gRef[k]!.dataSync()), 1e-5, 1e-4);
        });
        tf.dispose([h, w, ids, up, ours, ref, ...gOurs, ...gRef, ...(b ? [b] : [])]);
      });
    });
  }

  it("matches finite differences for hidden, weight and bias", () => {
    const h = randn([2, 3, 3], 6);
    const w = randn([3, 5], 7) as tf.Tensor2D;
    const b = randn([5], 8) as tf.Tensor1D;
    const ids = randIds(2, 3, 5, 9);
    const up = randn([2, 3], 10);
    const cfg = { chunkSize: 2, temperature: 0.8 };
    checkGradient((t) => tf.sum(tf.mul(lmHeadLogProbs({ hidden: t, weight: w, ids, bias: b }, cfg), up)), h);
    checkGradient((t) => tf.sum(tf.mul(lmHeadLogProbs({ hidden: h, weight: t as tf.Tensor2D, ids, bias: b }, cfg), up)), w);
    checkGradient((t) => tf.sum(tf.mul(lmHeadLogProbs({ hidden: h, weight: w, ids, bias: t as tf.Tensor1D }, cfg), up)), b);
    tf.dispose([h, w, b, ids, up]);
  });

  it("never holds the [B, T, V] logits: peak extra memory ≤ 0.25x of them (small shape)", async () => {
    const [B, T, d, V] = [2, 32, 8, 2000];
    const h = randn([B, T, d], 11);
    const w0 = randn([d, V], 12);
    const w = tf.variable(w0) as unknown as tf.Tensor2D; // model weights: read directly, not copied for the backward
    w0.dispose();
    const ids = randIds(B, T, V, 13);
    const logitsBytes = B * T * V * 4;
    const run = (): void => {
      const lp = lmHeadLogProbs({ hidden: h, weight: w, ids }, { chunkSize: 2 });
      lp.dataSync();
      lp.dispose();
    };
    run();
    const before = tf.memory().numBytes;
    const { peakBytes } = await tf.profile(run);
    expect(peakBytes - before).toBeLessThanOrEqual(0.25 * logitsBytes);
    // the backward too, beyond the gradients it returns
    const up = randn([B, T], 14);
    const grads = (): void => tf.dispose(tf.grads((hh: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(lmHeadLogProbs({ hidden: hh, weight: ww as tf.Tensor2D, ids }, { chunkSize: 2 }), up)))([h, w]));
    grads();
    const gradBytes = (B * T * d + d * V) * 4;
    const back = await tf.profile(grads);
    expect(back.peakBytes - before - 4 * B * T - gradBytes).toBeLessThanOrEqual(0.25 * logitsBytes);
    up.dispose();
    // the composite holds them (and more)
    const { peakBytes: compositePeak } = await tf.profile(() => tf.dispose(tf.tidy(() => composite(h, w, ids, undefined, 1))));
    expect(compositePeak - before).toBeGreaterThan(logitsBytes);
    tf.dispose([h, w, ids]);
  });

  it("throws RLError on bad shapes and ids out of range", () => {
    const h = tf.zeros([2, 3, 4]);
    const w = tf.zeros([4, 5]) as tf.Tensor2D;
    const ids = tf.zeros([2, 3], "int32");
    const code = (x: Partial<Parameters<typeof lmHeadLogProbs>[0]>): string => rlErrorCode(() => lmHeadLogProbs({ hidden: h, weight: w, ids, ...x }));
    expect(code({ hidden: tf.zeros([6, 4]) })).toBe("SHAPE_MISMATCH");
    expect(code({ weight: tf.zeros([3, 5]) as tf.Tensor2D })).toBe("SHAPE_MISMATCH");
    expect(code({ ids: tf.zeros([2, 4], "int32") })).toBe("SHAPE_MISMATCH");
    expect(code({ bias: tf.zeros([4]) as tf.Tensor1D })).toBe("SHAPE_MISMATCH");
    expect(code({ ids: tf.tensor2d([[0, 1, 5], [0, 0, 0]], undefined, "int32") })).toBe("INVALID_INPUT");
    expect(code({ ids: tf.tensor2d([[0, -1, 2], [0, 0, 0]], undefined, "int32") })).toBe("INVALID_INPUT");
    expect(rlErrorCode(() => lmHeadLogProbs({ hidden: h, weight: w, ids }, { chunkSize: 0 }))).toBe("INVALID_CONFIG");
    tf.dispose([h, w, ids]);
  });

  it("equals the composite on the cpu backend (in-place gradient columns there too)", async () => {
    await ready({ backend: "cpu" });
    try {
      const h = randn([2, 3, 4], 21);
      const w = randn([4, 9], 22) as tf.Tensor2D;
      const b = randn([9], 23) as tf.Tensor1D;
      const ids = randIds(2, 3, 9, 24);
      const f = (hh: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor): tf.Scalar => tf.sum(lmHeadLogProbs({ hidden: hh, weight: ww as tf.Tensor2D, ids, bias: bb as tf.Tensor1D }, { chunkSize: 2, temperature: 0.9 }));
      const g = tf.grads(f)([h, w, b]);
      const gRef = tf.grads((hh: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(composite(hh, ww, ids, bb, 0.9)))([h, w, b]);
      g.forEach((t, k) => assertClose(Array.from(t.dataSync()), Array.from(gRef[k]!.dataSync()), 1e-5, 1e-4));
      tf.dispose([h, w, b, ids, ...g, ...gRef]);
    } finally {
      await ready();
    }
  });
});

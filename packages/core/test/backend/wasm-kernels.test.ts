import { describe, expect, it } from "vitest";
import { createRng, tf } from "../../src/index.js";
import { expectNoTensorLeak } from "../../src/testing/index.js";

// ready() (test/setup.ts) runs on wasm: Slice and Identity are core's replacements there.
const iota = (shape: number[], dtype: "float32" | "int32" = "float32") => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, k) => k), shape, dtype);

// the box by plain index arithmetic (the reference)
function sliceRef(values: ArrayLike<number>, shape: number[], begin: number[], size: number[]): number[] {
  const out: number[] = [];
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, v) => p * v, 1));
  const n = size.reduce((a, b) => a * b, 1);
  for (let k = 0; k < n; k++) {
    let rest = k;
    let src = 0;
    for (let a = shape.length - 1; a >= 0; a--) {
      const i = rest % (size[a] as number);
      rest = Math.floor(rest / (size[a] as number));
      src += ((begin[a] as number) + i) * (strides[a] as number);
    }
    out.push(values[src] as number);
  }
  return out;
}

describe("wasm Slice (no copy of the whole input)", () => {
  it("equals index arithmetic on random boxes, ranks 1 to 5, float32 and int32", async () => {
    expect(tf.getBackend()).toBe("wasm");
    const rng = createRng(0);
    await expectNoTensorLeak(() => {
      for (let trial = 0; trial < 60; trial++) {
        const rank = 1 + (trial % 5);
        const shape = Array.from({ length: rank }, () => 1 + rng.int(4));
        const begin = shape.map((s) => rng.int(s));
        const size = shape.map((s, a) => (rng.uniform() < 0.3 ? s - (begin[a] as number) : 1 + rng.int(s - (begin[a] as number))));
        for (const dtype of ["float32", "int32"] as const) {
          const x = iota(shape, dtype);
          const y = tf.slice(x, begin, size);
          expect(y.shape).toEqual(size);
          expect(y.dtype).toBe(dtype);
          expect(Array.from(y.dataSync())).toEqual(sliceRef(x.dataSync(), shape, begin, size));
          tf.dispose([x, y]);
        }
      }
    });
  });

  it("slices q, k, v out of a [B, T, 3d] projection, bool tensors, and empty boxes", () => {
    const x = iota([2, 3, 6]);
    expect(Array.from(tf.slice(x, [0, 0, 2], [2, 3, 2]).dataSync())).toEqual([2, 3, 8, 9, 14, 15, 20, 21, 26, 27, 32, 33]);
    expect(Array.from(tf.slice(x, [1, 2, 0], [1, 1, 6]).dataSync())).toEqual([30, 31, 32, 33, 34, 35]);
    expect(tf.slice(x, [0, 0, 0], [2, 0, 6]).shape).toEqual([2, 0, 6]);
    const b = tf.tensor1d([true, false, true, true], "bool");
    expect(Array.from(tf.slice(b, [1], [3]).dataSync())).toEqual([0, 1, 1]);
  });
});

describe("wasm Identity (shared, reference-counted)", () => {
  it("a clone holds the input's values after the input is disposed, and frees its memory", async () => {
    await expectNoTensorLeak(() => {
      const before = tf.memory().numBytes;
      const x = tf.tensor1d([1, 2, 3]);
      const c = x.clone();
      x.dispose();
      expect(Array.from(c.dataSync())).toEqual([1, 2, 3]);
      c.dispose();
      expect(tf.memory().numBytes).toBe(before);
    });
  });

  it("a value saved for a gradient survives a variable's assign", () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const g = tf.grad((x) => tf.sum(tf.mul(x, v)))(tf.tensor1d([1, 1, 1]));
    v.assign(tf.tensor1d([7, 8, 9]));
    expect(Array.from(g.dataSync())).toEqual([1, 2, 3]);
    const g2 = tf.grad((x) => tf.sum(tf.mul(x, v)))(tf.tensor1d([1, 1, 1]));
    expect(Array.from(g2.dataSync())).toEqual([7, 8, 9]);
    v.dispose();
  });
});

describe("Sum / Mean gradients (ones from Fill)", () => {
  it("are dy broadcast over the reduced axes (and / n for the mean), on every axis choice", async () => {
    await expectNoTensorLeak(() => {
      const x = iota([2, 3, 4]);
      const up = tf.tensor2d([[1, -2, 3], [0.5, 4, -1]]); // [2, 3]: the sum over axis 2
      const gs = tf.grad((t) => tf.sum(tf.mul(tf.sum(t, 2), up)))(x);
      expect(gs.shape).toEqual([2, 3, 4]);
      expect(Array.from(gs.dataSync())).toEqual([1, -2, 3, 0.5, 4, -1].flatMap((v) => [v, v, v, v]));
      const gm = tf.grad((t) => tf.sum(tf.mul(tf.mean(t, [0, 2]), tf.tensor1d([8, 16, -8]))))(x);
      expect(Array.from(gm.dataSync())).toEqual([0, 1].flatMap(() => [1, 2, -1].flatMap((v) => [v, v, v, v])));
      const gAll = tf.grad((t) => tf.mean(t))(x);
      expect(Array.from(gAll.dataSync())).toEqual(new Array(24).fill(1 / 24).map((v) => Math.fround(v)));
      tf.dispose([x, up, gs, gm, gAll]);
    });
  });
});

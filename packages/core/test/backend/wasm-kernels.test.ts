import { describe, expect, it } from "vitest";
import { createRng, tf } from "../../src/index.js";
import { assertClose, expectNoTensorLeak } from "../../src/testing/index.js";

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

// transpose by index arithmetic (the reference)
function transposeRef(values: ArrayLike<number>, shape: number[], perm: number[]): number[] {
  const outShape = perm.map((a) => shape[a] as number);
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, v) => p * v, 1));
  const n = shape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    let rest = k;
    let src = 0;
    for (let a = outShape.length - 1; a >= 0; a--) {
      const i = rest % (outShape[a] as number);
      rest = Math.floor(rest / (outShape[a] as number));
      src += i * (strides[perm[a] as number] as number);
    }
    out.push(values[src] as number);
  }
  return out;
}

describe("wasm Transpose (blocked JS for batched 2-D transposes)", () => {
  it("equals index arithmetic for every permutation of ranks 1 to 4 (size-1 axes too), float32, int32 and bool", async () => {
    const perms = (r: number): number[][] => (r <= 1 ? [[0]] : perms(r - 1).flatMap((p) => Array.from({ length: r }, (_, i) => [...p.slice(0, i), r - 1, ...p.slice(i)])));
    const rng = createRng(3);
    await expectNoTensorLeak(() => {
      for (let rank = 1; rank <= 4; rank++) {
        for (const perm of perms(rank)) {
          const shape = Array.from({ length: rank }, () => (rng.uniform() < 0.25 ? 1 : 2 + rng.int(4)));
          for (const dtype of ["float32", "int32"] as const) {
            const x = iota(shape, dtype);
            const y = tf.transpose(x, perm);
            expect(y.shape).toEqual(perm.map((a) => shape[a]));
            expect(y.dtype).toBe(dtype);
            expect(Array.from(y.dataSync())).toEqual(transposeRef(x.dataSync(), shape, perm));
            tf.dispose([x, y]);
          }
        }
      }
      // the shapes linear's backward transposes (tiles of 16 with remainders)
      for (const shape of [[2560, 48], [37, 19], [3, 17, 33]]) {
        const x = iota(shape);
        const perm = shape.length === 2 ? [1, 0] : [0, 2, 1];
        const y = tf.transpose(x, perm);
        expect(Array.from(y.dataSync())).toEqual(transposeRef(x.dataSync(), shape, perm));
        tf.dispose([x, y]);
      }
      const b = tf.tensor2d([[true, false, true], [false, false, true]], undefined, "bool");
      const bt = tf.transpose(b);
      expect(bt.dtype).toBe("bool");
      expect(Array.from(bt.dataSync())).toEqual([1, 0, 0, 0, 1, 1]);
      tf.dispose([b, bt]);
    });
  });
});

describe("wasm Sum over a contiguous block of outer axes (JS, float32 accumulation in the native order)", () => {
  it("equals a float64 reference and, bit for bit, the native transpose + reduce, on every axis set of ranks 1 to 4, with keepDims", async () => {
    const rng = createRng(4);
    await expectNoTensorLeak(() => {
      for (let rank = 1; rank <= 4; rank++) {
        const shape = Array.from({ length: rank }, () => 1 + rng.int(5));
        const n = shape.reduce((a, b) => a * b, 1);
        const values = Array.from({ length: n }, () => rng.normal(0, 1));
        const x = tf.tensor(values, shape);
        for (let mask = 1; mask < 1 << rank; mask++) {
          const axes = Array.from({ length: rank }, (_, a) => a).filter((a) => (mask >> a) & 1);
          for (const keepDims of [false, true]) {
            const y = tf.sum(x, axes, keepDims);
            const outShape = keepDims ? shape.map((s, a) => (axes.includes(a) ? 1 : s)) : shape.filter((_, a) => !axes.includes(a));
            expect(y.shape).toEqual(outShape);
            // reference: accumulate every element into its output cell
            const acc = new Float64Array(outShape.reduce((a, b) => a * b, 1));
            const kept = shape.map((_, a) => a).filter((a) => !axes.includes(a));
            for (let k = 0; k < n; k++) {
              let rest = k;
              const idx = new Array<number>(rank);
              for (let a = rank - 1; a >= 0; a--) {
                idx[a] = rest % (shape[a] as number);
                rest = Math.floor(rest / (shape[a] as number));
              }
              let o = 0;
              for (const a of kept) o = o * (shape[a] as number) + (idx[a] as number);
              acc[o] = (acc[o] as number) + (values[k] as number);
            }
            assertClose(Array.from(y.dataSync()), Array.from(acc), 1e-5, 1e-5);
            // bit-identical to the native path: move the reduced axes innermost, then reduce there
            const perm = [...kept, ...axes];
            const native = tf.tidy(() => tf.sum(tf.transpose(x, perm), Array.from({ length: axes.length }, (_, k) => kept.length + k), false));
            expect(Array.from(y.dataSync())).toEqual(Array.from(native.dataSync()));
            tf.dispose([y, native]);
          }
        }
        x.dispose();
      }
      // the bias gradient's shape; int32 keeps the native kernel (int32 result)
      const dy = tf.tensor2d(Array.from({ length: 2560 * 48 }, (_, k) => (k % 7) - 3 + 0.5), [2560, 48]);
      const col = tf.sum(dy, 0);
      expect(Array.from(col.dataSync()).slice(0, 3)).toEqual([sumCol(0), sumCol(1), sumCol(2)]);
      const xi = tf.tensor2d([[1, 2], [3, 4]], undefined, "int32");
      const si = tf.sum(xi, 0);
      expect(si.dtype).toBe("int32");
      expect(Array.from(si.dataSync())).toEqual([4, 6]);
      tf.dispose([dy, col, xi, si]);
    });
  });
});

// Σ over the 2560 rows of column c of ((k mod 7) − 3 + 0.5), k = r·48 + c
function sumCol(c: number): number {
  let s = 0;
  for (let r = 0; r < 2560; r++) s += ((r * 48 + c) % 7) - 3 + 0.5;
  return s;
}

describe("wasm Cast to the same dtype (shared, reference-counted)", () => {
  it("keeps the values after the input is freed, frees its memory, and still converts between dtypes", async () => {
    await expectNoTensorLeak(() => {
      const before = tf.memory().numBytes;
      const x = tf.tensor1d([1.5, -2.25, 3]);
      const c = tf.cast(x, "float32");
      x.dispose();
      expect(Array.from(c.dataSync())).toEqual([1.5, -2.25, 3]);
      const i = tf.cast(c, "int32");
      expect(i.dtype).toBe("int32");
      expect(Array.from(i.dataSync())).toEqual([1, -2, 3]);
      const f = tf.cast(i, "float32");
      expect(Array.from(f.dataSync())).toEqual([1, -2, 3]);
      tf.dispose([c, i, f]);
      expect(tf.memory().numBytes).toBe(before);
    });
  });

  it("a Mul gradient through the shared cast equals the product rule", () => {
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.tensor1d([4, -5, 6]);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(x, y)))([a, b]);
    expect(Array.from(ga!.dataSync())).toEqual([4, -5, 6]);
    expect(Array.from(gb!.dataSync())).toEqual([1, 2, 3]);
    tf.dispose([a, b, ga!, gb!]);
  });
});

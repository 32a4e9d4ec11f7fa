import { afterAll, describe, expect, it } from "vitest";
import {
  createRng,
  entropyFromLogits,
  entropyFromLogitsComposite,
  gatherLogProbs,
  gatherLogProbsComposite,
  initRlKernels,
  ready,
  rlKernelNames,
  sequenceLogProbs,
  tf,
} from "../../src/index.js";
import { fusedEntropyFromLogits } from "../../src/kernels/fused.js";
import { setWasmKernelImplementation } from "../../src/kernels/register.js";
import { rlKernelsOn } from "../../src/kernels/wasm-module.js";
import { assertClose, checkGradient, rlErrorCode } from "../../src/testing/index.js";

// Each case runs on: wasm with the SIMD module, wasm with the JS loops, and cpu (JS loops).
const modes = [
  { name: "wasm (SIMD)", backend: "wasm", impl: "simd" },
  { name: "wasm (JS loops)", backend: "wasm", impl: "js" },
  { name: "cpu", backend: "cpu", impl: "simd" },
] as const;

afterAll(async () => {
  setWasmKernelImplementation("simd");
  await ready({ backend: "wasm" });
});

function randomLogits(shape: number[], seed: number, scale = 3): tf.Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Array.from({ length: n }, () => rng.normal(0, scale)), shape, "float32");
}
function randomIds(shape: number[], V: number, seed: number): tf.Tensor {
  const rng = createRng(seed + 1);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Array.from({ length: n }, () => rng.int(V)), shape, "int32");
}
const read = (t: tf.Tensor) => {
  const out = Array.from(t.dataSync());
  t.dispose();
  return out;
};

/** float64 references */
function refGather(z: number[], ids: number[], V: number, tau: number): number[] {
  return ids.map((y, i) => {
    const row = z.slice(i * V, (i + 1) * V).map((v) => v / tau);
    const m = Math.max(...row);
    return (row[y] as number) - m - Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  });
}
function refEntropy(z: number[], V: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < z.length / V; i++) {
    const row = z.slice(i * V, (i + 1) * V);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(Math.log(s) - e.reduce((a, p, j) => a + (p / s) * ((row[j] as number) - m), 0));
  }
  return out;
}

const shapes: Array<{ shape: number[]; tau: number }> = [
  { shape: [1, 1], tau: 1 }, // V = 1
  { shape: [3, 1], tau: 0.7 },
  { shape: [1, 1, 5], tau: 1 }, // T = 1, V not a multiple of 4
  { shape: [2, 3, 7], tau: 1.3 },
  { shape: [4, 8], tau: 1 },
  { shape: [2, 5, 33], tau: 0.5 },
  { shape: [3, 259], tau: 2 },
];

for (const mode of modes) {
  describe(`fused kernels on ${mode.name}`, () => {
    it("activates the backend", async () => {
      await ready({ backend: mode.backend });
      setWasmKernelImplementation(mode.impl);
      expect(await initRlKernels()).toBe(true);
      expect(tf.getKernel(rlKernelNames.gatherLogProbs, mode.backend)).toBeDefined();
      expect(tf.getKernel(rlKernelNames.entropyFromLogitsGrad, mode.backend)).toBeDefined();
      if (mode.backend === "wasm") {
        // the SIMD module imports the tfjs heap (no silent fall back to the JS loops in Node)
        const wasm = (tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm;
        expect(rlKernelsOn(wasm.asm.memory)).not.toBeNull();
      }
    });

    it("gatherLogProbs forward and gradient equal the composite and the float64 reference", () => {
      shapes.forEach(({ shape, tau }, k) => {
        const V = shape[shape.length - 1] as number;
        const logits = randomLogits(shape, 10 + k);
        const ids = randomIds(shape.slice(0, -1), V, 20 + k);
        const dy = randomLogits(shape.slice(0, -1), 30 + k, 1);
        const before = tf.memory().numTensors;
        const fused = gatherLogProbs(logits, ids, { temperature: tau });
        const comp = gatherLogProbsComposite(logits, ids, { temperature: tau });
        expect(fused.shape).toEqual(comp.shape);
        const want = refGather(Array.from(logits.dataSync()), Array.from(ids.dataSync()), V, tau);
        const f = read(fused);
        assertClose(f, read(comp), 1e-5, 1e-5);
        assertClose(f, want, 2e-5, 2e-5);
        const gF = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(gatherLogProbs(z, ids, { temperature: tau }), dy)))(logits);
        const gC = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(gatherLogProbsComposite(z, ids, { temperature: tau }), dy)))(logits);
        expect(gF.shape).toEqual(shape);
        assertClose(read(gF), read(gC), 1e-6, 1e-5);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([logits, ids, dy]);
      });
    });

    it("entropyFromLogits forward and gradient equal the composite and the float64 reference", () => {
      shapes.forEach(({ shape }, k) => {
        const V = shape[shape.length - 1] as number;
        const logits = randomLogits(shape, 40 + k);
        const dy = randomLogits(shape.slice(0, -1), 50 + k, 1);
        const before = tf.memory().numTensors;
        const f = read(entropyFromLogits(logits));
        assertClose(f, read(entropyFromLogitsComposite(logits)), 2e-5, 2e-5);
        assertClose(f, refEntropy(Array.from(logits.dataSync()), V), 2e-5, 2e-5);
        const gF = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(entropyFromLogits(z), dy)))(logits);
        const gC = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(entropyFromLogitsComposite(z), dy)))(logits);
        assertClose(read(gF), read(gC), 1e-5, 1e-4);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([logits, dy]);
      });
    });

    it("the entropy kernel's temperature equals the composite on z/τ (forward and gradient)", () => {
      const logits = randomLogits([3, 11], 60);
      const before = tf.memory().numTensors;
      assertClose(read(fusedEntropyFromLogits(logits, 2.5)), read(tf.tidy(() => entropyFromLogitsComposite(tf.div(logits, 2.5)))), 1e-5, 1e-5);
      const gF = tf.grad((z: tf.Tensor) => tf.sum(fusedEntropyFromLogits(z, 2.5)))(logits);
      const gC = tf.grad((z: tf.Tensor) => tf.sum(entropyFromLogitsComposite(tf.div(z, 2.5))))(logits);
      assertClose(read(gF), read(gC), 1e-6, 1e-5);
      expect(tf.memory().numTensors).toBe(before);
      logits.dispose();
    });

    it("gradients match finite differences", () => {
      const ids = tf.tensor1d([2, 0, 4], "int32");
      const z = tf.tensor2d([
        [0.3, -1, 2, 0.5, 0.1],
        [1, 1, -2, 0, 0.7],
        [-0.2, 0.4, 0.9, -1.5, 2.2],
      ]);
      checkGradient((x) => tf.sum(gatherLogProbs(x, ids)), z);
      checkGradient((x) => tf.sum(gatherLogProbs(x, ids, { temperature: 0.6 })), z);
      checkGradient((x) => tf.sum(entropyFromLogits(x)), z);
      tf.dispose([ids, z]);
    });

    it("masked rows give zero gradient through sequenceLogProbs; variableGrads works", () => {
      const logits = tf.variable(randomLogits([2, 3, 6], 7));
      const ids = randomIds([2, 3], 6, 8);
      const mask = tf.tensor2d([
        [1, 1, 0],
        [0, 0, 0],
      ]);
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => tf.sum(sequenceLogProbs(gatherLogProbs(logits, ids), mask)) as tf.Scalar);
      const g = grads[logits.name] as tf.Tensor;
      const gv = Array.from(g.dataSync());
      expect(gv.slice(2 * 6, 3 * 6).every((x) => x === 0)).toBe(true); // [0, 2] masked
      expect(gv.slice(18).every((x) => x === 0)).toBe(true); // row 1 fully masked
      expect(gv.slice(0, 6).some((x) => x !== 0)).toBe(true);
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      tf.dispose([value, g]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([logits, ids, mask]);
    });

    it("is stable for logits of ±1e4", () => {
      const z = tf.tensor2d([
        [1e4, -1e4, 0, 9999, 1e4, -5],
        [-1e4, -1e4, -1e4, -1e4, -1e4, -9999],
      ]);
      const ids = tf.tensor1d([3, 5], "int32");
      const lp = read(gatherLogProbs(z, ids, { temperature: 0.9 }));
      // z/τ ≈ 1.1e4 has a float32 spacing of ~1e-3: that is the tolerance any float32 path meets
      assertClose(lp, refGather(Array.from(z.dataSync()), [3, 5], 6, 0.9), 2e-3, 0);
      assertClose(lp, read(gatherLogProbsComposite(z, ids, { temperature: 0.9 })), 2e-3, 0);
      const h = read(entropyFromLogits(z));
      assertClose(h, refEntropy(Array.from(z.dataSync()), 6), 2e-5, 2e-4);
      const g = read(tf.grad((x: tf.Tensor) => tf.sum(gatherLogProbs(x, ids)))(z));
      expect(g.every(Number.isFinite)).toBe(true);
      const gh = read(tf.grad((x: tf.Tensor) => tf.sum(entropyFromLogits(x)))(z));
      expect(gh.every(Number.isFinite)).toBe(true);
      tf.dispose([z, ids]);
    });

    it("keeps validation: ids out of range, shape, dtype", () => {
      const z = tf.tensor2d([[1, 2, 3]]);
      expect(rlErrorCode(() => gatherLogProbs(z, tf.tensor1d([3], "int32")))).toBe("INVALID_INPUT");
      expect(rlErrorCode(() => gatherLogProbs(z, tf.tensor1d([-1], "int32")))).toBe("INVALID_INPUT");
      expect(rlErrorCode(() => gatherLogProbs(z, tf.tensor1d([0, 1], "int32")))).toBe("SHAPE_MISMATCH");
      expect(rlErrorCode(() => gatherLogProbs(z, tf.tensor1d([0], "int32"), { temperature: 0 }))).toBe("INVALID_CONFIG");
      expect(rlErrorCode(() => gatherLogProbs(tf.tensor2d([[1, 2]], [1, 2], "bool"), tf.tensor1d([0], "int32")))).toBe("INVALID_INPUT");
      expect(rlErrorCode(() => gatherLogProbs(z, tf.tensor1d([true], "bool")))).toBe("INVALID_INPUT");
      expect(rlErrorCode(() => entropyFromLogits(tf.tensor1d([1], "bool")))).toBe("INVALID_INPUT");
      expect(rlErrorCode(() => entropyFromLogits(tf.scalar(1)))).toBe("SHAPE_MISMATCH");
      tf.disposeVariables();
      z.dispose();
    });

    it("accepts int32 logits and float32 ids, and empty inputs", () => {
      const lp = read(gatherLogProbs(tf.tensor2d([[2, 1, 0]], [1, 3], "int32"), tf.tensor1d([0], "float32")));
      assertClose(lp, [2 - Math.log(Math.exp(2) + Math.exp(1) + 1)]);
      const empty = gatherLogProbs(tf.zeros([0, 4]), tf.zeros([0], "int32"));
      expect(empty.shape).toEqual([0]);
      empty.dispose();
      expect(entropyFromLogits(tf.zeros([2, 0, 3])).shape).toEqual([2, 0]);
    });
  });
}

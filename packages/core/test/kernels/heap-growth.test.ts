import { describe, expect, it } from "vitest";
import { gatherLogProbs, gatherLogProbsComposite, ready, tf } from "../../src/index.js";
import { assertClose } from "../../src/testing/index.js";

describe("fused kernels on the wasm heap", () => {
  it("stay correct after the tfjs heap grows (the module holds the Memory, not its buffer)", async () => {
    await ready({ backend: "wasm" });
    const memory = (tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory;
    const z0 = tf.randomNormal([4, 9], 0, 2, "float32", 1);
    const ids0 = tf.tensor1d([0, 8, 3, 5], "int32");
    tf.dispose(gatherLogProbs(z0, ids0)); // instantiates the module on this memory
    const size = memory.buffer.byteLength;
    const big = tf.zeros([size / 4 + 1024]); // forces the heap to grow
    expect(memory.buffer.byteLength).toBeGreaterThan(size);
    const z = tf.randomNormal([64, 37], 0, 3, "float32", 2);
    const ids = tf.tensor1d(Array.from({ length: 64 }, (_, i) => (i * 7) % 37), "int32");
    const fused = gatherLogProbs(z, ids, { temperature: 0.8 });
    const comp = gatherLogProbsComposite(z, ids, { temperature: 0.8 });
    assertClose(Array.from(fused.dataSync()), Array.from(comp.dataSync()), 1e-5, 1e-5);
    const g = tf.grad((x: tf.Tensor) => tf.sum(gatherLogProbs(x, ids)))(z);
    const gc = tf.grad((x: tf.Tensor) => tf.sum(gatherLogProbsComposite(x, ids)))(z);
    assertClose(Array.from(g.dataSync()), Array.from(gc.dataSync()), 1e-6, 1e-5);
    tf.dispose([z0, ids0, big, z, ids, fused, comp, g, gc]);
  });
});

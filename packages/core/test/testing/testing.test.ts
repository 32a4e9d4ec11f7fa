import { describe, expect, it } from "vitest";
import { tf } from "../../src/index.js";
import { assertClose, checkGradient, expectNoTensorLeak } from "../../src/testing/index.js";

describe("test utilities can fail", () => {
  it("expectNoTensorLeak catches a leak", async () => {
    let kept: tf.Tensor | undefined;
    await expect(
      expectNoTensorLeak(() => {
        kept = tf.ones([2]);
        return 1;
      }),
    ).rejects.toThrow(/leaked 1 tensors/);
    kept?.dispose();
    await expect(expectNoTensorLeak(() => tf.ones([2]))).resolves.toBeDefined(); // returned tensors are the caller's
  });

  it("checkGradient catches a wrong gradient", () => {
    const wrong = tf.customGrad(((x: tf.Tensor) => ({ value: tf.sum(tf.square(x)), gradFunc: (dy: tf.Tensor) => tf.mul(dy, x) })) as unknown as Parameters<typeof tf.customGrad>[0]);
    expect(() => checkGradient((x) => wrong(x), tf.tensor1d([1, 2]))).toThrow(/gradient check failed/);
    expect(checkGradient((x) => tf.sum(tf.square(x)), tf.tensor1d([1, 2]))).toBeLessThan(1e-2);
  });

  it("assertClose catches a mismatch", () => {
    expect(() => assertClose([1, 2], [1, 2.1])).toThrow(/value\[1\]: expected 2.1, got 2/);
  });
});

describe("loadConformanceCases", () => {
  it("reads the repository's copy tools/conformance/vectors (no folder outside the repository) and filters by op", async () => {
    const { loadConformanceCases, conformanceDir } = await import("../../src/testing/index.js");
    expect(conformanceDir()).toMatch(/tools\/conformance\/vectors$/);
    expect(() => conformanceDir("/")).toThrow(/no pnpm-workspace.yaml above \//);
    const kl = loadConformanceCases(["kl.estimate"]);
    expect(kl.length).toBe(12);
    expect(kl.every((c) => c.op === "kl.estimate" && c.tol.abs > 0)).toBe(true);
    expect(() => loadConformanceCases([], "/nonexistent/conformance")).toThrow(/does not exist/);
  });
});

import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { hlGaussLoss, regressionLoss } from "../../src/index.js";
import { hlGaussDecode, hlGaussTargets } from "../../src/models/index.js";
import { codeOf, value, values } from "./helpers.js";

describe("regressionLoss", () => {
  it("is the mean squared error over labelled entries (NaN = missing)", () => {
    assertClose(value(regressionLoss({ predictions: [[1, 2]], targets: [[0, NaN]] }).loss), 1);
    assertClose(value(regressionLoss({ predictions: [1, 2, 3], targets: [1, 0, 1] }).loss), 8 / 3);
    assertClose(value(regressionLoss({ predictions: [1, 2, 3], targets: [1, 0, 1] }, { reduction: "sum" }).loss), 8);
  });
  it("rejects all-missing targets and shape mismatch", () => {
    expect(codeOf(() => regressionLoss({ predictions: [1], targets: [NaN] }))).toBe("INVALID_INPUT");
    expect(codeOf(() => regressionLoss({ predictions: [1, 2], targets: [1] }))).toBe("SHAPE_MISMATCH");
  });
  it("has correct gradients and does not leak", async () => {
    checkGradient((p) => regressionLoss({ predictions: p, targets: [[0.5, NaN], [1, -1]] }).loss, tf.tensor2d([[0.1, 0.2], [0.3, 0.4]]));
    await expectNoTensorLeak(() => regressionLoss({ predictions: [[0.1, 0.2]], targets: [[0.5, NaN]] }).loss);
  });
});

describe("HL-Gauss", () => {
  const cfg = { vMin: 0, vMax: 4, numBins: 4 };
  it("reproduces spec §6 targets, decoding and the uniform loss", () => {
    const p = hlGaussTargets([1.5], cfg).toArray()[0] as number[];
    assertClose(p, [0.235194, 0.506761, 0.235194, 0.022851], 2e-6);
    const centres = [0.5, 1.5, 2.5, 3.5];
    assertClose(p.reduce((s, v, k) => s + v * (centres[k] as number), 0), 1.545701, 2e-6);
    assertClose(value(hlGaussLoss({ logits: [[0, 0, 0, 0]], targets: [1.5] }, cfg).loss), Math.log(4));
    assertClose(values(hlGaussDecode([[0, 0, 0, 0]], cfg)), [2]);
  });
  it("targets sum to 1 and clamp out-of-support values", () => {
    const m = hlGaussTargets([-3, 0, 2.2, 4, 9], { vMin: 0, vMax: 4, numBins: 8 });
    for (const row of m.toArray()) assertClose(row.reduce((a, b) => a + b, 0), 1, 1e-9);
    assertClose(m.toArray()[0], m.toArray()[1] as number[], 1e-12);
  });
  it("rejects a bad support and wrong bin count", () => {
    expect(codeOf(() => hlGaussTargets([1], { vMin: 1, vMax: 1, numBins: 4 }))).toBe("INVALID_CONFIG");
    expect(codeOf(() => hlGaussLoss({ logits: [[0, 0, 0]], targets: [1] }, cfg))).toBe("SHAPE_MISMATCH");
  });
  it("has correct gradients (loss and decode) and does not leak", async () => {
    checkGradient((z) => hlGaussLoss({ logits: z, targets: [1.5, 3.2] }, cfg).loss, tf.tensor2d([[0.1, 0.5, -0.3, 0.2], [1, 0, 0, -1]]));
    checkGradient((z) => tf.sum(hlGaussDecode(z, cfg)), tf.tensor2d([[0.1, 0.5, -0.3, 0.2]]));
    await expectNoTensorLeak(() => hlGaussLoss({ logits: [[0.1, 0.5, -0.3, 0.2]], targets: [1.5] }, cfg).loss);
  });
});

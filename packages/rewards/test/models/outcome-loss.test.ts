import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { outcomeClassificationLoss } from "../../src/index.js";
import { codeOf, value } from "./helpers.js";

describe("outcomeClassificationLoss", () => {
  it("is binary cross-entropy with logits", () => {
    assertClose(value(outcomeClassificationLoss({ logits: [0], labels: [1] }).loss), Math.LN2);
    const out = outcomeClassificationLoss({ logits: [2, -1], labels: [1, 1] });
    assertClose(value(out.loss), (Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(1))) / 2);
    expect(out.metrics.accuracy).toBe(0.5);
    assertClose(value(outcomeClassificationLoss({ logits: [-200], labels: [1] }).loss), 200, 1e-3);
  });
  it("rejects labels outside [0,1]", () => {
    expect(codeOf(() => outcomeClassificationLoss({ logits: [0], labels: [2] }))).toBe("INVALID_INPUT");
    expect(codeOf(() => outcomeClassificationLoss({ logits: [], labels: [] }))).toBe("INVALID_INPUT");
  });
  it("has correct gradients and does not leak", async () => {
    checkGradient((z) => outcomeClassificationLoss({ logits: z, labels: [1, 0, 0.3] }).loss, tf.tensor1d([0.4, -0.7, 1.2]));
    await expectNoTensorLeak(() => outcomeClassificationLoss({ logits: [0.4, -0.7], labels: [1, 0] }).loss);
  });
});

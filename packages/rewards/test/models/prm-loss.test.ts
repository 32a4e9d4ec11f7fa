import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { buildPrmExample, prmStepLoss } from "../../src/index.js";
import { codeOf, value } from "./helpers.js";

describe("buildPrmExample", () => {
  const input = { promptIds: [11, 12], stepIds: [[21, 22], [31]], separatorIds: [99], labels: [true, false] };
  it("reproduces the spec §9 layout", () => {
    expect(buildPrmExample(input)).toEqual({ inputIds: [11, 12, 21, 22, 99, 31, 99], labels: [-100, -100, -100, -100, 1, -100, 0] });
    expect(buildPrmExample(input, { lastStepOnly: true }).labels).toEqual([-100, -100, -100, -100, -100, -100, 0]);
    expect(buildPrmExample(input, { bosId: 1, maxLength: 6 })).toEqual({ inputIds: [1, 11, 12, 21, 22, 99], labels: [-100, -100, -100, -100, -100, 1] });
    expect(buildPrmExample({ ...input, labels: [0.375, 0] }).labels[4]).toBe(0.375);
  });
  it("rejects mismatched labels and an empty separator", () => {
    expect(codeOf(() => buildPrmExample({ ...input, labels: [true] }))).toBe("INVALID_INPUT");
    expect(codeOf(() => buildPrmExample({ ...input, separatorIds: [] }))).toBe("INVALID_INPUT");
  });
});

describe("prmStepLoss", () => {
  it("reproduces spec §9 hard and soft examples", () => {
    const hard = prmStepLoss({ logits: [[0, 2], [1, 0]], labels: [1, 0] });
    assertClose(value(hard.loss), 0.2200949);
    expect(hard.metrics.accuracy).toBe(1);
    assertClose(value(prmStepLoss({ logits: [[2, 0]], labels: [0.75] }, { mode: "soft", order: "posNeg" }).loss), 0.6269281);
  });
  it("reads only labelled positions of [B,T,2] and supports last-step-only", () => {
    const logits = [
      [[5, -5], [0, 2], [9, 9], [1, 0]],
      [[0, 0], [0, 0], [3, 1], [0, 0]],
    ];
    const labels = [
      [-100, 1, -100, 0],
      [-100, -100, 1, -100],
    ];
    const all = value(prmStepLoss({ logits, labels }).loss);
    const ce = (good: number, bad: number, y: number): number => {
      const lse = Math.log(Math.exp(good) + Math.exp(bad));
      return -(y === 1 ? good - lse : bad - lse);
    };
    assertClose(all, (ce(2, 0, 1) + ce(0, 1, 0) + ce(1, 3, 1)) / 3);
    const last = value(prmStepLoss({ logits, labels }, { lastStepOnly: true }).loss);
    assertClose(last, (ce(0, 1, 0) + ce(1, 3, 1)) / 2);
  });
  it("rejects soft labels in hard mode and rows without labels", () => {
    expect(codeOf(() => prmStepLoss({ logits: [[0, 1]], labels: [0.5] }))).toBe("INVALID_INPUT");
    expect(codeOf(() => prmStepLoss({ logits: [[0, 1]], labels: [-100] }))).toBe("INVALID_INPUT");
    expect(codeOf(() => prmStepLoss({ logits: [[0, 1, 2]], labels: [1] }))).toBe("SHAPE_MISMATCH");
  });
  it("has correct gradients (hard and soft) and does not leak", async () => {
    const x = tf.tensor3d([[[0.2, -0.1], [0.5, 0.3], [1, -1]]]);
    checkGradient((z) => prmStepLoss({ logits: z, labels: [[1, -100, 0]] }).loss, x);
    checkGradient((z) => prmStepLoss({ logits: z, labels: [[0.3, -100, 0.8]] }, { mode: "soft" }).loss, x);
    await expectNoTensorLeak(() => prmStepLoss({ logits: x, labels: [[1, -100, 0]] }).loss);
    x.dispose();
  });

  it("equals the logSoftmax formula in both class orders, soft labels, large logits (fused gatherLogProbs path)", () => {
    const fc = (z: number[][], labels: number[], order: "negPos" | "posNeg"): number => {
      let total = 0;
      let n = 0;
      z.forEach(([a, b], k) => {
        const l = labels[k] as number;
        if (l === -100) return;
        const m = Math.max(a!, b!);
        const lse = m + Math.log(Math.exp(a! - m) + Math.exp(b! - m));
        const [good, bad] = order === "negPos" ? [b! - lse, a! - lse] : [a! - lse, b! - lse];
        total += -(l * good + (1 - l) * bad);
        n += 1;
      });
      return total / n;
    };
    const z = [[0.2, -0.1], [50, -40], [-3, 3], [1, 1], [0, 80]];
    const labels = [0.3, 1, -100, 0, 0.9];
    for (const order of ["negPos", "posNeg"] as const) {
      assertClose(value(prmStepLoss({ logits: z, labels }, { mode: "soft", order }).loss), fc(z, labels, order), 1e-5, 1e-5);
    }
  });
});

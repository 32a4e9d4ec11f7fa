import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { bradleyTerryLoss, btRegressionLoss, scaledBradleyTerryLoss } from "../../src/index.js";
import { codeOf, value } from "./helpers.js";

describe("scaledBradleyTerryLoss", () => {
  it("reproduces spec §5 (Δ = 0.5)", () => {
    assertClose(value(scaledBradleyTerryLoss({ chosenRewards: [0.5], rejectedRewards: [0], magnitudes: [3] }).loss), 1.422231);
    assertClose(value(scaledBradleyTerryLoss({ chosenRewards: [0.5], rejectedRewards: [0], magnitudes: [1] }).loss), 0.474077);
    assertClose(value(bradleyTerryLoss({ chosenRewards: [0.5], rejectedRewards: [0], margins: [3] }).loss), 2.5788897);
  });

  it("equals repeating the pair m times; normalizeByMean divides by mean(m)", () => {
    const scaled = value(scaledBradleyTerryLoss({ chosenRewards: [0.5, -0.2], rejectedRewards: [0, 0.1], magnitudes: [2, 1] }, { reduction: "sum" }).loss);
    const repeated = value(bradleyTerryLoss({ chosenRewards: [0.5, 0.5, -0.2], rejectedRewards: [0, 0, 0.1] }, { reduction: "sum" }).loss);
    assertClose(scaled, repeated);
    const norm = value(scaledBradleyTerryLoss({ chosenRewards: [0.5, -0.2], rejectedRewards: [0, 0.1], magnitudes: [2, 2] }, { normalizeByMean: true }).loss);
    assertClose(norm, value(bradleyTerryLoss({ chosenRewards: [0.5, -0.2], rejectedRewards: [0, 0.1] }).loss));
  });

  it("rejects non-positive magnitudes", () => {
    expect(codeOf(() => scaledBradleyTerryLoss({ chosenRewards: [1], rejectedRewards: [0], magnitudes: [0] }))).toBe("INVALID_INPUT");
  });

  it("has correct gradients and does not leak", async () => {
    checkGradient((rc) => scaledBradleyTerryLoss({ chosenRewards: rc, rejectedRewards: [0, 1], magnitudes: [3, 1] }).loss, tf.tensor1d([0.4, 0.2]));
    await expectNoTensorLeak(() => scaledBradleyTerryLoss({ chosenRewards: [0.4, 0.2], rejectedRewards: [0, 1], magnitudes: [3, 1] }).loss);
  });
});

describe("btRegressionLoss", () => {
  it("adds the masked MSE of the ratings to the scaled BT term", () => {
    const out = btRegressionLoss({ chosenRewards: [1], rejectedRewards: [0], magnitudes: [1], chosenRatings: [1], rejectedRatings: [0] });
    assertClose(value(out.loss), 0.3132617);
    const mixed = btRegressionLoss(
      { chosenRewards: [1], rejectedRewards: [0], magnitudes: [2], chosenRatings: [3], rejectedRatings: [NaN] },
      { regressionWeight: 0.5 },
    );
    assertClose(value(mixed.loss), 2 * 0.3132617 + 0.5 * 4);
  });

  it("has correct gradients and does not leak", async () => {
    const rr = tf.tensor1d([0.1, 0.3]);
    checkGradient(
      (rc) => btRegressionLoss({ chosenRewards: rc, rejectedRewards: rr, magnitudes: [1, 2], chosenRatings: [1, 2], rejectedRatings: [0, NaN] }).loss,
      tf.tensor1d([0.5, 0.7]),
    );
    await expectNoTensorLeak(() => btRegressionLoss({ chosenRewards: [0.5, 0.7], rejectedRewards: rr, magnitudes: [1, 2], chosenRatings: [1, 2], rejectedRatings: [0, NaN] }).loss);
    rr.dispose();
  });
});

import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak, loadConformanceCases, rlErrorCode } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bradleyTerryLoss, pairwiseMetrics } from "../../src/index.js";

const value = (t: tf.Tensor): number => {
  const v = t.dataSync()[0] as number;
  t.dispose();
  return v;
};

describe("bradleyTerryLoss", () => {
  it("reproduces the spec §3 worked examples", () => {
    const a = bradleyTerryLoss({ chosenRewards: [2, 0.5], rejectedRewards: [1, 1] });
    assertClose(value(a.loss), 0.6436694);
    expect(a.metrics.accuracy).toBe(0.5);
    const b = bradleyTerryLoss({ chosenRewards: [2, 0.5], rejectedRewards: [1, 1], margins: [0.5, 0] });
    assertClose(value(b.loss), 0.724077);
    const c = bradleyTerryLoss({ chosenRewards: [2, 0.5], rejectedRewards: [1, 1], margins: [0.5, 0] }, { centerCoefficient: 0.01 });
    assertClose(value(c.loss), 0.780327);
    const d = bradleyTerryLoss(
      { chosenRewards: [1.807, 1.052], rejectedRewards: [0.547, -0.202], margins: [0.103, 0.663] },
      { centerCoefficient: 0.01 },
    );
    assertClose(value(d.loss), 0.3883630533874018);
    expect(d.metrics.accuracy).toBe(1);
  });

  it("label smoothing matches spec §4 (α = 0.1)", () => {
    assertClose(value(bradleyTerryLoss({ chosenRewards: [0.5], rejectedRewards: [0] }, { labelSmoothing: 0.1 }).loss), 0.524077);
    assertClose(value(bradleyTerryLoss({ chosenRewards: [3], rejectedRewards: [0] }, { labelSmoothing: 0.1 }).loss), 0.3485874);
    assertClose(value(bradleyTerryLoss({ chosenRewards: [3], rejectedRewards: [0] }).loss), 0.0485874);
  });

  it("temperature divides the logit and ties give log 2 with accuracy 0", () => {
    assertClose(value(bradleyTerryLoss({ chosenRewards: [0.1], rejectedRewards: [0.05] }, { tau: 0.1 }).loss), 0.474077);
    const tie = bradleyTerryLoss({ chosenRewards: [1], rejectedRewards: [1] });
    assertClose(value(tie.loss), Math.LN2);
    expect(tie.metrics.accuracy).toBe(0);
    expect(pairwiseMetrics([1, 2], [1, 0], "split").accuracy).toBe(0.75);
    expect(pairwiseMetrics([1, 2], [1, 0], "drop").accuracy).toBe(1);
  });

  it("stays finite for huge reward gaps and supports reductions", () => {
    const big = bradleyTerryLoss({ chosenRewards: [-1e4, 1e4], rejectedRewards: [1e4, -1e4] }, { reduction: "none" });
    const v = Array.from(big.loss.dataSync());
    big.loss.dispose();
    assertClose(v, [2e4, 0], 1e-2);
    const s = bradleyTerryLoss({ chosenRewards: [2, 0.5], rejectedRewards: [1, 1] }, { reduction: "sum" });
    assertClose(value(s.loss), 2 * 0.6436694);
  });

  it("passes the conformance vectors of loss.bradleyTerry", () => {
    const cases = loadConformanceCases(["loss.bradleyTerry"]) as unknown as {
      id: string;
      op: string;
      args: Record<string, unknown>;
      expected: { loss: number; accuracy: number };
    }[];
    expect(cases.length).toBe(3);
    for (const c of cases) {
      const out = bradleyTerryLoss(
        {
          chosenRewards: c.args.chosenRewards as number[],
          rejectedRewards: c.args.rejectedRewards as number[],
          ...(c.args.margins ? { margins: c.args.margins as number[] } : {}),
        },
        { centerCoefficient: c.args.centerCoefficient as number },
      );
      assertClose(value(out.loss), c.expected.loss, 2e-4, 2e-4, c.id);
      expect(out.metrics.accuracy).toBe(c.expected.accuracy);
    }
  });

  it("has correct gradients (margins, centring, smoothing, temperature)", () => {
    const rr = tf.tensor1d([0.3, -0.2, 1.1]);
    checkGradient(
      (rc) =>
        bradleyTerryLoss(
          { chosenRewards: rc, rejectedRewards: rr, margins: [0.1, 0.5, 0], weights: [1, 2, 3] },
          { centerCoefficient: 0.05, labelSmoothing: 0.1, tau: 0.7 },
        ).loss,
      tf.tensor1d([0.5, 0.1, -0.4]),
    );
    checkGradient((r) => bradleyTerryLoss({ chosenRewards: [0.5, 0.1, -0.4], rejectedRewards: r }).loss, rr);
    rr.dispose();
  });

  it("is decreasing in r_c − r_r (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: 0.01, max: 5, noNaN: true }), (d, step) => {
        const a = value(bradleyTerryLoss({ chosenRewards: [d], rejectedRewards: [0] }).loss);
        const b = value(bradleyTerryLoss({ chosenRewards: [d + step], rejectedRewards: [0] }).loss);
        return b < a + 1e-6;
      }),
      { numRuns: 50 },
    );
  });

  it("is invariant to adding a constant to both rewards without centring (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true }), (c, r, k) => {
        const a = value(bradleyTerryLoss({ chosenRewards: [c], rejectedRewards: [r] }).loss);
        const b = value(bradleyTerryLoss({ chosenRewards: [c + k], rejectedRewards: [r + k] }).loss);
        return Math.abs(a - b) < 1e-4;
      }),
      { numRuns: 50 },
    );
  });

  it("does not leak tensors", async () => {
    const rc = tf.tensor1d([1, 2]);
    await expectNoTensorLeak(() => bradleyTerryLoss({ chosenRewards: rc, rejectedRewards: [0, 3], margins: [0.1, 0.2] }, { centerCoefficient: 0.1 }).loss);
    rc.dispose();
  });

  it("rejects bad input with RLError", () => {
    expect(rlErrorCode(() => bradleyTerryLoss({ chosenRewards: [], rejectedRewards: [] }))).toBe("INVALID_INPUT");
    expect(rlErrorCode(() => bradleyTerryLoss({ chosenRewards: [1, 2], rejectedRewards: [1] }))).toBe("SHAPE_MISMATCH");
    expect(rlErrorCode(() => bradleyTerryLoss({ chosenRewards: [NaN], rejectedRewards: [1] }))).toBe("NON_FINITE");
    expect(rlErrorCode(() => bradleyTerryLoss({ chosenRewards: [1], rejectedRewards: [1] }, { tau: 0 }))).toBe("INVALID_CONFIG");
    expect(rlErrorCode(() => bradleyTerryLoss({ chosenRewards: [1], rejectedRewards: [1], margins: [1, 2] }))).toBe("SHAPE_MISMATCH");
    expect(() => bradleyTerryLoss({ chosenRewards: [1, 2], rejectedRewards: [1] })).toThrow(/bradleyTerryLoss: rejectedRewards/);
  });
});

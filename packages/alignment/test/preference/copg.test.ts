import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { copgLoss } from "../../src/index.js";
import { read, scoped } from "./helpers.js";

describe("copgLoss", () => {
  it("spec worked example E10: loss and gradients ∓(R^π_β(y) − R^π_β(y'))", () => {
    scoped(() => {
      const lr = tf.tensor2d([[0.2, -0.1]]);
      const o = copgLoss({ rewards: [[1, 0]], logRatios: lr }, { beta: 0.1 });
      assertClose(read(o.loss)[0], -0.2955, 1e-6, 1e-5);
      const g = tf.grad((x: tf.Tensor) => copgLoss({ rewards: [[1, 0]], logRatios: x }, { beta: 0.1 }).loss)(lr);
      assertClose(read(g), [-0.97, 0.97], 1e-6, 1e-5);
      // IPO case R = ±1/4: L = (β/2)(Δℓ − 1/(2β))² − 1/(8β)
      assertClose(read(copgLoss({ rewards: [[0.25, -0.25]], logRatios: lr }, { beta: 0.1 }).loss)[0], -0.1455, 1e-6, 1e-5);
      expect(o.metrics["copg/agreement"]).toBe(1);
      assertClose(o.metrics["copg/logratioGap"], 0.3, 1e-6, 1e-5);
      assertClose(o.metrics["copg/regRewardGap"], 0.97, 1e-6, 1e-5);
    });
  });

  it("property: the minimiser is Δℓ = ΔR/β (zero gradient there) and swapping the pair changes nothing", () => {
    fc.assert(
      fc.property(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: 0.05, max: 1, noNaN: true }), (r1, r2, beta) => {
        scoped(() => {
          const target = (r1 - r2) / beta;
          const g = tf.grad((x: tf.Tensor) => copgLoss({ rewards: [[r1, r2]], logRatios: x }, { beta }).loss)(tf.tensor2d([[target / 2, -target / 2]]));
          for (const v of read(g)) expect(Math.abs(v)).toBeLessThan(1e-3 * (1 + Math.abs(target)));
          const a = read(copgLoss({ rewards: [[r1, r2]], logRatios: tf.tensor2d([[0.3, -0.4]]) }, { beta }).loss)[0] as number;
          const b = read(copgLoss({ rewards: [[r2, r1]], logRatios: tf.tensor2d([[-0.4, 0.3]]) }, { beta }).loss)[0] as number;
          assertClose(b, a, 1e-5, 1e-4);
        });
      }),
      { numRuns: 40 },
    );
  });

  it("k = 3: 'all' sums the three pairs / 2, 'adjacent' averages two; gradient checks", () => {
    scoped(() => {
      const R = [[1, 0.5, 0]];
      const l = [0.2, 0.1, -0.3];
      const pair = (i: number, j: number): number => {
        const dR = (R[0]![i] as number) - (R[0]![j] as number);
        const dl = (l[i] as number) - (l[j] as number);
        return -dR * dl + 0.05 * dl * dl;
      };
      const all = read(copgLoss({ rewards: R, logRatios: tf.tensor2d([l]) }, { beta: 0.1 }).loss)[0];
      assertClose(all, (pair(0, 1) + pair(0, 2) + pair(1, 2)) / 2, 1e-6, 1e-5);
      const adj = read(copgLoss({ rewards: R, logRatios: tf.tensor2d([l]) }, { beta: 0.1, pairing: "adjacent" }).loss)[0];
      assertClose(adj, (pair(0, 1) + pair(1, 2)) / 2, 1e-6, 1e-5);
      for (const pairing of ["all", "adjacent"] as const) {
        checkGradient((x) => copgLoss({ rewards: [[1, 0.5, 0], [0, 2, 1]], logRatios: x }, { beta: 0.3, pairing }).loss, tf.tensor2d([[0.2, 0.1, -0.3], [1, -1, 0.5]]));
      }
    });
  });

  it("bad input and leaks", async () => {
    scoped(() => {
      expect(() => copgLoss({ rewards: [[1]], logRatios: tf.tensor2d([[0]]) })).toThrow(/at least 2/);
      expect(() => copgLoss({ rewards: [[1, 0]], logRatios: tf.tensor2d([[0, 1, 2]]) })).toThrow(/shape/);
      expect(() => copgLoss({ rewards: [[1, NaN]], logRatios: tf.tensor2d([[0, 1]]) })).toThrow();
      expect(() => copgLoss({ rewards: [[1, 0]], logRatios: tf.tensor2d([[0, 1]]) }, { beta: 0 })).toThrow(/beta/);
    });
    const x = tf.tensor2d([[0.2, -0.1]]);
    await expectNoTensorLeak(() => copgLoss({ rewards: [[1, 0]], logRatios: x }));
    x.dispose();
  });
});

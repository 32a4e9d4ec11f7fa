import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak, expectRLError } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dnoLoss, dpoLoss } from "../../src/index.js";
import { read, scoped } from "./helpers.js";

const sig = (x: number): number => 1 / (1 + Math.exp(-x));
const logSig = (x: number): number => -Math.log1p(Math.exp(-x));

describe("dnoLoss: worked examples (arXiv:2404.03715, Algorithms 1 and 2)", () => {
  const x = (): Parameters<typeof dnoLoss>[0] => ({
    policyLogProbs: tf.tensor2d([[-3, -4, -5]]),
    refLogProbs: tf.tensor2d([[-3.5, -3.5, -5]]),
    winRates: [[0.75, 0.5, 0.25]],
  });
  // ℓ = [0.5, −0.5, 0], r = [0.75, 0.5, 0.25], β = 1
  it("soft labels over every pair", () => {
    scoped(() => {
      const o = dnoLoss(x(), { beta: 1 });
      expect(o.pairIndices).toEqual([[0, 0, 1], [0, 0, 2], [0, 1, 2]]);
      const want = [[1, 0.25], [0.5, 0.5], [-0.5, 0.25]].map(([d, g]) => -(sig(g as number) * logSig(d as number) + sig(-(g as number)) * logSig(-(d as number))));
      assertClose(want, [0.7510851866, 0.6628473186, 0.7551652346], 1e-9, 1e-9);
      assertClose(read(o.losses), want, 1e-5, 1e-5);
      assertClose(read(o.loss)[0], 0.72303258, 1e-5, 1e-5);
      expect(o.metrics.pairs).toBe(3);
      assertClose(o.metrics["rewards/accuracies"], 2 / 3, 1e-9, 1e-9);
      assertClose(o.metrics["rewards/margins"], (1 + 0.5 - 0.5) / 3, 1e-6, 1e-6);
    });
  });

  it("DNO-Prct: hard labels on the best against the worst, with a margin filter", () => {
    scoped(() => {
      const o = dnoLoss(x(), { beta: 1, targets: "hard", pairs: "extremes" });
      expect(o.pairIndices).toEqual([[0, 0, 2]]);
      assertClose(read(o.loss)[0], -logSig(0.5), 1e-6, 1e-6);
      const none = dnoLoss(x(), { beta: 1, targets: "hard", pairs: "extremes", minMargin: 0.6 });
      expect(none.metrics.pairs).toBe(0);
      expect(read(none.loss)).toEqual([0]);
      const two = dnoLoss(x(), { beta: 1, targets: "hard", minMargin: 0.3 });
      expect(two.pairIndices).toEqual([[0, 0, 2]]);
    });
  });

  it("preferences [B][K][K] give win rates as the mean over the others", () => {
    scoped(() => {
      const P = [[[0.5, 0.9, 0.6], [0.1, 0.5, 0.9], [0.4, 0.1, 0.5]]]; // r = [0.75, 0.5, 0.25]
      assertClose(read(dnoLoss({ ...x(), winRates: undefined, preferences: P }, { beta: 1 }).loss), read(dnoLoss(x(), { beta: 1 }).loss), 1e-7, 1e-7);
    });
  });
});

describe("dnoLoss: properties", () => {
  const rows = fc.integer({ min: 2, max: 4 }).chain((k) =>
    fc.record({
      pol: fc.array(fc.double({ min: -10, max: -0.1, noNaN: true }), { minLength: k, maxLength: k }),
      ref: fc.array(fc.double({ min: -10, max: -0.1, noNaN: true }), { minLength: k, maxLength: k }),
      r: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: k, maxLength: k }),
    }),
  );

  it("the soft loss is stationary at β·log π/π_t = r + const (the soft policy iteration)", () => {
    fc.assert(
      fc.property(rows, fc.double({ min: 0.1, max: 2, noNaN: true }), ({ ref, r }, beta) =>
        scoped(() => {
          const pol = ref.map((v, i) => v + (r[i] as number) / beta + 0.7);
          const p = tf.tensor2d([pol]);
          const g = tf.grad((t: tf.Tensor) => dnoLoss({ policyLogProbs: t, refLogProbs: tf.tensor2d([ref]), winRates: [r] }, { beta }).loss)(p);
          assertClose(read(g), pol.map(() => 0), 1e-4, 1e-4);
        }),
      ),
      { numRuns: 30 },
    );
  });

  it("hard labels with K = 2 are DPO's sigmoid loss with π_t as the reference", () => {
    fc.assert(
      fc.property(rows.filter((x) => x.pol.length === 2 && x.r[0] !== x.r[1]), ({ pol, ref, r }) =>
        scoped(() => {
          const [w, l] = (r[0] as number) > (r[1] as number) ? [0, 1] : [1, 0];
          const o = dnoLoss({ policyLogProbs: tf.tensor2d([pol]), refLogProbs: tf.tensor2d([ref]), winRates: [r] }, { targets: "hard" });
          const d = dpoLoss({ policyChosen: tf.tensor1d([pol[w] as number]), policyRejected: tf.tensor1d([pol[l] as number]), refChosen: tf.tensor1d([ref[w] as number]), refRejected: tf.tensor1d([ref[l] as number]) });
          assertClose(read(o.loss), read(d.loss), 1e-5, 1e-5);
        }),
      ),
      { numRuns: 30 },
    );
  });

  it("is invariant to adding one constant to every win rate of a prompt", () => {
    fc.assert(
      fc.property(rows, fc.double({ min: -0.5, max: 0.5, noNaN: true }), ({ pol, ref, r }, c) =>
        scoped(() => {
          const a = dnoLoss({ policyLogProbs: tf.tensor2d([pol]), refLogProbs: tf.tensor2d([ref]), winRates: [r] });
          const b = dnoLoss({ policyLogProbs: tf.tensor2d([pol]), refLogProbs: tf.tensor2d([ref]), winRates: [r.map((v) => v + c)] });
          assertClose(read(a.losses), read(b.losses), 1e-5, 1e-5);
        }),
      ),
      { numRuns: 30 },
    );
  });
});

describe("dnoLoss: gradients, leaks, bad input", () => {
  it("finite-difference gradient check (soft and hard, two prompts)", () => {
    scoped(() => {
      const ref = tf.tensor2d([[-3.5, -3.5, -5], [-2, -2.5, -1]]);
      const winRates = [[0.75, 0.5, 0.25], [0.2, 0.9, 0.4]];
      const p = tf.tensor2d([[-3, -4, -5], [-2.2, -2.1, -1.5]]);
      checkGradient((t) => dnoLoss({ policyLogProbs: t, refLogProbs: ref, winRates }, { beta: 0.5 }).loss, p);
      checkGradient((t) => dnoLoss({ policyLogProbs: t, refLogProbs: ref, winRates }, { beta: 0.5, targets: "hard" }).loss, p);
      const g = tf.grad((t: tf.Tensor) => dnoLoss({ policyLogProbs: p, refLogProbs: t, winRates }).loss)(ref);
      expect(read(g)).toEqual([0, 0, 0, 0, 0, 0]);
    });
  });

  it("leaves no tensors behind", async () => {
    const p = tf.tensor2d([[-3, -4, -5]]);
    const ref = tf.tensor2d([[-3.5, -3.5, -5]]);
    await expectNoTensorLeak(() => dnoLoss({ policyLogProbs: p, refLogProbs: ref, winRates: [[0.75, 0.5, 0.25]] }));
    await expectNoTensorLeak(() => dnoLoss({ policyLogProbs: p, refLogProbs: ref, winRates: [[0.5, 0.5, 0.5]] }, { targets: "hard" }));
    tf.dispose([p, ref]);
  });

  it("bad input", () => {
    scoped(() => {
      const p = tf.tensor2d([[-3, -4, -5]]);
      expectRLError(() => dnoLoss({ policyLogProbs: p, refLogProbs: p }), /dnoLoss: give either winRates or preferences, not neither/);
      expectRLError(() => dnoLoss({ policyLogProbs: p, refLogProbs: p, winRates: [[0.5, 0.5]] }), /winRates must be \[1\]\[3\]/);
      expectRLError(() => dnoLoss({ policyLogProbs: tf.tensor2d([[-1], [-2]]), refLogProbs: tf.tensor2d([[-1], [-2]]), winRates: [[1], [0]] }), /K ≥ 2/);
      expectRLError(() => dnoLoss({ policyLogProbs: p, refLogProbs: tf.tensor2d([[-1, -1]]), winRates: [[0, 0, 0]] }), /refLogProbs has shape \[1,2\], expected \[1,3\]/);
      expectRLError(() => dnoLoss({ policyLogProbs: p, refLogProbs: p, winRates: [[0, NaN, 0]] }), /winRates\[0\]\[1\] is NaN/);
      expectRLError(() => dnoLoss({ policyLogProbs: p, refLogProbs: p, preferences: [[[0.5, 2, 0], [0, 0.5, 0], [0, 0, 0.5]]] }), /preferences\[0\]\[0\]\[1\] is 2/);
      expectRLError(() => dnoLoss({ policyLogProbs: p, refLogProbs: p, winRates: [[0, 0, 0]] }, { beta: 0 }), /dnoLoss.*beta/);
    });
  });
});

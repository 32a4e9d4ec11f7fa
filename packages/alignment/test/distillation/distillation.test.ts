import { RLError, tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  forwardKlDistillationLoss,
  generalizedJsdLoss,
  onPolicyDistillationAdvantages,
  reverseKlDistillationLoss,
  tokenDivergences,
} from "../../src/index.js";
import { scoped } from "../preference/helpers.js";

// Reference: TRL GKDTrainer.generalized_jsd_loss (trl/experimental/gkd/gkd_trainer.py at
// f2cd57710ae345ea6428ae95363267fcf38a3dc8), its formula evaluated in float64 (F.kl_div(input = log q,
// target = log p, log_target) = p (log p − log q); β = 0 → KL(t ‖ s), β = 1 → KL(s ‖ t), else
// β KL(t ‖ m) + (1 − β) KL(s ‖ m), m = (1 − β)s + βt; batchmean = Σ over masked tokens / #tokens).
const zs = [
  [[0.25, -0.26, 1.28, 0.21, -1.07], [0.72, 2.61, 1.89, -1.41, -2.53], [-1.25, 0.08, -4.65, -0.44, -2.49]],
  [[-1.46, -1.09, -0.63, 0.82, 2.09], [-0.26, 2.73, -1.33, 0.7, 1.81], [0.19, -1.49, -1.84, -0.92, 0.44]],
];
const zt = [
  [[-2.02, -0.42, -0.32, 1.08, 0.43], [0.71, -1.31, -0.26, 1.57, 2.99], [-2.52, 3.03, 2.69, 1.56, 0.53]],
  [[-0.63, 2.92, 3.92, 3.6, 2.63], [0.71, -2.42, -0.01, 1.31, -2.58], [0.79, 0.86, 1.39, -2.37, -1.32]],
];
const mask = [[1, 1, 0], [1, 0, 0]];
const reference: [number, number, number[][], number, number][] = [
  // β, τ, per-token divergence, batchmean with the mask, batchmean without (÷ B)
  [0.5, 1, [[0.17585678, 0.53286147, 0.17686836], [0.23567184, 0.44619459, 0.26418055]], 0.31479669669555843, 0.9158167934855977],
  [0, 1, [[0.73677409, 4.16446336, 1.38608234], [1.09763038, 1.95650343, 1.22606609]], 1.9996226108869646, 5.283759847067933],
  [1, 1, [[0.81012344, 3.1442405, 0.88376439], [1.07042385, 2.95669777, 1.36046799]], 1.6749292627733894, 5.112858968408424],
  [0.3, 2, [[0.04596919, 0.22365667, 0.0961449], [0.06229387, 0.15508203, 0.08229939]], 0.11063990978132897, 0.3327230259385177],
];

describe("generalized JSD distillation (GKD)", () => {
  it("matches TRL's generalized_jsd_loss for β ∈ {0.5, 0, 1, 0.3 with τ = 2}, with and without the mask, any chunk size", () => {
    for (const [beta, temperature, perToken, masked, unmasked] of reference) {
      for (const chunkSize of [1, 4, 256]) {
        const got = scoped(() => {
          const s = tf.tensor3d(zs);
          const t = tf.tensor3d(zt);
          const d = tokenDivergences(s, t, { beta, temperature, chunkSize }).arraySync() as number[][];
          const a = generalizedJsdLoss({ studentLogits: s, teacherLogits: t, mask: tf.tensor2d(mask) }, { beta, temperature, chunkSize });
          const b = generalizedJsdLoss({ studentLogits: s, teacherLogits: t }, { beta, temperature, chunkSize });
          return { d, masked: a.loss.dataSync()[0] as number, unmasked: b.loss.dataSync()[0] as number };
        });
        assertClose(got.d, perToken, 2e-5, 2e-5);
        assertClose(got.masked, masked, 2e-5, 2e-5);
        assertClose(got.unmasked, unmasked, 2e-5, 2e-5);
      }
    }
  });

  it("β = 0 and β = 1 are the forward and reverse KL losses", () => {
    scoped(() => {
      const inputs = { studentLogits: tf.tensor3d(zs), teacherLogits: tf.tensor3d(zt), mask: tf.tensor2d(mask) };
      assertClose(forwardKlDistillationLoss(inputs).loss.dataSync()[0], 1.9996226108869646, 2e-5, 2e-5);
      assertClose(reverseKlDistillationLoss(inputs).loss.dataSync()[0], 1.6749292627733894, 2e-5, 2e-5);
      assertClose(generalizedJsdLoss(inputs, { reduction: "sum" }).loss.dataSync()[0], 0.31479669669555843 * 3, 2e-5, 2e-5);
      assertClose(generalizedJsdLoss(inputs, { reduction: "mean" }).loss.dataSync()[0], (0.31479669669555843 * 3) / 15, 2e-5, 2e-5);
    });
  });

  it("gradient check w.r.t. the student logits (chunked custom gradient), for β 0.5, 0, 1 and τ 2", () => {
    for (const [beta, temperature] of [[0.5, 1], [0, 1], [1, 1], [0.3, 2]] as const) {
      tf.tidy(() => {
        const t = tf.tensor3d(zt);
        const m = tf.tensor2d(mask);
        checkGradient((x) => generalizedJsdLoss({ studentLogits: x, teacherLogits: t, mask: m }, { beta, temperature, chunkSize: 2 }).loss, tf.tensor3d(zs), { step: 1e-2 });
      });
    }
  });

  it("no tensor leaks, forward and backward", async () => {
    const s = tf.tensor3d(zs);
    const t = tf.tensor3d(zt);
    const m = tf.tensor2d(mask);
    await expectNoTensorLeak(() => generalizedJsdLoss({ studentLogits: s, teacherLogits: t, mask: m }, { chunkSize: 2 }));
    await expectNoTensorLeak(() => tf.grad((x: tf.Tensor) => generalizedJsdLoss({ studentLogits: x, teacherLogits: t, mask: m }, { chunkSize: 2 }).loss)(s));
    tf.dispose([s, t, m]);
  });

  it("property: D ≥ 0, and 0 when the student equals the teacher", () => {
    const logits = fc.array(fc.integer({ min: -30, max: 30 }).map((k) => k / 10), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(logits, logits, fc.integer({ min: 0, max: 10 }).map((k) => k / 10), (a, b, beta) => {
        const [d, same] = scoped(() => [
          tokenDivergences(tf.tensor3d([[a.slice(0, 4), a.slice(4)]]), tf.tensor3d([[b.slice(0, 4), b.slice(4)]]), { beta }).dataSync(),
          tokenDivergences(tf.tensor3d([[a.slice(0, 4)]]), tf.tensor3d([[a.slice(0, 4)]]), { beta }).dataSync(),
        ]);
        return Array.from(d!).every((x) => x >= -1e-6) && Math.abs(same![0]!) < 1e-6;
      }),
      { numRuns: 50 },
    );
  });

  it("bad input: RLError", () => {
    tf.tidy(() => {
      const s = tf.tensor3d(zs);
      expect(() => generalizedJsdLoss({ studentLogits: s, teacherLogits: tf.zeros([2, 3, 4]) })).toThrow(/teacherLogits has shape \[2,3,4\]/);
      expect(() => generalizedJsdLoss({ studentLogits: s, teacherLogits: tf.tensor3d(zt), mask: tf.tensor2d([[1, 1, 2], [1, 0, 0]]) })).toThrow(/mask\[0\]\[2\] is 2/);
      expect(() => generalizedJsdLoss({ studentLogits: s, teacherLogits: tf.tensor3d(zt), mask: tf.ones([2, 2]) })).toThrow(/expected \[2,3\]/);
      expect(() => generalizedJsdLoss({ studentLogits: s, teacherLogits: tf.tensor3d(zt) }, { beta: 1.5 })).toThrow(RLError);
      const bad = zs.map((r) => r.map((c) => c.map((v, k) => (k === 0 ? Number.NaN : v))));
      expect(() => generalizedJsdLoss({ studentLogits: tf.tensor3d(bad), teacherLogits: tf.tensor3d(zt) })).toThrow(/NaN/);
    });
  });
});

describe("onPolicyDistillationAdvantages", () => {
  it("A = −klCoef (log π_s − log π_t) on the mask, 0 on padding (even with −∞ there)", () => {
    scoped(() => {
      const { advantages } = onPolicyDistillationAdvantages(
        { logProbs: tf.tensor2d([[-0.5, -2, -Infinity]]), teacherLogProbs: tf.tensor2d([[-0.25, -3, 0]]), mask: tf.tensor2d([[1, 1, 0]]) },
        { klCoef: 2 },
      );
      expect(Array.from(advantages.dataSync())).toEqual([0.5, -2, 0]);
    });
  });

  it("no gradient flows through the advantages; no leaks; bad input throws", async () => {
    const lp = tf.tensor2d([[-0.5, -2]]);
    const tp = tf.tensor2d([[-0.25, -3]]);
    const m = tf.tensor2d([[1, 1]]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(onPolicyDistillationAdvantages({ logProbs: x, teacherLogProbs: tp, mask: m }).advantages))(lp);
    expect(Array.from(g.dataSync())).toEqual([0, 0]);
    g.dispose();
    await expectNoTensorLeak(() => onPolicyDistillationAdvantages({ logProbs: lp, teacherLogProbs: tp, mask: m }));
    expect(() => onPolicyDistillationAdvantages({ logProbs: lp, teacherLogProbs: tf.tensor2d([[Number.NaN, 0]]), mask: m })).toThrow(/NaN/);
    expect(() => onPolicyDistillationAdvantages({ logProbs: lp, teacherLogProbs: tp, mask: tf.ones([1, 3]) })).toThrow(RLError);
    tf.dispose([lp, tp, m]);
  });
});

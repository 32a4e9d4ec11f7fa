import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak, expectRLError } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dpoLoss, nashMdLoss, onlineDpoLoss, xpoLoss, type TwoCompletionLogProbs } from "../../src/index.js";
import { geometricMixtureLogits } from "../../src/preference/nash-md.js";
import { read, scoped } from "./helpers.js";

// The vectors of fixtures/online_reference.py: token log-probs [2B, T] of B = 3 prompts × 2
// completions (rows 0–2 the first completions, rows 3–5 the second), a mask, and scores.
const LP = [[-1, -2, -0.5], [-0.3, -1.2, -2.2], [-2, -0.1, -0.4], [-0.7, -0.9, -1.1], [-1.5, -0.2, -0.6], [-0.4, -0.8, -3]];
const REF = [[-1.2, -1.8, -0.9], [-0.5, -1, -2], [-1, -0.6, -0.4], [-0.6, -1.3, -1], [-1.1, -0.5, -0.9], [-0.9, -0.7, -2]];
const MASK = [[1, 1, 1], [1, 1, 0], [1, 1, 1], [1, 0, 0], [1, 1, 1], [1, 1, 1]];
const SCORES = [0.3, -0.2, 0.9, 0.3, 0.4, -1];
const rowSums = (x: number[][]): number[] => x.map((r, i) => r.reduce((a, v, t) => a + v * (MASK[i]?.[t] as number), 0));
const LPS = rowSums(LP);
const REFS = rowSums(REF);
const COUNTS = MASK.map((r) => r.reduce((a, v) => a + v, 0));

// TRL @ f2cd5771 recomputed by fixtures/online_reference.py (torch, float64), β = 0.2
const TRL = {
  onlineSigmoid: { losses: [0.6443966600735709, 0.673347167228034, 0.6831971797266342], loss: 0.6669803356760796, firstChosen: [1, 0, 1],
    gradRowSums: [-0.09500416250421198, 0.06533351108267127, -0.09900003333200005, 0.03166805416807066, -0.0980002666240069, 0.09900003333200005] },
  onlineIpo: { losses: [4, 5.29, 5.76], loss: 5.016666666666667, gradRowSums: [-4, 3.0666666666666664, -4.8, 1.3333333333333333, -4.6, 4.8] },
  onlineStats: { kl: -0.1, entropy: 2.45, scoresMargin: 0.8333333333333334 },
  xpo: { losses: [0.6093966600735709, 0.558347167228034, 0.47319717972663417], loss: 0.5469803356760796, dpo: 0.6669803356760796, xpo: -0.12,
    gradRowSums: [-0.09500416250421198, 0.06533351108267127, -0.09900003333200005, 0.04833472083473733, -0.0480002666240069, 0.14900003333200007] },
  nashMd: { losses: [0, -0.18248445933869317, 1.3147288140925053], loss: 0.3774147849179374, score: -0.23541478491793735, kl: -0.033333333333333305,
    grad: [[0.01333333333333333, -0.01333333333333333, 0.02666666666666667], [0.061885435408598484, 0.03521876874193182, 0], [-0.1899638418790007, -0.0899638418790007, -0.12329717521233403]] },
  mixture: [[-1.1884726920355417, -1.7884726920355416, -0.6384726920355417], [-0.5715154698641797, -1.2415154698641797, -1.9215154698641799]],
};

function twoCompletions(): TwoCompletionLogProbs {
  return {
    policyFirst: tf.tensor1d(LPS.slice(0, 3)),
    policySecond: tf.tensor1d(LPS.slice(3)),
    refFirst: tf.tensor1d(REFS.slice(0, 3)),
    refSecond: tf.tensor1d(REFS.slice(3)),
    scoresFirst: SCORES.slice(0, 3),
    scoresSecond: SCORES.slice(3),
  };
}

/** ∂loss/∂(row sums) of a loss over the six completions, in TRL's row order. */
function sumGrads(f: (x: TwoCompletionLogProbs) => tf.Scalar): number[] {
  return scoped(() => {
    const x = twoCompletions();
    const [g1, g2] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f({ ...x, policyFirst: a, policySecond: b }))([x.policyFirst, x.policySecond]);
    return [...read(g1 as tf.Tensor), ...read(g2 as tf.Tensor)];
  });
}
const trlSumGrads = (rows: number[]): number[] => rows.map((g, i) => g / (COUNTS[i] as number));

describe("onlineDpoLoss: TRL OnlineDPOTrainer number for number", () => {
  it("sigmoid: losses, the chosen side, gradients and TRL's objective stats", () => {
    scoped(() => {
      const o = onlineDpoLoss(twoCompletions(), { beta: 0.2 });
      expect(o.firstChosen).toEqual(TRL.onlineSigmoid.firstChosen);
      assertClose(read(o.losses), TRL.onlineSigmoid.losses, 1e-5, 1e-5);
      assertClose(read(o.loss)[0], TRL.onlineSigmoid.loss, 1e-5, 1e-5);
      assertClose(o.metrics["objective/kl"], TRL.onlineStats.kl, 1e-6, 1e-6);
      assertClose(o.metrics["objective/entropy"], TRL.onlineStats.entropy, 1e-6, 1e-6);
      assertClose(o.metrics["objective/scores_margin"], TRL.onlineStats.scoresMargin, 1e-6, 1e-6);
      assertClose(o.metrics["objective/non_score_reward"], -0.2 * TRL.onlineStats.kl, 1e-6, 1e-6);
      assertClose(o.metrics["objective/rlhf_reward"], SCORES.reduce((a, v) => a + v, 0) / 6 - 0.2 * TRL.onlineStats.kl, 1e-6, 1e-6);
    });
    assertClose(sumGrads((x) => onlineDpoLoss(x, { beta: 0.2 }).loss), trlSumGrads(TRL.onlineSigmoid.gradRowSums), 1e-6, 1e-5);
  });

  it("ipo on token sums", () => {
    scoped(() => {
      const o = onlineDpoLoss(twoCompletions(), { beta: 0.2, lossType: "ipo" });
      assertClose(read(o.losses), TRL.onlineIpo.losses, 1e-4, 1e-5);
      assertClose(read(o.loss)[0], TRL.onlineIpo.loss, 1e-4, 1e-5);
    });
    assertClose(sumGrads((x) => onlineDpoLoss(x, { beta: 0.2, lossType: "ipo" }).loss), trlSumGrads(TRL.onlineIpo.gradRowSums), 1e-4, 1e-5);
  });

  it("a judge's verdict gives the same loss as scores that agree with it; the EOS penalty flips a pair", () => {
    scoped(() => {
      const { scoresFirst: _a, scoresSecond: _b, ...rest } = twoCompletions();
      const judged = onlineDpoLoss({ ...rest, firstPreferred: [true, false, true] }, { beta: 0.2 });
      assertClose(read(judged.loss)[0], TRL.onlineSigmoid.loss, 1e-5, 1e-5);
      // prompt 0: 0.3 vs 0.3 (a tie: the first wins); a missing EOS on the first costs it the pair
      const penalised = onlineDpoLoss({ ...twoCompletions(), firstHasEos: [0, 1, 1], secondHasEos: [1, 1, 1] }, { beta: 0.2, missingEosPenalty: 1 });
      expect(penalised.firstChosen).toEqual([0, 0, 1]);
    });
  });

  it("equals dpoLoss on the pairs it builds (property)", () => {
    const v = fc.double({ min: -30, max: -0.1, noNaN: true });
    fc.assert(
      fc.property(fc.array(fc.tuple(v, v, v, v, fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })), { minLength: 1, maxLength: 4 }), (rows) =>
        scoped(() => {
          const col = (k: number): number[] => rows.map((r) => r[k] as number);
          const o = onlineDpoLoss({ policyFirst: tf.tensor1d(col(0)), policySecond: tf.tensor1d(col(1)), refFirst: tf.tensor1d(col(2)), refSecond: tf.tensor1d(col(3)), scoresFirst: col(4), scoresSecond: col(5) });
          const pick = (a: number, b: number): [number[], number[]] => [rows.map((r, i) => (o.firstChosen[i] ? r[a] : r[b]) as number), rows.map((r, i) => (o.firstChosen[i] ? r[b] : r[a]) as number)];
          const [pc, pr] = pick(0, 1);
          const [rc, rr] = pick(2, 3);
          const d = dpoLoss({ policyChosen: tf.tensor1d(pc), policyRejected: tf.tensor1d(pr), refChosen: tf.tensor1d(rc), refRejected: tf.tensor1d(rr) });
          assertClose(read(o.losses), read(d.losses), 1e-5, 1e-5);
          expect(o.firstChosen).toEqual(rows.map((r) => ((r[4] as number) >= (r[5] as number) ? 1 : 0)));
        }),
      ),
      { numRuns: 40 },
    );
  });
});

describe("xpoLoss: TRL XPOTrainer number for number", () => {
  it("losses, loss/dpo, loss/xpo and gradients (α 0.05, β 0.2)", () => {
    scoped(() => {
      const o = xpoLoss(twoCompletions(), { beta: 0.2, alpha: 0.05 });
      assertClose(read(o.losses), TRL.xpo.losses, 1e-5, 1e-5);
      assertClose(read(o.loss)[0], TRL.xpo.loss, 1e-5, 1e-5);
      assertClose(o.metrics["loss/dpo"], TRL.xpo.dpo, 1e-5, 1e-5);
      assertClose(o.metrics["loss/xpo"], TRL.xpo.xpo, 1e-6, 1e-5);
      assertClose(o.metrics["objective/scores_margin"], (0.3 - 0.3 + (-0.2 - 0.4) + (0.9 + 1)) / 3, 1e-6, 1e-6);
    });
    assertClose(sumGrads((x) => xpoLoss(x, { beta: 0.2, alpha: 0.05 }).loss), trlSumGrads(TRL.xpo.gradRowSums), 1e-6, 1e-5);
  });

  it("α = 0 is online DPO; the default α is TRL's 1e-5", () => {
    scoped(() => {
      assertClose(read(xpoLoss(twoCompletions(), { beta: 0.2, alpha: 0 }).losses), TRL.onlineSigmoid.losses, 1e-5, 1e-5);
      const d = read(xpoLoss(twoCompletions(), { beta: 0.2 }).loss)[0] as number;
      assertClose(d - TRL.onlineSigmoid.loss, 1e-5 * (LPS[3]! + LPS[4]! + LPS[5]!) / 3, 1e-7, 1e-3);
    });
  });
});

describe("nashMdLoss: TRL NashMDTrainer number for number", () => {
  const inputs = (): Parameters<typeof nashMdLoss>[0] => ({
    logProbs: tf.tensor2d(LP.slice(0, 3)),
    refLogProbs: tf.tensor2d(REF.slice(0, 3)),
    mask: tf.tensor2d(MASK.slice(0, 3)),
    policyScores: SCORES.slice(0, 3),
    mixtureScores: SCORES.slice(3),
  });
  it("losses, loss/score, loss/kl and the token gradients (REINFORCE KL)", () => {
    scoped(() => {
      const x = inputs();
      const o = nashMdLoss(x, { beta: 0.2 });
      assertClose(read(o.losses), TRL.nashMd.losses, 1e-5, 1e-5);
      assertClose(read(o.loss)[0], TRL.nashMd.loss, 1e-5, 1e-5);
      assertClose(o.metrics["loss/score"], TRL.nashMd.score, 1e-5, 1e-5);
      assertClose(o.metrics["loss/kl"], TRL.nashMd.kl, 1e-6, 1e-5);
      const g = tf.grad((lp: tf.Tensor) => nashMdLoss({ ...x, logProbs: lp }, { beta: 0.2 }).loss)(x.logProbs);
      assertClose(g.arraySync(), TRL.nashMd.grad, 1e-6, 1e-5);
    });
  });

  it("probabilities given directly equal σ(s(y) − s(y')); β = 0 passes a finite-difference check", () => {
    scoped(() => {
      const x = inputs();
      const p = SCORES.slice(0, 3).map((s, k) => 1 / (1 + Math.exp(-(s - (SCORES[k + 3] as number)))));
      const o = nashMdLoss({ logProbs: x.logProbs, refLogProbs: x.refLogProbs, mask: x.mask, probabilities: p }, { beta: 0.2 });
      assertClose(read(o.loss)[0], TRL.nashMd.loss, 1e-5, 1e-5);
      // the KL term's gradient is by design not the derivative of its value (stop-gradient on the log-ratio)
      checkGradient((lp) => nashMdLoss({ logProbs: lp, refLogProbs: x.refLogProbs, mask: x.mask, probabilities: p }, { beta: 0 }).loss, x.logProbs);
    });
  });

  it("the KL gradient is the derivative of β·Σ½(lp − ref)² (finite differences)", () => {
    scoped(() => {
      const x = inputs();
      const half = [0.5, 0.5, 0.5];
      const g = tf.grad((lp: tf.Tensor) => nashMdLoss({ ...x, policyScores: undefined, mixtureScores: undefined, probabilities: half, logProbs: lp }, { beta: 0.2 }).loss)(x.logProbs);
      const surrogate = (lp: tf.Tensor): tf.Tensor => tf.div(tf.sum(tf.mul(tf.square(tf.sub(lp, x.refLogProbs)), tf.mul(x.mask as tf.Tensor, 0.1))), 3);
      const fd = tf.grad(surrogate)(x.logProbs);
      assertClose(read(g), read(fd), 1e-6, 1e-5);
      checkGradient(surrogate, x.logProbs);
    });
  });

  it("geometricMixtureLogits = log_softmax(c·z_ref + (1 − c)·z) (TRL GeometricMixtureWrapper, c 0.3)", () => {
    scoped(() => {
      const z = tf.tensor2d([[1, -0.5, 2], [0.2, 0.1, -1]]);
      const zr = tf.tensor2d([[0, 1.5, -0.5], [2, 0, 0.3]]);
      assertClose(geometricMixtureLogits(z, zr, { mixtureCoef: 0.3 }).arraySync(), TRL.mixture, 1e-6, 1e-5);
      assertClose(read(geometricMixtureLogits(z, zr, { mixtureCoef: 0 })), read(tf.logSoftmax(z)), 1e-6, 1e-6);
      assertClose(read(geometricMixtureLogits(z, zr, { mixtureCoef: 1 })), read(tf.logSoftmax(zr)), 1e-6, 1e-6);
    });
  });
});

describe("online losses: finite differences, leaks, bad input", () => {
  it("finite-difference gradient checks (online DPO sigmoid / ipo, XPO)", () => {
    scoped(() => {
      const x = twoCompletions();
      const split = (v: tf.Tensor): TwoCompletionLogProbs => {
        const [a, b] = tf.split(v, 2);
        return { ...x, policyFirst: a as tf.Tensor, policySecond: b as tf.Tensor };
      };
      const v = tf.concat([x.policyFirst, x.policySecond]);
      checkGradient((t) => onlineDpoLoss(split(t), { beta: 0.2 }).loss, v);
      checkGradient((t) => onlineDpoLoss(split(t), { beta: 0.2, lossType: "ipo" }).loss, v, { step: 1e-3 });
      checkGradient((t) => xpoLoss(split(t), { beta: 0.2, alpha: 0.05 }).loss, v);
    });
  });

  it("leave no tensors behind", async () => {
    const x = twoCompletions();
    await expectNoTensorLeak(() => onlineDpoLoss(x, { lossType: "ipo" }));
    await expectNoTensorLeak(() => xpoLoss(x));
    const lp = tf.tensor2d(LP);
    const ref = tf.tensor2d(REF);
    await expectNoTensorLeak(() => nashMdLoss({ logProbs: lp, refLogProbs: ref, probabilities: [0.1, 0.5, 0.9, 1, 0, 0.3] }));
    await expectNoTensorLeak(() => geometricMixtureLogits(lp, ref));
    tf.dispose([lp, ref, x.policyFirst, x.policySecond, x.refFirst, x.refSecond]);
  });

  it("bad input throws RLError naming the function and the field", () => {
    scoped(() => {
      const x = twoCompletions();
      expectRLError(() => onlineDpoLoss({ ...x, firstPreferred: [1, 0, 1] }), /onlineDpoLoss: give either scoresFirst and scoresSecond .* not both/);
      const { scoresFirst: _a, scoresSecond: _b, ...bare } = x;
      expectRLError(() => xpoLoss(bare), /xpoLoss: .* not neither/);
      expectRLError(() => onlineDpoLoss({ ...x, scoresSecond: [1, 2] }), /scoresSecond has 2 entries, policyFirst has 3/);
      expectRLError(() => onlineDpoLoss({ ...bare, firstPreferred: [1, 2, 0] }), /firstPreferred\[1\] is 2/);
      expectRLError(() => onlineDpoLoss(x, { missingEosPenalty: 1 }), /missingEosPenalty needs firstHasEos/);
      expectRLError(() => onlineDpoLoss({ ...x, scoresFirst: [NaN, 0, 0] }), /scoresFirst\[0\] is NaN/);
      expectRLError(() => xpoLoss(x, { alpha: -1 }), /xpoLoss.*alpha/);
      const lp = tf.tensor2d(LP.slice(0, 3));
      expectRLError(() => nashMdLoss({ logProbs: lp, refLogProbs: tf.tensor2d([[0, 0, 0]]), probabilities: [0.5, 0.5, 0.5] }), /nashMdLoss: refLogProbs has shape \[1,3\], expected \[3,3\]/);
      expectRLError(() => nashMdLoss({ logProbs: lp, refLogProbs: lp, probabilities: [0.5, 1.5, 0.5] }), /probabilities\[1\] is 1.5/);
      expectRLError(() => nashMdLoss({ logProbs: lp, refLogProbs: lp }), /give either probabilities/);
      expectRLError(() => geometricMixtureLogits(lp, lp, { mixtureCoef: 2 }), /geometricMixtureLogits.*mixtureCoef/);
    });
  });
});

// TRL GRPOTrainer parity: VESPO (loss_type="vespo"), the off-policy sequence mask
// (off_policy_mask_threshold) and the high-entropy token mask (top_entropy_quantile). Spec §18, §20.
import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { grpoLoss, vespoLoss, type GrpoLossConfig } from "../../src/index.js";
import { highEntropyTokenMask, linearQuantile, offPolicySequenceMask } from "../../src/policy/token-masks.js";
import { E5, E5lp, arr, disposeAll, e5Tensors, num } from "./fixtures.js";

// E6: E5 tensors with sequence advantages A = [1, −2]; δ = lp − old = [[0.3, −0.4, 0], [1.5, −0.1, (5, masked)]],
// lp = [[−0.7, −2.4, −0.5], [0.0, −0.4, (−4)]].
//
// VESPO by hand (k, λ) = (2, 3) for A ≥ 0, (3, 2) for A < 0, φ = exp(λ + k·log w − λw), log w = Σ_t δ·M:
//   row 0: log w = 0.3 − 0.4 + 0 = −0.1, w = 0.904837, log φ = 3 − 0.2 − 2.714512 = 0.085488, φ₀ = 1.089248
//   row 1: log w = 1.5 − 0.1 = 1.4,      w = 4.055200, log φ = 2 + 4.2 − 8.110400 = −1.910400, φ₁ = 0.148021
//   L = −φ·A·lp: row 0 = 1.089248·[0.7, 2.4, 0.5] = [0.762474, 2.614196, 0.544624]
//                row 1 = 0.148021·2·[0.0, −0.4] = [0, −0.118417]
//   dapo (Σ / 5 tokens): (3.921294 − 0.118417) / 5 = 0.760575;  phiSeqMean = (1.089248 + 0.148021) / 2 = 0.618635
const PHI = [1.089248, 0.148021];
const VESPO_LOSS = 0.760575;

// PPO-style per-token loss of E6 (ε 0.2 / 0.28, no delta), spec §17 example 2 with ε_h 0.28:
//   [[−1.28, −0.670320, −1.0], [8.963378, 1.809675, ·]]  → row sums −2.950320 and 10.773053, dapo 1.564547.
const clipped = { epsilonLow: 0.2, epsilonHigh: 0.28 };

function e6(): ReturnType<typeof e5Tensors> {
  return e5Tensors(true);
}
// samplingLogProbs = lp + offsets ⇒ row drift D = mean_t(sampling − lp): row 0 = 0.5, row 1 = (0.2 + 0.4) / 2 = 0.3.
const samplingOffsets = [
  [0.5, 0.5, 0.5],
  [0.2, 0.4, Number.NaN],
];
const sampling = (base = E5lp): tf.Tensor2D => tf.tensor2d(base.map((r, i) => r.map((v, t) => v + samplingOffsets[i]![t]!)));
// entropies over the 5 valid tokens [0.1, 0.9, 0.5, 0.7, 0.3] (the padding entry is junk).
const entropyValues = [
  [0.1, 0.9, 0.5],
  [0.7, 0.3, Number.NaN],
];

function lossOf(x: Parameters<typeof grpoLoss>[0], cfg: GrpoLossConfig): { loss: number; perToken: number[][]; metrics: Record<string, number | undefined> } {
  const out = grpoLoss(x, cfg);
  const r = { loss: num(out.loss), perToken: arr(out.perToken), metrics: out.metrics as Record<string, number | undefined> };
  disposeAll({ l: out.loss, p: out.perToken });
  return r;
}

describe("vespo", () => {
  it("grpoLoss lossType vespo: hand-worked φ, perToken, loss 0.760575 and vespo/phiSeqMean 0.618635", () => {
    const x = e6();
    const r = lossOf(x, { lossType: "vespo" });
    assertClose(r.loss, VESPO_LOSS, 1e-5, 1e-5);
    assertClose([r.perToken[0], r.perToken[1]!.slice(0, 2)], [[0.762474, 2.614196, 0.544624], [0, -0.118417]], 1e-5, 1e-5);
    assertClose(r.metrics["vespo/phiSeqMean"], 0.618635, 1e-5, 1e-5);
    disposeAll(x);
  });

  it("vespoLoss standalone agrees (token-mean) and numItemsInBatch / normalizer rescale it", () => {
    const x = e6();
    const out = vespoLoss(x);
    assertClose(num(out.loss), VESPO_LOSS, 1e-5, 1e-5);
    assertClose(out.metrics.phiSeqMean, 0.618635, 1e-5, 1e-5);
    const scaled = vespoLoss(x, { normalizer: 10 });
    assertClose(num(scaled.loss), VESPO_LOSS / 2, 1e-5, 1e-5);
    const viaGrpo = lossOf(x, { lossType: "vespo", numItemsInBatch: 10 });
    assertClose(viaGrpo.loss, VESPO_LOSS / 2, 1e-5, 1e-5);
    disposeAll({ ...x, a: out.loss, b: out.perToken, c: scaled.loss, d: scaled.perToken });
  });

  it("the metric is only reported for vespo", () => {
    const x = e6();
    expect(lossOf(x, {}).metrics["vespo/phiSeqMean"]).toBeUndefined();
    disposeAll(x);
  });

  it("φ(1) = 1: on-policy VESPO is plain REINFORCE, loss −Σ A·lp·M / N", () => {
    const x = e6();
    const r = lossOf({ logProbs: x.logProbs, advantages: x.advantages, mask: x.mask }, { lossType: "vespo" });
    // −(1·(−0.7 − 2.4 − 0.5) + (−2)·(0 − 0.4)) / 5 = −(−3.6 + 0.8) / 5 = 0.56
    assertClose(r.loss, 0.56, 1e-6, 1e-6);
    assertClose(r.metrics["vespo/phiSeqMean"], 1, 1e-6);
    disposeAll(x);
  });

  it("gradient is −φ·A·M / N with φ a constant (off-policy)", () => {
    const x = e6();
    const g = arr(tf.grad((l: tf.Tensor) => grpoLoss({ ...x, logProbs: l }, { lossType: "vespo" }).loss)(x.logProbs));
    const want = E5.mask.map((row, i) => row.map((m) => (-PHI[i]! * E5.advSeq[i]! * m) / 5));
    assertClose(g, want, 1e-5, 1e-4);
    disposeAll(x);
  });

  it("on-policy gradient matches finite differences (φ ≡ 1 there, with β = 0.04 k3)", () => {
    const x = e6();
    const lp = tf.tensor2d(E5lp.map((r) => r.map((v) => v + 0.05)));
    const ref = tf.tensor2d(E5lp.map((r) => r.map((v) => v - 0.1)));
    checkGradient(
      (l) => {
        const o = grpoLoss({ logProbs: l, advantages: x.advantages, mask: x.mask, refLogProbs: ref }, { lossType: "vespo", beta: 0.04 });
        o.perToken.dispose();
        return o.loss;
      },
      lp,
      { step: 1e-3 },
    );
    checkGradient((l) => vespoLoss({ logProbs: l, advantages: x.advantages, mask: x.mask }).loss, lp, { step: 1e-3 });
    disposeAll({ ...x, lp, ref });
  });

  it("extreme drift: log w is clamped to [log 1e-8, 20] and φ stays finite (0 far out), no NaN", () => {
    // row 0: Σδ = 60 → clamped 20 → φ = exp(3 + 40 − 3e^20) = 0;  row 1: Σδ = −60 → log 1e-8 → φ = exp(2 − 55.26 − 2e-8) ≈ 7.4e-24
    const logProbs = tf.tensor2d([
      [0, 0],
      [0, 0],
    ]);
    const oldLogProbs = tf.tensor2d([
      [-30, -30],
      [30, 30],
    ]);
    const mask = tf.ones([2, 2]);
    const advantages = tf.tensor1d([1, -1]);
    const out = vespoLoss({ logProbs, oldLogProbs, advantages, mask });
    expect(Number.isFinite(num(out.loss))).toBe(true);
    assertClose(out.metrics.phiSeqMean, 0, 1e-12);
    disposeAll({ logProbs, oldLogProbs, mask, advantages, a: out.loss, b: out.perToken });
  });

  it("per-token advantages give per-token φ (sign of A_t picks (k, λ))", () => {
    const x = e5Tensors(false); // A rows +1 / −2 as [B, T]
    const r = lossOf(x, { lossType: "vespo" });
    assertClose(r.loss, VESPO_LOSS, 1e-5, 1e-5);
    assertClose(r.metrics["vespo/phiSeqMean"], (3 * PHI[0]! + 2 * PHI[1]!) / 5, 1e-5, 1e-5);
    disposeAll(x);
  });

  it("custom (k, λ) = (1, 1) for both signs: φ = e^{1 + log w − w}", () => {
    const x = e6();
    const out = vespoLoss(x, { kPos: 1, lambdaPos: 1, kNeg: 1, lambdaNeg: 1 });
    const phi = [-0.1, 1.4].map((lw) => Math.exp(1 + lw - Math.exp(lw)));
    assertClose(out.metrics.phiSeqMean, (phi[0]! + phi[1]!) / 2, 1e-5, 1e-5);
    disposeAll({ ...x, a: out.loss, b: out.perToken });
  });
});

describe("off-policy sequence mask", () => {
  it("hand-worked: D = [0.5, 0.3]; threshold 0.25 drops row 1 (A = −2), 0.3 (+1e-6 for float32) keeps it, row 0 (A ≥ 0) is always kept", () => {
    const x = e6();
    const s = sampling();
    // dropped: dapo = −2.950320 / 5 = −0.590064 (the denominator still counts row 1's 2 tokens);
    //          grpo = (−2.950320 / 3 + 0) / 2 = −0.491720
    const dropped = lossOf({ ...x, samplingLogProbs: s }, { ...clipped, offPolicyMaskThreshold: 0.25 });
    assertClose(dropped.loss, -0.590064, 1e-5, 1e-5);
    assertClose(dropped.perToken[1], [0, 0, 0], 1e-7);
    assertClose(dropped.perToken[0], [-1.28, -0.67032, -1.0], 1e-5, 1e-5);
    assertClose(lossOf({ ...x, samplingLogProbs: s }, { ...clipped, lossType: "grpo", offPolicyMaskThreshold: 0.25 }).loss, -0.49172, 1e-5, 1e-5);
    const tie = lossOf({ ...x, samplingLogProbs: s }, { ...clipped, offPolicyMaskThreshold: 0.3 + 1e-6 });
    assertClose(tie.loss, 1.564547, 1e-5, 1e-5);
    // row 0 has D = 0.5 > every threshold here, but A ≥ 0 keeps it
    const low = lossOf({ ...x, samplingLogProbs: s }, { ...clipped, offPolicyMaskThreshold: -5 });
    assertClose(low.loss, -0.590064, 1e-5, 1e-5);
    disposeAll({ ...x, s });
  });

  it("offPolicySequenceMask: [B] advantages → [B, 1] mask; NaN padding ignored; ties kept", () => {
    const x = e6();
    const s = sampling();
    const m = offPolicySequenceMask(x.logProbs, s, x.advantages, x.mask, 0.25);
    expect(m.shape).toEqual([2, 1]);
    expect(arr(m)).toEqual([[1], [0]]);
    const lp = tf.zeros([2, 2]);
    const samp = tf.tensor2d([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
    const kept = offPolicySequenceMask(lp, samp, tf.tensor1d([-1, -1]), tf.ones([2, 2]), 0.5); // D = 0.5 = threshold
    expect(arr(kept)).toEqual([[1], [1]]);
    disposeAll({ ...x, s, m, lp, samp, kept });
  });

  it("falls back to oldLogProbs (TRL) when samplingLogProbs is absent: D = mean(old − lp) = mean(−δ)", () => {
    // row 0: −(0.3 − 0.4 + 0)/3 = 0.033333 (A ≥ 0 anyway); row 1: −(1.5 − 0.1)/2 = −0.7 ≤ −0.75? no → dropped at −0.75, kept at −0.7
    const x = e6();
    assertClose(lossOf(x, { ...clipped, offPolicyMaskThreshold: -0.75 }).loss, -0.590064, 1e-5, 1e-5);
    assertClose(lossOf(x, { ...clipped, offPolicyMaskThreshold: -0.69 }).loss, 1.564547, 1e-5, 1e-5);
    disposeAll(x);
  });

  it("the KL term is added after the mask (a dropped row still pays β·k3)", () => {
    const x = e6();
    const ref = tf.tensor2d(E5lp.map((r, i) => r.map((v, t) => v + [[0.1, -0.2, 0], [-0.5, 0.3, 0]][i]![t]!)));
    const s = sampling();
    // −0.590064 + 0.04·(Σ k3 = 0.036058·5) / 5 = −0.590064 + 0.001442
    const r = lossOf({ ...x, refLogProbs: ref, samplingLogProbs: s }, { ...clipped, beta: 0.04, offPolicyMaskThreshold: 0.25 });
    assertClose(r.loss, -0.590064 + 0.04 * 0.036058, 1e-5, 1e-5);
    disposeAll({ ...x, ref, s });
  });

  it("property: never drops a row with A ≥ 0 (its perToken equals the unmasked one)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })), { minLength: 1, maxLength: 5 }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        (rows, threshold) => {
          const lp = tf.tensor2d(rows.map(([, a]) => [-1 + a, -0.5]));
          const s = tf.tensor2d(rows.map(([, , b]) => [-1 + b, -0.5 + b]));
          const adv = tf.tensor1d(rows.map(([a]) => a));
          const mask = tf.ones([rows.length, 2]);
          const old = tf.tensor2d(rows.map(() => [-1, -0.5]));
          const inputs = { logProbs: lp, oldLogProbs: old, advantages: adv, mask, samplingLogProbs: s };
          const masked = lossOf(inputs, { offPolicyMaskThreshold: threshold }).perToken;
          const plain = lossOf(inputs, {}).perToken;
          rows.forEach(([a], i) => {
            if (a >= 0) expect(masked[i]).toEqual(plain[i]);
          });
          disposeAll({ lp, s, adv, mask, old });
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("high-entropy token mask", () => {
  it("linearQuantile mirrors torch.quantile (linear): sorted [0.1, 0.3, 0.5, 0.7, 0.9]", () => {
    const v = [0.9, 0.1, 0.5, 0.3, 0.7];
    assertClose(linearQuantile(v, 0.6), 0.58, 1e-12); // pos 2.4: 0.5 + 0.4·0.2
    assertClose(linearQuantile(v, 0.5), 0.5, 1e-12); // pos 2
    assertClose(linearQuantile(v, 0), 0.1, 1e-12);
    assertClose(linearQuantile(v, 1), 0.9, 1e-12);
    assertClose(linearQuantile([2], 0.3), 2, 1e-12);
    expect(() => linearQuantile([], 0.5)).toThrow(/no values/);
  });

  it("hand-worked: ρ = 0.4 → τ = quantile_0.6 = 0.58 → keeps H = 0.9 (0,1) and 0.7 (1,0); dapo (−0.670320 + 8.963378)/5 = 1.658612", () => {
    const x = e6();
    const entropies = tf.tensor2d(entropyValues);
    const m = highEntropyTokenMask(entropies, x.mask, 0.4);
    expect(arr(m)).toEqual([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const r = lossOf({ ...x, entropies }, { ...clipped, topEntropyQuantile: 0.4 });
    assertClose(r.loss, 1.658612, 1e-5, 1e-5);
    assertClose(r.perToken, [[0, -0.67032, 0], [8.963378, 0, 0]], 1e-5, 1e-5);
    disposeAll({ ...x, entropies, m });
  });

  it("ties at the threshold are kept: ρ = 0.5 → τ = 0.5 exactly → keeps 0.5, 0.7, 0.9 (loss 1.458612)", () => {
    const x = e6();
    const entropies = tf.tensor2d(entropyValues);
    assertClose(lossOf({ ...x, entropies }, { ...clipped, topEntropyQuantile: 0.5 }).loss, 1.458612, 1e-5, 1e-5);
    const flat = tf.fill([2, 3], 0.25);
    const m = highEntropyTokenMask(flat, x.mask, 0.1); // all equal → all valid tokens kept
    expect(arr(m)).toEqual(E5.mask);
    const top = highEntropyTokenMask(entropies, x.mask, 0); // ρ = 0 → only the maximum
    expect(arr(top)).toEqual([
      [0, 1, 0],
      [0, 0, 0],
    ]);
    disposeAll({ ...x, entropies, flat, m, top });
  });

  it("both masks and VESPO compose (TRL order: off-policy, entropy, then + β·KL)", () => {
    const x = e6();
    const entropies = tf.tensor2d(entropyValues);
    const s = sampling();
    // vespo perToken [[0.762474, 2.614196, 0.544624], [0, −0.118417]]; row 1 dropped (D = 0.3 > 0.25),
    // ρ = 0.4 keeps (0,1), (1,0) → only 2.614196 survives → 2.614196 / 5 = 0.522839
    const r = lossOf({ ...x, entropies, samplingLogProbs: s }, { lossType: "vespo", offPolicyMaskThreshold: 0.25, topEntropyQuantile: 0.4 });
    assertClose(r.loss, 0.522839, 1e-5, 1e-5);
    disposeAll({ ...x, entropies, s });
  });

  it("gradients of the masked losses match finite differences (grpo / dapo / sapo / on-policy vespo, β = 0.04)", () => {
    const x = e6();
    const entropies = tf.tensor2d(entropyValues);
    const ref = tf.tensor2d(E5lp.map((r) => r.map((v) => v - 0.1)));
    const s = sampling();
    const lp = tf.tensor2d(E5lp.map((r) => r.map((v) => v + 0.05))); // row 1 drift 0.25, far from threshold 0.1
    for (const lossType of ["grpo", "dapo", "sapo", "vespo"] as const) {
      checkGradient(
        (l) => {
          const inputs = { logProbs: l, advantages: x.advantages, mask: x.mask, refLogProbs: ref, entropies, samplingLogProbs: s, ...(lossType === "vespo" ? {} : { oldLogProbs: x.oldLogProbs }) };
          const o = grpoLoss(inputs, { ...clipped, lossType, beta: 0.04, offPolicyMaskThreshold: 0.1, topEntropyQuantile: 0.6 });
          o.perToken.dispose();
          return o.loss;
        },
        lp,
        { step: 1e-3 },
      );
    }
    disposeAll({ ...x, entropies, ref, s, lp });
  });

  it("property: topEntropyQuantile = 1 equals no mask; a larger ρ keeps a superset", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 3, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true }), fc.boolean()), { minLength: 1, maxLength: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (rows, q1, q2) => {
          const entropies = tf.tensor2d(rows.map(([a, b]) => [a, b]));
          const mask = tf.tensor2d(rows.map(([, , pad]) => [1, pad ? 0 : 1]));
          const lp = tf.tensor2d(rows.map((_, i) => [-0.5 - 0.1 * i, -1]));
          const old = tf.tensor2d(rows.map(() => [-0.6, -0.8]));
          const adv = tf.tensor1d(rows.map((_, i) => (i % 2 === 0 ? 1 : -1)));
          const inputs = { logProbs: lp, oldLogProbs: old, advantages: adv, mask, entropies };
          const full = lossOf(inputs, { topEntropyQuantile: 1 });
          const plain = lossOf(inputs, {});
          expect(full.perToken).toEqual(plain.perToken);
          expect(full.loss).toBe(plain.loss);
          const [lo, hi] = q1 <= q2 ? [q1, q2] : [q2, q1];
          const a = highEntropyTokenMask(entropies, mask, lo);
          const b = highEntropyTokenMask(entropies, mask, hi);
          const ma = arr(a);
          const mb = arr(b);
          ma.forEach((row, i) => row.forEach((v, t) => expect(v).toBeLessThanOrEqual(mb[i]![t]!)));
          expect(ma.flat().some((v) => v === 1)).toBe(true); // the max-entropy valid token always survives
          disposeAll({ entropies, mask, lp, old, adv, a, b });
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("errors and leaks", () => {
  it("rejects bad config and missing inputs with RLError", () => {
    const x = e6();
    const entropies = tf.tensor2d(entropyValues);
    expect(() => grpoLoss(x, { topEntropyQuantile: 1.5 })).toThrow(/topEntropyQuantile/);
    expect(() => grpoLoss(x, { topEntropyQuantile: -0.1 })).toThrow(/topEntropyQuantile/);
    expect(() => grpoLoss(x, { topEntropyQuantile: 0.5 })).toThrow(/needs per-token entropies/);
    expect(() => grpoLoss({ logProbs: x.logProbs, advantages: x.advantages, mask: x.mask }, { offPolicyMaskThreshold: 0.1 })).toThrow(/samplingLogProbs/);
    expect(() => grpoLoss(x, { lossType: "vespo", importanceSampling: "sequence" })).toThrow(/vespo/);
    expect(() => grpoLoss(x, { lossType: "vespo", vespoLambdaPos: 0 })).toThrow(/grpoLoss/);
    expect(() => grpoLoss({ ...x, entropies: tf.zeros([2, 2]) }, { topEntropyQuantile: 0.5 })).toThrow(/entropies has shape/);
    expect(() => grpoLoss({ ...x, samplingLogProbs: tf.zeros([3, 3]) }, { offPolicyMaskThreshold: 0 })).toThrow(/samplingLogProbs has shape/);
    expect(() => highEntropyTokenMask(entropies, x.mask, 2)).toThrow(/topQuantile/);
    const bad = tf.tensor2d([
      [0.1, Number.NaN, 0.5],
      [0.7, 0.3, 0],
    ]);
    expect(() => grpoLoss({ ...x, entropies: bad }, { topEntropyQuantile: 0.5 })).toThrow(/NaN or Inf/);
    expect(() => grpoLoss({ ...x, samplingLogProbs: bad }, { offPolicyMaskThreshold: 0.1 })).toThrow(/samplingLogProbs has NaN/);
    disposeAll({ ...x, entropies, bad });
  });

  it("does not leak (loss, gradient, standalone helpers, the throwing path)", async () => {
    const x = e6();
    const entropies = tf.tensor2d(entropyValues);
    const s = sampling();
    const cfg = { lossType: "vespo", offPolicyMaskThreshold: 0.25, topEntropyQuantile: 0.4 } as const;
    await expectNoTensorLeak(() => grpoLoss({ ...x, entropies, samplingLogProbs: s }, cfg));
    await expectNoTensorLeak(() => grpoLoss({ ...x, entropies, samplingLogProbs: s }, { ...cfg, lossType: "grpo" }));
    await expectNoTensorLeak(() => tf.grad((l: tf.Tensor) => grpoLoss({ ...x, logProbs: l, entropies, samplingLogProbs: s }, cfg).loss)(x.logProbs));
    await expectNoTensorLeak(() => vespoLoss(x));
    await expectNoTensorLeak(() => [highEntropyTokenMask(entropies, x.mask, 0.3), offPolicySequenceMask(x.logProbs, s, x.advantages, x.mask, 0.1)]);
    const bad = tf.tensor2d([
      [0.1, Number.NaN, 0.5],
      [0.7, 0.3, 0],
    ]);
    await expectNoTensorLeak(() => {
      expect(() => grpoLoss({ ...x, entropies: bad }, { topEntropyQuantile: 0.5 })).toThrow();
    });
    disposeAll({ ...x, entropies, s, bad });
  });
});

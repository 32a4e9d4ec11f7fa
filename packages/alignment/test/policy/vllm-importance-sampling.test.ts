// TRL GRPOTrainer's vLLM importance-sampling correction (vllm_importance_sampling_correction, spec §18 step 3,
// §20 VESPO row): vllmImportanceSamplingRatio and the importanceSamplingRatio input of grpoLoss / vespoLoss.
import { RLError, tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { grpoLoss, vespoLoss, vllmImportanceSamplingRatio, type GrpoLossConfig, type VllmImportanceSamplingMode } from "../../src/index.js";
import { E5, E5lp, arr, disposeAll, e5Tensors, num } from "./fixtures.js";

// Hand-worked example on E5's old log-probs and mask [[1, 1, 1], [1, 1, 0]]:
// sampling = old − d with d = old − sampling = [[0.5, −0.2, 0.1], [1.2, 0.3, (NaN, padding)]].
//   token ratios exp(d) = [[1.648721, 0.818731, 1.105171], [3.320117, 1.349859, (1 on padding)]]
//   token_truncate, cap 3: (1,0) 3.320117 → 3;  mean over the 5 valid = 7.922482 / 5 = 1.584496; min 0.818731, max 3
//   token_mask, cap 3:     (1,0) → 0;           mean 4.922482 / 5 = 0.984496; min 0, max 1.648721
//   sequence sums Σ d = [0.4, 1.5] → exp = [1.491825, 4.481689]
//   sequence_truncate: [1.491825, 3]  mean 2.245912;  sequence_mask (TRL default): [1.491825, 0]  mean 0.745912
//   every mode: one of the counted entries is bounded → clippedFraction 1/5 (token) or 1/2 (sequence)
//   |old − sampling| over valid tokens: mean 2.3 / 5 = 0.46, max 1.2
const D = [
  [0.5, -0.2, 0.1],
  [1.2, 0.3, Number.NaN],
];
const samplingValues = E5.old.map((row, i) => row.map((o, t) => o - D[i]![t]!));
const TOKEN = [
  [1.648721, 0.818731, 1.105171],
  [3.320117, 1.349859],
];
const SEQ = [1.491825, 4.481689];

function setup(): { old: tf.Tensor2D; sampling: tf.Tensor2D; mask: tf.Tensor2D } {
  return { old: tf.tensor2d(E5.old), sampling: tf.tensor2d(samplingValues), mask: tf.tensor2d(E5.mask) };
}

function ratioOf(mode: VllmImportanceSamplingMode, extra: { cap?: number; capMin?: number | null } = {}): { ratio: number[][]; metrics: Record<string, number> } {
  const { old, sampling, mask } = setup();
  const out = vllmImportanceSamplingRatio(old, sampling, mask, { mode, ...extra });
  const r = { ratio: arr(out.ratio), metrics: out.metrics as Record<string, number> };
  disposeAll({ old, sampling, mask, r: out.ratio });
  return r;
}

// PPO-clip per-token loss of E6 (A = [1, −2], ε 0.2 / 0.28), see grpo-parity.test.ts:
//   [[−1.28, −0.670320, −1.0], [8.963378, 1.809675, ·]]  (dapo 1.564547)
const clipped = { epsilonLow: 0.2, epsilonHigh: 0.28 };
const PER = [
  [-1.28, -0.67032, -1.0],
  [8.963378, 1.809675],
];

function lossOf(x: Parameters<typeof grpoLoss>[0], cfg: GrpoLossConfig): { loss: number; perToken: number[][]; metrics: Record<string, number | undefined> } {
  const out = grpoLoss(x, cfg);
  const r = { loss: num(out.loss), perToken: arr(out.perToken), metrics: out.metrics as Record<string, number | undefined> };
  disposeAll({ l: out.loss, p: out.perToken });
  return r;
}

describe("vllmImportanceSamplingRatio: hand-worked modes", () => {
  it("token_truncate: exp(old − sampling), truncated at 3, padding 1", () => {
    const { ratio, metrics } = ratioOf("token_truncate");
    assertClose(ratio, [[...TOKEN[0]!], [3, 1.349859, 1]], 1e-5, 1e-5);
    assertClose(metrics["sampling/importanceSamplingRatio/mean"], 1.584496, 1e-5, 1e-5);
    assertClose(metrics["sampling/importanceSamplingRatio/min"], 0.818731, 1e-5, 1e-5);
    assertClose(metrics["sampling/importanceSamplingRatio/max"], 3, 1e-6);
    assertClose(metrics["sampling/importanceSamplingRatio/clippedFraction"], 0.2, 1e-6);
    assertClose(metrics["sampling/samplingLogpDifference/mean"], 0.46, 1e-5, 1e-5);
    assertClose(metrics["sampling/samplingLogpDifference/max"], 1.2, 1e-5, 1e-5);
  });

  it("token_mask: the ratio above 3 becomes 0, the rest untouched", () => {
    const { ratio, metrics } = ratioOf("token_mask");
    assertClose(ratio, [[...TOKEN[0]!], [0, 1.349859, 1]], 1e-5, 1e-5);
    assertClose(metrics["sampling/importanceSamplingRatio/mean"], 0.984496, 1e-5, 1e-5);
    expect(metrics["sampling/importanceSamplingRatio/min"]).toBe(0);
    assertClose(metrics["sampling/importanceSamplingRatio/max"], 1.648721, 1e-5, 1e-5);
    assertClose(metrics["sampling/importanceSamplingRatio/clippedFraction"], 0.2, 1e-6);
  });

  it("sequence_truncate: exp of the row SUM of old − sampling (not the mean), [B, 1]", () => {
    const { ratio, metrics } = ratioOf("sequence_truncate");
    assertClose(ratio, [[SEQ[0]!], [3]], 1e-5, 1e-5);
    assertClose(metrics["sampling/importanceSamplingRatio/mean"], 2.245912, 1e-5, 1e-5);
    assertClose(metrics["sampling/importanceSamplingRatio/clippedFraction"], 0.5, 1e-6);
    // a larger cap leaves exp(1.5) alone
    assertClose(ratioOf("sequence_truncate", { cap: 5 }).ratio, [[SEQ[0]!], [SEQ[1]!]], 1e-5, 1e-5);
  });

  it("sequence_mask is the default (TRL): [[1.491825], [0]]", () => {
    const { old, sampling, mask } = setup();
    const out = vllmImportanceSamplingRatio(old, sampling, mask);
    expect(out.ratio.shape).toEqual([2, 1]);
    assertClose(arr(out.ratio), [[SEQ[0]!], [0]], 1e-5, 1e-5);
    assertClose(out.metrics["sampling/importanceSamplingRatio/mean"], 0.745912, 1e-5, 1e-5);
    assertClose(out.metrics["sampling/importanceSamplingRatio/max"], SEQ[0]!, 1e-5, 1e-5);
    expect(out.metrics["sampling/importanceSamplingRatio/min"]).toBe(0);
    disposeAll({ old, sampling, mask, r: out.ratio });
  });

  it("capMin (TRL clip_min): truncate lifts 0.818731 to 0.9, mask zeroes it; ties with a bound are kept", () => {
    assertClose(ratioOf("token_truncate", { capMin: 0.9 }).ratio, [[1.648721, 0.9, 1.105171], [3, 1.349859, 1]], 1e-5, 1e-5);
    const masked = ratioOf("token_mask", { capMin: 0.9 });
    assertClose(masked.ratio, [[1.648721, 0, 1.105171], [0, 1.349859, 1]], 1e-5, 1e-5);
    assertClose(masked.metrics["sampling/importanceSamplingRatio/clippedFraction"], 0.4, 1e-6);
    // exact tie: d = 0 → ratio 1 = cap is kept by token_mask (TRL masks only ratio > cap)
    const zero = tf.zeros([1, 2]);
    const one = tf.ones([1, 2]);
    const tie = vllmImportanceSamplingRatio(zero, zero, one, { mode: "token_mask", cap: 1, capMin: 1 });
    expect(arr(tie.ratio)).toEqual([[1, 1]]);
    disposeAll({ zero, one, r: tie.ratio });
  });

  it("a row without valid tokens gets sequence ratio 1; an all-masked batch reports metrics 0, never NaN", () => {
    const old = tf.tensor2d([
      [-1, -2],
      [-1, Number.NaN],
    ]);
    const sampling = tf.tensor2d([
      [-1.5, -2],
      [-3, Number.NaN],
    ]);
    const mask = tf.tensor2d([
      [1, 1],
      [0, 0],
    ]);
    const seq = vllmImportanceSamplingRatio(old, sampling, mask, { mode: "sequence_truncate" });
    assertClose(arr(seq.ratio), [[Math.exp(0.5)], [1]], 1e-6);
    const none = tf.zeros([2, 2]);
    const tok = vllmImportanceSamplingRatio(old, sampling, none, { mode: "token_mask" });
    expect(Object.values(tok.metrics)).toEqual([0, 0, 0, 0, 0, 0]);
    disposeAll({ old, sampling, mask, none, a: seq.ratio, b: tok.ratio });
  });
});

describe("grpoLoss with importanceSamplingRatio (after the masks, before + β·KL)", () => {
  it("sequence_mask [B, 1]: row 0 × 1.491825, row 1 × 0 → dapo (−2.950320·1.491825)/5 = −0.880272, grpo −0.733560", () => {
    const x = e5Tensors(true);
    const { old, sampling, mask } = setup();
    const { ratio } = vllmImportanceSamplingRatio(old, sampling, mask);
    const r = lossOf({ ...x, importanceSamplingRatio: ratio }, clipped);
    assertClose(r.loss, -0.880272, 1e-5, 1e-5);
    assertClose(r.perToken, [PER[0]!.map((v) => v * SEQ[0]!), [0, 0, 0]], 1e-5, 1e-5);
    // grpo: (Σ row 0 / 3 + 0) / 2
    assertClose(lossOf({ ...x, importanceSamplingRatio: ratio }, { ...clipped, lossType: "grpo" }).loss, -0.73356, 1e-5, 1e-5);
    disposeAll({ ...x, old, sampling, mask, ratio });
  });

  it("token_truncate [B, T]: per-token weights → dapo 5.113719; clip metrics unchanged (they read c₁)", () => {
    const x = e5Tensors(true);
    const { old, sampling, mask } = setup();
    const { ratio } = vllmImportanceSamplingRatio(old, sampling, mask, { mode: "token_truncate" });
    // [[−1.28·1.648721, −0.670320·0.818731, −1.0·1.105171], [8.963378·3, 1.809675·1.349859]]
    //  = [[−2.110363, −0.548812, −1.105171], [26.890134, 2.442806]] → Σ / 5 = 5.113719
    const r = lossOf({ ...x, importanceSamplingRatio: ratio }, clipped);
    assertClose(r.loss, 5.113719, 1e-5, 1e-5);
    assertClose(r.perToken, [[-2.110363, -0.548812, -1.105171], [26.890134, 2.442806, 0]], 1e-5, 1e-5);
    assertClose(r.metrics["clipRatio/highMean"], 0.2, 1e-6);
    disposeAll({ ...x, old, sampling, mask, ratio });
  });

  it("the KL term is not IS-weighted: + 0.04·0.036058 on top of −0.880272", () => {
    const x = e5Tensors(true);
    const ref = tf.tensor2d(E5lp.map((r, i) => r.map((v, t) => v + [[0.1, -0.2, 0], [-0.5, 0.3, 0]][i]![t]!)));
    const { old, sampling, mask } = setup();
    const { ratio } = vllmImportanceSamplingRatio(old, sampling, mask);
    const r = lossOf({ ...x, refLogProbs: ref, importanceSamplingRatio: ratio }, { ...clipped, beta: 0.04 });
    assertClose(r.loss, -0.880272 + 0.04 * 0.036058, 1e-5, 1e-5);
    assertClose(r.metrics.kl, 0.036058, 1e-5, 1e-5);
    disposeAll({ ...x, ref, old, sampling, mask, ratio });
  });

  it("composes with the off-policy mask (order irrelevant for products, both applied)", () => {
    const x = e5Tensors(true);
    const { old, sampling, mask } = setup();
    const { ratio } = vllmImportanceSamplingRatio(old, sampling, mask, { mode: "token_truncate" });
    // off-policy D from oldLogProbs (fallback): row 1 D = −0.7 > −0.75 → dropped; row 0 × IS → (−2.110363 − 0.548812 − 1.105171)/5
    const r = lossOf({ ...x, importanceSamplingRatio: ratio }, { ...clipped, offPolicyMaskThreshold: -0.75 });
    assertClose(r.loss, (-2.110363 - 0.548812 - 1.105171) / 5, 1e-5, 1e-5);
    disposeAll({ ...x, old, sampling, mask, ratio });
  });

  it("a ratio of ones changes nothing; absent, the loss is the plain one (1.564547)", () => {
    const x = e5Tensors(true);
    const ones = tf.ones([2, 1]);
    assertClose(lossOf({ ...x, importanceSamplingRatio: ones }, clipped).loss, 1.564547, 1e-5, 1e-5);
    assertClose(lossOf(x, clipped).loss, 1.564547, 1e-5, 1e-5);
    disposeAll({ ...x, ones });
  });

  it("VESPO takes the ratio inside φ, not as a factor: sequence_mask → log w = [−0.1 + 0.4, 1.4 + log 1e-8] → loss 0.459287", () => {
    // row 0: log w = 0.3, w = 1.349859, log φ = 3 + 0.6 − 4.049576 = −0.449576, φ₀ = 0.637898;  L = φ₀·[0.7, 2.4, 0.5]
    // row 1: ratio 0 → clamp(log 0) = log 1e-8 = −18.420681 → log w = −17.020681, φ₁ = exp(2 − 51.06 − 8e-8) ≈ 4.9e-22
    // dapo: φ₀·3.6 / 5 = 0.459287 (multiplying by the ratio as well would give 0.685166)
    const x = e5Tensors(true);
    const { old, sampling, mask } = setup();
    const { ratio } = vllmImportanceSamplingRatio(old, sampling, mask);
    const r = lossOf({ ...x, importanceSamplingRatio: ratio }, { lossType: "vespo" });
    assertClose(r.loss, 0.459287, 1e-5, 1e-5);
    assertClose(r.metrics["vespo/phiSeqMean"], 0.637898 / 2, 1e-5, 1e-5);
    const standalone = vespoLoss({ ...x, importanceSamplingRatio: ratio });
    assertClose(num(standalone.loss), 0.459287, 1e-5, 1e-5);
    // token_truncate [B, T]: Σ_t log ρ over valid tokens = 0.4 (row 0), log 3 + 0.3 (row 1) → same φ₀
    const tok = vllmImportanceSamplingRatio(old, sampling, mask, { mode: "token_truncate" });
    const rt = lossOf({ ...x, importanceSamplingRatio: tok.ratio }, { lossType: "vespo" });
    assertClose(rt.loss, 0.459287, 1e-5, 1e-5);
    disposeAll({ ...x, old, sampling, mask, ratio, a: standalone.loss, b: standalone.perToken, c: tok.ratio });
  });
});

describe("gradients: the ratio is a constant", () => {
  it("d/d(old) of the ratio is 0 in every mode", () => {
    const { old, sampling, mask } = setup();
    for (const mode of ["token_truncate", "token_mask", "sequence_truncate", "sequence_mask"] as const) {
      const g = tf.grad((o: tf.Tensor) => tf.sum(vllmImportanceSamplingRatio(o, sampling, mask, { mode, cap: 10 }).ratio))(old);
      expect(arr(g)).toEqual([
        [0, 0, 0],
        [0, 0, 0],
      ]);
      g.dispose();
    }
    disposeAll({ old, sampling, mask });
  });

  it("grpoLoss gradient with the ratio computed from logProbs itself equals IS ⊙ the uncorrected gradient", () => {
    // oldLogProbs = lp (on-policy), ratio = exp(lp − sampling) built inside the loss from the differentiated lp:
    // if the ratio leaked gradient, the two sides would differ by A·∂ρ/∂lp terms.
    const x = e5Tensors(true);
    const lp = tf.tensor2d(E5lp);
    const s = tf.tensor2d(E5lp.map((r) => r.map((v) => v - 0.3)));
    const mask = x.mask;
    const inner = tf.grad((l: tf.Tensor) => {
      const { ratio } = vllmImportanceSamplingRatio(l, s, mask, { mode: "token_truncate", cap: 10 });
      const o = grpoLoss({ logProbs: l, advantages: x.advantages, mask, importanceSamplingRatio: ratio }, { lossType: "bnpo" });
      o.perToken.dispose();
      return o.loss;
    })(lp);
    const plain = tf.grad((l: tf.Tensor) => grpoLoss({ logProbs: l, advantages: x.advantages, mask }, { lossType: "bnpo" }).loss)(lp);
    // on-policy bnpo gradient: −A·M / 5; ρ = e^0.3 on every valid token
    const want = E5.mask.map((row, i) => row.map((m) => (-E5.advSeq[i]! * m * Math.exp(0.3)) / 5));
    assertClose(arr(inner), want, 1e-5, 1e-5);
    assertClose(arr(inner), arr(plain).map((row) => row.map((v) => v * Math.exp(0.3))), 1e-5, 1e-5);
    disposeAll({ ...x, lp, s, inner, plain });
  });

  it("finite differences agree with the analytic gradient (dapo / sapo / grpo, fixed token ratio, β = 0.04)", () => {
    const x = e5Tensors(true);
    const ref = tf.tensor2d(E5lp.map((r) => r.map((v) => v - 0.1)));
    const { old, sampling, mask } = setup();
    const { ratio } = vllmImportanceSamplingRatio(old, sampling, mask, { mode: "token_truncate" });
    const lp = tf.tensor2d(E5lp.map((r) => r.map((v) => v + 0.05)));
    for (const lossType of ["dapo", "sapo", "grpo"] as const) {
      checkGradient(
        (l) => {
          const o = grpoLoss({ ...x, logProbs: l, refLogProbs: ref, importanceSamplingRatio: ratio }, { ...clipped, lossType, beta: 0.04 });
          o.perToken.dispose();
          return o.loss;
        },
        lp,
        { step: 1e-3 },
      );
    }
    disposeAll({ ...x, ref, old, sampling, mask, ratio, lp });
  });
});

describe("properties", () => {
  const modes = fc.constantFrom<VllmImportanceSamplingMode>("token_truncate", "token_mask", "sequence_truncate", "sequence_mask");
  const rows = fc.array(fc.tuple(fc.double({ min: -3, max: 0, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), fc.boolean()), { minLength: 1, maxLength: 6 });

  it("truncate modes stay within [capMin, cap]; mask modes give 0 or an untouched value in [capMin, cap]", () => {
    fc.assert(
      fc.property(rows, modes, fc.double({ min: 0.5, max: 5, noNaN: true }), fc.option(fc.double({ min: 0, max: 0.5, noNaN: true })), (rs, mode, cap, capMin) => {
        const old = tf.tensor2d(rs.map(([o, d]) => [o, o + d / 2]));
        const sampling = tf.tensor2d(rs.map(([o, d]) => [o - d, o]));
        const mask = tf.tensor2d(rs.map(([, , pad]) => [1, pad ? 0 : 1]));
        const { ratio } = vllmImportanceSamplingRatio(old, sampling, mask, { mode, cap, capMin });
        // the bounds as float32 (the tensors' precision)
        const hi = Math.fround(cap);
        const lo = Math.fround(capMin ?? 0);
        for (const v of ratio.dataSync()) {
          if (mode.endsWith("truncate") || v !== 0) {
            expect(v).toBeLessThanOrEqual(hi);
            expect(v).toBeGreaterThanOrEqual(lo);
          }
        }
        disposeAll({ old, sampling, mask, ratio });
      }),
      { numRuns: 40 },
    );
  });

  it("old == sampling gives ratio 1 everywhere in every mode (cap ≥ 1), and grpoLoss is unchanged by it", () => {
    fc.assert(
      fc.property(rows, modes, fc.double({ min: 1, max: 5, noNaN: true }), (rs, mode, cap) => {
        const old = tf.tensor2d(rs.map(([o, d]) => [o, o - Math.abs(d)]));
        const mask = tf.tensor2d(rs.map(([, , pad]) => [1, pad ? 0 : 1]));
        const out = vllmImportanceSamplingRatio(old, old, mask, { mode, cap });
        expect(Array.from(out.ratio.dataSync()).every((v) => v === 1)).toBe(true);
        expect(out.metrics["sampling/importanceSamplingRatio/clippedFraction"]).toBe(0);
        const adv = tf.tensor1d(rs.map((_, i) => (i % 2 === 0 ? 1 : -1)));
        const lp = tf.add(old, 0.1);
        const inputs = { logProbs: lp, oldLogProbs: old, advantages: adv, mask };
        expect(lossOf({ ...inputs, importanceSamplingRatio: out.ratio }, {}).perToken).toEqual(lossOf(inputs, {}).perToken);
        disposeAll({ old, mask, adv, lp, r: out.ratio });
      }),
      { numRuns: 30 },
    );
  });
});

describe("errors and leaks", () => {
  it("rejects bad config, shapes and non-finite inputs with RLError", () => {
    const { old, sampling, mask } = setup();
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(RLError);
        return (e as RLError).code;
      }
      return undefined;
    };
    expect(code(() => vllmImportanceSamplingRatio(old, sampling, mask, { cap: 0 }))).toBe("INVALID_CONFIG");
    expect(code(() => vllmImportanceSamplingRatio(old, sampling, mask, { cap: -1 }))).toBe("INVALID_CONFIG");
    expect(code(() => vllmImportanceSamplingRatio(old, sampling, mask, { cap: Number.NaN }))).toBe("INVALID_CONFIG");
    expect(code(() => vllmImportanceSamplingRatio(old, sampling, mask, { capMin: 4 }))).toBe("INVALID_CONFIG");
    expect(code(() => vllmImportanceSamplingRatio(old, sampling, mask, { mode: "token" as VllmImportanceSamplingMode }))).toBe("INVALID_CONFIG");
    const wrong = tf.zeros([2, 2]);
    expect(code(() => vllmImportanceSamplingRatio(old, wrong, mask))).toBe("SHAPE_MISMATCH");
    expect(() => vllmImportanceSamplingRatio(old, wrong, mask)).toThrow(/samplingLogProbs has shape \[2,2\]/);
    const nan = tf.tensor2d([
      [-1, Number.NaN, -0.5],
      [-1.5, -0.3, 0],
    ]);
    expect(code(() => vllmImportanceSamplingRatio(old, nan, mask))).toBe("NON_FINITE");
    const x = e5Tensors(true);
    const twoByTwo = tf.ones([2, 2]);
    const threeRows = tf.ones([3, 1]);
    expect(code(() => grpoLoss({ ...x, importanceSamplingRatio: twoByTwo }))).toBe("SHAPE_MISMATCH");
    expect(() => grpoLoss({ ...x, importanceSamplingRatio: threeRows })).toThrow(/importanceSamplingRatio has shape/);
    const badRatio = tf.tensor2d([[Number.NaN], [1]]);
    expect(() => grpoLoss({ ...x, importanceSamplingRatio: badRatio })).toThrow(/importanceSamplingRatio has NaN or Inf or negative/);
    const negative = tf.tensor2d([[-1], [1]]);
    expect(code(() => vespoLoss({ ...x, importanceSamplingRatio: negative }))).toBe("NON_FINITE");
    // padding of a [B, T] ratio may hold anything
    const padded = tf.tensor2d([
      [1, 1, 1],
      [1, 1, Number.NaN],
    ]);
    assertClose(lossOf({ ...x, importanceSamplingRatio: padded }, clipped).loss, 1.564547, 1e-5, 1e-5);
    disposeAll({ old, sampling, m: mask, wrong, nan, ...x, twoByTwo, threeRows, badRatio, negative, padded });
  });

  it("does not leak (every mode, the losses, the gradient, the throwing paths)", async () => {
    const { old, sampling, mask } = setup();
    const x = e5Tensors(true);
    for (const mode of ["token_truncate", "token_mask", "sequence_truncate", "sequence_mask"] as const) {
      await expectNoTensorLeak(() => vllmImportanceSamplingRatio(old, sampling, mask, { mode, capMin: 0.5 }).ratio);
    }
    const { ratio } = vllmImportanceSamplingRatio(old, sampling, mask, { mode: "token_mask" });
    await expectNoTensorLeak(() => grpoLoss({ ...x, importanceSamplingRatio: ratio }, clipped));
    await expectNoTensorLeak(() => grpoLoss({ ...x, importanceSamplingRatio: ratio }, { lossType: "vespo" }));
    await expectNoTensorLeak(() => vespoLoss({ ...x, importanceSamplingRatio: ratio }));
    await expectNoTensorLeak(() => tf.grad((l: tf.Tensor) => grpoLoss({ ...x, logProbs: l, importanceSamplingRatio: ratio }).loss)(x.logProbs));
    const nan = tf.tensor2d([
      [-1, Number.NaN, -0.5],
      [-1.5, -0.3, 0],
    ]);
    await expectNoTensorLeak(() => {
      expect(() => vllmImportanceSamplingRatio(old, nan, mask)).toThrow(/NaN or Inf/);
    });
    const badRatio = tf.tensor2d([[Number.NaN], [1]]);
    await expectNoTensorLeak(() => {
      expect(() => grpoLoss({ ...x, importanceSamplingRatio: badRatio })).toThrow(/importanceSamplingRatio/);
    });
    disposeAll({ old, sampling, m: mask, ...x, ratio, nan, badRatio });
  });
});

// verl's rollout correction (rollout_corr_helper.py, core_algos.compute_policy_loss_bypass_mode @ b178a3cd):
// rolloutImportanceWeights, rolloutRejectionMask, rolloutOffPolicyMetrics, rolloutCorrection, bypassModeLoss.
import { RLError, tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bypassModeLoss,
  rolloutCorrection,
  rolloutImportanceWeights,
  rolloutOffPolicyMetrics,
  rolloutRejectionCriteriaFromVerl,
  rolloutRejectionMask,
  vllmImportanceSamplingRatio,
} from "../../src/index.js";
import * as F from "./rollout-correction.fixtures.js";

const TOL = 2e-5;
const arr = (t: tf.Tensor): number[] => Array.from(t.dataSync());
function inputs(): { lp: tf.Tensor2D; ro: tf.Tensor2D; mask: tf.Tensor2D } {
  return { lp: tf.tensor2d(F.LP), ro: tf.tensor2d(F.ROLLOUT), mask: tf.tensor2d(F.MASK) };
}
function withInputs<T>(f: (x: { lp: tf.Tensor2D; ro: tf.Tensor2D; mask: tf.Tensor2D }) => T): T {
  const x = inputs();
  try {
    return f(x);
  } finally {
    Object.values(x).forEach((t) => t.dispose());
  }
}
async function withInputsAsync(f: (x: { lp: tf.Tensor2D; ro: tf.Tensor2D; mask: tf.Tensor2D }) => Promise<void>): Promise<void> {
  const x = inputs();
  try {
    await f(x);
  } finally {
    Object.values(x).forEach((t) => t.dispose());
  }
}
function metricsClose(got: Record<string, number>, want: Record<string, number>, keys = Object.keys(want)): void {
  for (const k of keys) {
    expect(got[k], k).toBeDefined();
    assertClose(got[k] as number, want[k] as number, TOL, TOL);
  }
}

describe("rolloutImportanceWeights (verl compute_rollout_correction_weights)", () => {
  const cases = [
    ["token", false, F.isToken],
    ["token", true, F.isTokenNorm],
    ["sequence", false, F.isSeq],
    ["sequence", true, F.isSeqNorm],
  ] as const;
  for (const [level, batchNormalize, want] of cases) {
    it(`matches verl: ${level}, batchNormalize ${batchNormalize} (weights and every metric)`, () =>
      withInputs(({ lp, ro, mask }) => {
        const out = rolloutImportanceWeights(lp, ro, mask, { level, cap: 2, batchNormalize });
        assertClose(arr(out.weights), want.w.flat(), TOL, TOL);
        expect(out.weights.shape).toEqual([3, 4]);
        metricsClose(out.metrics as Record<string, number>, want.m);
        out.weights.dispose();
      }));
  }

  it("is vllmImportanceSamplingRatio's *_truncate (no lower bound) times the mask", () =>
    withInputs(({ lp, ro, mask }) => {
      for (const level of ["token", "sequence"] as const) {
        const a = rolloutImportanceWeights(lp, ro, mask, { level, cap: 1.5 });
        const b = vllmImportanceSamplingRatio(lp, ro, mask, { mode: `${level}_truncate`, cap: 1.5, capMin: null });
        const bb = tf.mul(b.ratio, mask);
        assertClose(arr(a.weights), arr(bb), 1e-7, 1e-7);
        tf.dispose([a.weights, b.ratio, bb]);
      }
    }));

  it("properties: weights ≥ 0, ≤ cap (truncation), 0 on padding; batch-normalised mean over valid tokens / rows is 1", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 5, maxLength: 5 }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 5, maxLength: 5 }), { minLength: 3, maxLength: 3 }),
        fc.double({ min: 1.01, max: 5, noNaN: true }),
        (d, mk, cap) => {
          mk[0]![0] = 1; // at least one valid token
          const lp = tf.tensor2d(d);
          const ro = tf.zeros([3, 5]);
          const mask = tf.tensor2d(mk);
          try {
            for (const level of ["token", "sequence"] as const) {
              const w = rolloutImportanceWeights(lp, ro, mask, { level, cap });
              const v = arr(w.weights);
              const m = mk.flat();
              v.forEach((x, k) => {
                expect(x).toBeGreaterThanOrEqual(0);
                expect(x).toBeLessThanOrEqual(cap * (1 + 1e-6));
                if (m[k] === 0) expect(x).toBe(0);
              });
              w.weights.dispose();
              const n = rolloutImportanceWeights(lp, ro, mask, { level, cap, batchNormalize: true });
              const nv = arr(n.weights);
              if (level === "token") {
                const valid = nv.filter((_, k) => m[k] === 1);
                assertClose(valid.reduce((s, x) => s + x, 0) / valid.length, 1, 1e-5, 1e-5);
              } else {
                const rows = [0, 1, 2].filter((b) => mk[b]!.some((x) => x === 1)).map((b) => nv[b * 5 + mk[b]!.indexOf(1)] as number);
                assertClose(rows.reduce((s, x) => s + x, 0) / rows.length, 1, 1e-5, 1e-5);
              }
              n.weights.dispose();
            }
          } finally {
            tf.dispose([lp, ro, mask]);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

const RS_CASES: Array<[string, string | number]> = [
  ["token_k1", "1.5"],
  ["token_k1", "0.5_1.5"],
  ["token_k2", 0.1],
  ["token_k3", 0.1],
  ["seq_sum_k1", "0.5_2"],
  ["seq_sum_k2", 0.5],
  ["seq_sum_k3", 0.5],
  ["seq_mean_k1", "0.8_1.25"],
  ["seq_mean_k2", 0.1],
  ["seq_mean_k3", 0.05],
  ["seq_max_k2", 0.3],
  ["seq_max_k3", 0.3],
  ["token_k1,seq_mean_k3", "1.5,0.05"],
  ["token_k1,seq_mean_k3", "2.5,0.25"],
];
const RS_SUFFIXES = ["mean", "max", "min", "fraction_high", "fraction_low", "masked_fraction", "seq_masked_fraction"];

describe("rolloutRejectionMask (verl compute_rollout_rejection_mask)", () => {
  for (const [opt, th] of RS_CASES) {
    it(`matches verl: ${opt} @ ${th} (mask and metrics)`, () =>
      withInputs(({ lp, ro, mask }) => {
        const want = F.RS[`${opt}_${th}`]!;
        const out = rolloutRejectionMask(lp, ro, mask, { criteria: rolloutRejectionCriteriaFromVerl(opt, th) });
        expect(arr(out.mask)).toEqual(want.mask.flat());
        const keys = ["rollout_rs_masked_fraction", "rollout_rs_seq_masked_fraction", ...opt.split(",").flatMap((o) => RS_SUFFIXES.map((s) => `rollout_rs_${o}_${s}`))];
        metricsClose(out.metrics, want.m, keys);
        out.mask.dispose();
      }));
  }

  it("properties: the mask is in {0, 1}, ≤ the input mask, and tightening a bound never keeps more", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 8, maxLength: 8 }),
        fc.constantFrom("token_k1", "token_k3", "seq_sum_k2", "seq_mean_k1", "seq_max_k3"),
        fc.double({ min: 1.05, max: 3, noNaN: true }),
        (d, opt, ub) => {
          const lp = tf.tensor2d(d, [2, 4]);
          const ro = tf.zeros([2, 4]);
          const mask = tf.tensor2d([[1, 1, 1, 0], [1, 1, 0, 0]]);
          try {
            const wide = rolloutRejectionMask(lp, ro, mask, { criteria: rolloutRejectionCriteriaFromVerl(opt, ub * 2) });
            const tight = rolloutRejectionMask(lp, ro, mask, { criteria: rolloutRejectionCriteriaFromVerl(opt, ub) });
            const w = arr(wide.mask);
            const t = arr(tight.mask);
            const m = [1, 1, 1, 0, 1, 1, 0, 0];
            w.forEach((x, k) => {
              expect([0, 1]).toContain(x);
              expect(x).toBeLessThanOrEqual(m[k] as number);
              expect(t[k] as number).toBeLessThanOrEqual(x);
            });
            tf.dispose([wide.mask, tight.mask]);
          } finally {
            tf.dispose([lp, ro, mask]);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("parses verl's strings; bad criteria → RLError", () => {
    expect(rolloutRejectionCriteriaFromVerl("token_k1,seq_mean_k3", "0.5_2,0.05")).toEqual([
      { level: "token", klKind: "k1", lower: 0.5, upper: 2 },
      { level: "sequence-mean", klKind: "k3", upper: 0.05 },
    ]);
    expect(() => rolloutRejectionCriteriaFromVerl("seq_max_k1", 2)).toThrow(RLError);
    expect(() => rolloutRejectionCriteriaFromVerl("token_k2", "0.5_2")).toThrow(/single upper bound/);
    expect(() => rolloutRejectionCriteriaFromVerl("token_k1,token_k2", "1,2,3")).toThrow(/one per option/);
    expect(() => rolloutRejectionCriteriaFromVerl("token_k1", -1)).toThrow(/positive/);
    withInputs(({ lp, ro, mask }) => {
      expect(() => rolloutRejectionMask(lp, ro, mask, { criteria: [] })).toThrow(RLError);
      expect(() => rolloutRejectionMask(lp, ro, mask, { criteria: [{ level: "token", klKind: "k2", upper: 1, lower: 0.5 }] })).toThrow(/lower applies/);
      expect(() => rolloutRejectionMask(lp, ro, mask, { criteria: [{ level: "sequence-max", klKind: "k1", upper: 2 }] })).toThrow(/seq_max_k1/);
    });
  });
});

describe("rolloutOffPolicyMetrics and rolloutCorrection (verl compute_rollout_correction_and_rejection_mask)", () => {
  it("off-policy metrics match verl", () => withInputs(({ lp, ro, mask }) => metricsClose(rolloutOffPolicyMetrics(lp, ro, mask), F.offPolicy)));

  it("the combined call matches verl: weights, mask and every IS / RS / off-policy metric it reports", () =>
    withInputs(({ lp, ro, mask }) => {
      const out = rolloutCorrection(lp, ro, mask, {
        importanceWeights: { level: "token", cap: 2 },
        rejection: rolloutRejectionCriteriaFromVerl("token_k1,seq_mean_k3", "2.5,0.25"),
      });
      assertClose(arr(out.weights!), F.combined.w.flat(), TOL, TOL);
      expect(arr(out.mask)).toEqual(F.combined.mask.flat());
      const m = F.combined.m as Record<string, number>;
      const keys = Object.keys(m).filter((k) => !/_std$|_seq_(mean|std|max|min|max_deviation|fraction_high|fraction_low)$/.test(k) || k.startsWith("rollout_corr/rollout_is"));
      metricsClose(out.metrics, m, keys);
      tf.dispose([out.weights!, out.mask]);
    }));

  it("both parts off: no weights, the mask unchanged, only off-policy metrics", () =>
    withInputs(({ lp, ro, mask }) => {
      const out = rolloutCorrection(lp, ro, mask);
      expect(out.weights).toBeNull();
      expect(arr(out.mask)).toEqual(F.MASK.flat());
      expect(Object.keys(out.metrics).every((k) => k.startsWith("rollout_corr/"))).toBe(true);
      out.mask.dispose();
    }));

  it("bad input → RLError; no leaks", async () => {
    await withInputsAsync(async ({ lp, ro, mask }) => {
      expect(() => rolloutCorrection(lp, tf.zeros([3, 3]), mask)).toThrow(/SHAPE|shape/);
      expect(() => rolloutCorrection(lp, ro, tf.zeros([3, 4]))).toThrow(/no valid token/);
      expect(() => rolloutCorrection(lp, ro, tf.fill([3, 4], 2))).toThrow(RLError);
      expect(() => rolloutImportanceWeights(tf.tensor2d([[Number.NaN]]), tf.zeros([1, 1]), tf.ones([1, 1]))).toThrow(/NaN|non-finite|unmasked/i);
      expect(() => rolloutImportanceWeights(lp, ro, mask, { cap: 0 })).toThrow(RLError);
      expect(() => rolloutCorrection(lp, ro, mask, { importanceWeights: { level: "token" }, rejection: [{ level: "token", klKind: "k3", upper: 1, lower: 2 }] })).toThrow(/lower applies/);
      await expectNoTensorLeak(() => {
        const o = rolloutCorrection(lp, ro, mask, { importanceWeights: { level: "sequence", batchNormalize: true }, rejection: [{ level: "token", klKind: "k1", upper: 2 }] });
        tf.dispose([o.weights!, o.mask]);
      });
      await expectNoTensorLeak(() => {
        try {
          rolloutCorrection(lp, ro, mask, { importanceWeights: { level: "token" }, rejection: [{ level: "token", klKind: "k3", upper: 1, lower: 2 }] });
        } catch {
          /* expected */
        }
      });
    });
  });
});

describe("bypassModeLoss (verl compute_policy_loss_bypass_mode)", () => {
  const cases = [
    ["ppo_clip", null, F.bypassPpo],
    ["reinforce", null, F.bypassReinforce],
    ["ppo_clip", "rs", F.bypassPpoRs],
    ["reinforce", "rs", F.bypassReinforceRs],
  ] as const;
  for (const [lossType, rs, want] of cases) {
    it(`matches verl: ${lossType}${rs ? " with rejection" : ""} (loss, gradient, ppo_kl)`, () =>
      withInputs(({ lp, ro, mask }) => {
        const adv = tf.tensor2d(F.ADV);
        const cfg = {
          lossType,
          importanceWeights: { level: "token" as const, cap: 2 },
          ...(rs ? { rejection: rolloutRejectionCriteriaFromVerl("token_k1,seq_mean_k3", "2.5,0.25") } : {}),
        };
        const out = bypassModeLoss({ logProbs: lp, rolloutLogProbs: ro, advantages: adv, mask }, cfg);
        assertClose(arr(out.loss)[0] as number, want.loss, TOL, TOL);
        assertClose(out.metrics.approxKl as number, want.ppo_kl, TOL, TOL);
        if ("clipfrac" in want) assertClose(out.metrics.clipFraction as number, want.clipfrac, TOL, TOL);
        expect(out.metrics["rollout_corr/rollout_is_mean"]).toBeCloseTo(F.isToken.m.rollout_is_mean, 5);
        const g = tf.grad((x: tf.Tensor) => bypassModeLoss({ logProbs: x, rolloutLogProbs: ro, advantages: adv, mask }, cfg).loss)(lp);
        assertClose(arr(g), want.grad.flat(), TOL, TOL);
        // finite differences only for ppo_clip: REINFORCE's IS weight depends on lp but is stop-gradient (verl)
        if (lossType === "ppo_clip") checkGradient((x) => bypassModeLoss({ logProbs: x, rolloutLogProbs: ro, advantages: adv, mask }, cfg).loss, tf.tensor2d(F.LP.map((r) => r.map((v) => v + 0.013))));
        tf.dispose([adv, out.loss, out.perToken, g]);
      }));
  }

  it("reinforce without IS or rejection: finite-difference gradient check", () =>
    withInputs(({ ro, mask }) => {
      const adv = tf.tensor2d(F.ADV);
      checkGradient((x) => bypassModeLoss({ logProbs: x, rolloutLogProbs: ro, advantages: adv, mask }, { lossType: "reinforce" }).loss, tf.tensor2d(F.LP));
      adv.dispose();
    }));

  it("reinforce without IS is gpgLoss on the rejection mask; [B] advantages broadcast; no leaks", async () => {
    await withInputsAsync(async ({ lp, ro, mask }) => {
      const a1 = tf.tensor1d([1, -0.5, 2]);
      const a2 = tf.tensor2d([[1, 1, 1, 1], [-0.5, -0.5, -0.5, -0.5], [2, 2, 2, 2]]);
      const x = bypassModeLoss({ logProbs: lp, rolloutLogProbs: ro, advantages: a1, mask }, { lossType: "reinforce" });
      const y = bypassModeLoss({ logProbs: lp, rolloutLogProbs: ro, advantages: a2, mask }, { lossType: "reinforce" });
      assertClose(arr(x.loss)[0] as number, arr(y.loss)[0] as number, 1e-7, 1e-7);
      tf.dispose([x.loss, x.perToken, y.loss, y.perToken]);
      expect(() => bypassModeLoss({ logProbs: lp, rolloutLogProbs: ro, advantages: tf.zeros([2]), mask })).toThrow(/advantages/);
      await expectNoTensorLeak(() => {
        const o = bypassModeLoss({ logProbs: lp, rolloutLogProbs: ro, advantages: a1, mask }, { lossType: "reinforce", importanceWeights: { level: "sequence" }, rejection: [{ level: "sequence-mean", klKind: "k1", upper: 3 }] });
        tf.dispose([o.loss, o.perToken]);
        const p = bypassModeLoss({ logProbs: lp, rolloutLogProbs: ro, advantages: a1, mask }, { importanceWeights: { level: "token" } });
        tf.dispose([p.loss, p.perToken]);
      });
      tf.dispose([a1, a2]);
    });
  });
});

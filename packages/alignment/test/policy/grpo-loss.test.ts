import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { grpoLoss, ppoPolicyLoss, type GrpoLossType } from "../../src/index.js";
import { E5lp, disposeAll, e5Tensors, num } from "./fixtures.js";

// Spec E6: E5 tensors, A = [1, −2], ref = lp + [[0.1,−0.2,0],[−0.5,0.3,0]], ε 0.2 / 0.28, max length 4.
const refOffset = [
  [0.1, -0.2, 0],
  [-0.5, 0.3, 0],
];
function e6(): ReturnType<typeof e5Tensors> & { refLogProbs: tf.Tensor2D } {
  return { ...e5Tensors(true), refLogProbs: tf.tensor2d(E5lp.map((r, i) => r.map((v, t) => v + refOffset[i]![t]!))) };
}
const common = { epsilonLow: 0.2, epsilonHigh: 0.28, maxCompletionLength: 4 };

describe("grpoLoss", () => {
  const table: [GrpoLossType, number, number, number][] = [
    ["grpo", 2.201543, 2.203266, 0.710699],
    ["bnpo", 1.564547, 1.565989, 0.371871],
    ["dapo", 1.564547, 1.565989, 0.371871],
    ["dr_grpo", 0.977842, 0.978743, 0.232419],
  ];
  it.each(table)("spec E6 %s: β=0, β=0.04, delta=1.5", (lossType, b0, b04, d15) => {
    const x = e6();
    for (const [cfg, want] of [
      [{}, b0],
      [{ beta: 0.04 }, b04],
      [{ delta: 1.5 }, d15],
    ] as const) {
      const out = grpoLoss(x, { ...common, lossType, ...cfg });
      assertClose(num(out.loss), want, 1e-5, 1e-5);
      if ("beta" in cfg) assertClose(out.metrics.kl, 0.036058, 1e-5, 1e-4);
      disposeAll({ l: out.loss, p: out.perToken });
    }
    disposeAll(x);
  });

  it("spec E6 metrics: clip ratio high 0.2, low 0", () => {
    const x = e6();
    const out = grpoLoss(x, common);
    assertClose(out.metrics["clipRatio/highMean"], 0.2, 1e-6);
    assertClose(out.metrics["clipRatio/lowMean"], 0, 1e-6);
    assertClose(out.metrics["clipRatio/regionMean"], 0.2, 1e-6);
    disposeAll({ ...x, l: out.loss, p: out.perToken });
  });

  it("spec E7: sequence-level ratio (GSPO) with grpo / dapo / luspo aggregation", () => {
    const x = e6();
    const cfg = { epsilonLow: 3e-4, epsilonHigh: 4e-4, importanceSampling: "sequence" } as const;
    for (const [lossType, want] of [
      ["grpo", 1.530145],
      ["dapo", 1.030673],
      ["luspo", 2.576681],
    ] as const) {
      const out = grpoLoss(x, { ...cfg, lossType });
      assertClose(num(out.loss), want, 1e-5, 1e-5);
      disposeAll({ l: out.loss, p: out.perToken });
    }
    disposeAll(x);
  });

  it("spec §20: TRL CISPO (absolute cap 5) gives 0.465960", () => {
    const x = e6();
    const out = grpoLoss(x, { lossType: "cispo", epsilonHigh: 5 });
    assertClose(num(out.loss), 0.46596, 1e-5, 1e-5);
    disposeAll({ ...x, l: out.loss, p: out.perToken });
  });

  it("bnpo equals PPO token-mean without dual clip", () => {
    const x = e6();
    const a = grpoLoss(x, { ...common, lossType: "bnpo" });
    const b = ppoPolicyLoss(x, { clipLow: 0.2, clipHigh: 0.28, dualClip: null });
    assertClose(num(a.loss), num(b.loss), 1e-6, 1e-6);
    disposeAll({ ...x, a: a.loss, ap: a.perToken, b: b.loss, bp: b.perToken });
  });

  it.each(["grpo", "bnpo", "dr_grpo", "dapo", "sapo", "luspo"] as const)("%s: gradient matches finite differences (β = 0.04, k3)", (lossType) => {
    const x = e6();
    const lp = tf.tensor2d(E5lp.map((r) => r.map((v) => v + 0.05)));
    checkGradient(
      (l) => {
        const o = grpoLoss({ ...x, logProbs: l }, { ...common, lossType, beta: 0.04 });
        o.perToken.dispose();
        return o.loss;
      },
      lp,
      { step: 1e-3 },
    );
    disposeAll({ ...x, lp });
  });

  it("cispo: the gradient is the detached-weight REINFORCE one, −sg(min(r, ε_h))·A·M/N (+ β∇k3)", () => {
    const x = e6();
    const out = tf.grad((l: tf.Tensor) => {
      const o = grpoLoss({ ...x, logProbs: l }, { lossType: "cispo", epsilonHigh: 1.2, beta: 0.04 });
      o.perToken.dispose();
      return o.loss;
    })(x.logProbs);
    const got = out.arraySync() as number[][];
    const lp = x.logProbs.arraySync() as number[][];
    const old = x.oldLogProbs.arraySync() as number[][];
    const ref = x.refLogProbs.arraySync() as number[][];
    const mask = x.mask.arraySync() as number[][];
    const A = [1, -2];
    const want = lp.map((row, i) =>
      row.map((v, t) => {
        const w = Math.min(Math.exp(v - old[i]![t]!), 1.2);
        const dk3 = 1 - Math.exp(ref[i]![t]! - v);
        return (mask[i]![t]! * (-w * A[i]! + 0.04 * dk3)) / 5;
      }),
    );
    assertClose(got, want, 1e-5, 1e-4);
    disposeAll({ ...x, out });
  });

  it("k3+ (straight-through): value of k3, gradient of k2 = β·(lp − ref)·M/N", () => {
    const x = e6();
    const a = grpoLoss({ logProbs: x.logProbs, advantages: tf.zeros([2]), mask: x.mask, refLogProbs: x.refLogProbs }, { beta: 0.5, klKind: "k3+" });
    const b = grpoLoss({ logProbs: x.logProbs, advantages: tf.zeros([2]), mask: x.mask, refLogProbs: x.refLogProbs }, { beta: 0.5, klKind: "k3" });
    assertClose(num(a.loss), num(b.loss), 1e-7, 1e-6);
    const g = tf.grad((l: tf.Tensor) => grpoLoss({ logProbs: l, advantages: tf.zeros([2]), mask: x.mask, refLogProbs: x.refLogProbs }, { beta: 0.5, klKind: "k3+" }).loss)(x.logProbs);
    const mask = x.mask.arraySync() as number[][];
    assertClose(g.arraySync(), refOffset.map((r, i) => r.map((d, t) => (0.5 * -d * mask[i]![t]!) / 5)), 1e-6, 1e-4);
    disposeAll({ ...x, a: a.loss, ap: a.perToken, b: b.loss, bp: b.perToken, g });
  });

  it("on-policy (no oldLogProbs): ratio 1, no clipping, loss = −Σ A·n / Σ n for dapo", () => {
    const x = e6();
    const out = grpoLoss({ logProbs: x.logProbs, advantages: x.advantages, mask: x.mask });
    assertClose(num(out.loss), -(1 * 3 + -2 * 2) / 5, 1e-6);
    expect(out.metrics["clipRatio/regionMean"]).toBe(0);
    disposeAll({ ...x, l: out.loss, p: out.perToken });
  });

  it("a fully masked row counts as 0 in grpo's mean", () => {
    const x = e6();
    const mask = tf.tensor2d([
      [1, 1, 1],
      [0, 0, 0],
    ]);
    const full = grpoLoss({ ...x, mask }, { ...common, lossType: "grpo" });
    const rowOnly = grpoLoss({ ...x, mask }, { ...common, lossType: "bnpo" });
    assertClose(num(full.loss), num(rowOnly.loss) / 2, 1e-6);
    disposeAll({ ...x, mask, a: full.loss, b: full.perToken, c: rowOnly.loss, d: rowOnly.perToken });
  });

  it("errors: dr_grpo without maxCompletionLength, β > 0 without refLogProbs", () => {
    const x = e6();
    expect(() => grpoLoss(x, { lossType: "dr_grpo" })).toThrow(/maxCompletionLength/);
    expect(() => grpoLoss({ logProbs: x.logProbs, advantages: x.advantages, mask: x.mask }, { beta: 0.1 })).toThrow(/refLogProbs/);
    expect(() => grpoLoss(x, { delta: 0.5 })).toThrow(/delta/);
    disposeAll(x);
  });

  it("does not leak (loss and gradient)", async () => {
    const x = e6();
    await expectNoTensorLeak(() => grpoLoss(x, { beta: 0.04, lossType: "sapo" }));
    await expectNoTensorLeak(() => tf.grad((l: tf.Tensor) => grpoLoss({ ...x, logProbs: l }, { beta: 0.04, klKind: "k3+", importanceSampling: "sequence" }).loss)(x.logProbs));
    disposeAll(x);
  });
});

describe("grpoLoss: biasCorrectedKl (DeepSeek-V3.2, TRL use_bias_correction_kl)", () => {
  // One row, lp = [−1, −2], old = [−1.2, −1.5], ref = [−0.8, −2.5], A = 1, bnpo, ε 0.2, β 0.1.
  // c₁ = e^{lp−old} = [1.2214028, 0.6065307]; policy term −min(c₁A, clip(c₁)A) = [−1.2, −0.6065307];
  // k3 with d = ref − lp = [0.2, −0.5]: e^d − d − 1 = [0.0214028, 0.1065307].
  // plain: Σ(policy + 0.1·k)/2 = −0.8968687; bias-corrected (k·c₁): −0.8987276.
  const inputs = () => ({
    logProbs: tf.tensor2d([[-1, -2]]),
    oldLogProbs: tf.tensor2d([[-1.2, -1.5]]),
    refLogProbs: tf.tensor2d([[-0.8, -2.5]]),
    advantages: tf.tensor1d([1]),
    mask: tf.tensor2d([[1, 1]]),
  });
  const cfg = { lossType: "bnpo" as const, epsilonLow: 0.2, epsilonHigh: 0.2, beta: 0.1 };

  it("multiplies the per-token KL by the importance ratio: loss and kl metric", () => {
    const x = inputs();
    const plain = grpoLoss(x, cfg);
    const corrected = grpoLoss(x, { ...cfg, biasCorrectedKl: true });
    assertClose(num(plain.loss), -0.8968687, 1e-6, 1e-6);
    assertClose(num(corrected.loss), -0.8987276, 1e-6, 1e-6);
    assertClose(plain.metrics.kl, 0.0639667, 1e-6, 1e-6); // mean k
    assertClose(corrected.metrics.kl, 0.0453777, 1e-6, 1e-6); // mean k·c₁
    tf.dispose([plain.loss, plain.perToken, corrected.loss, corrected.perToken, ...Object.values(x)]);
  });

  it("gradient: ∂(k·c₁)/∂lp = −d·c₁ (the ratio is not detached, as TRL), checked by hand and by finite differences", () => {
    const x = inputs();
    // token 0 is clipped (no policy gradient); token 1: −c₁ = −0.6065307. Halved by bnpo's mean.
    // plain KL: ∂k/∂lp = 1 − e^d = [−0.2214028, 0.3934693]; corrected: −d·c₁ = [−0.2442806, 0.3032653]
    const grad = (biasCorrectedKl: boolean) =>
      tf.grad((lp: tf.Tensor) => grpoLoss({ ...x, logProbs: lp }, { ...cfg, biasCorrectedKl }).loss)(x.logProbs);
    const g0 = grad(false);
    const g1 = grad(true);
    assertClose(Array.from(g0.dataSync()), [(0.1 * -0.2214028) / 2, (-0.6065307 + 0.1 * 0.3934693) / 2], 1e-5, 1e-5);
    assertClose(Array.from(g1.dataSync()), [(0.1 * -0.2442806) / 2, (-0.6065307 + 0.1 * 0.3032653) / 2], 1e-5, 1e-5);
    checkGradient((lp) => grpoLoss({ ...x, logProbs: lp }, { ...cfg, biasCorrectedKl: true }).loss, x.logProbs, { step: 1e-3 });
    tf.dispose([g0, g1, ...Object.values(x)]);
  });

  it("is off by default and leaves no tensors behind", async () => {
    const x = inputs();
    const a = grpoLoss(x, cfg);
    const b = grpoLoss(x, { ...cfg, biasCorrectedKl: false });
    expect(num(a.loss)).toBe(num(b.loss));
    tf.dispose([a.loss, a.perToken, b.loss, b.perToken]);
    await expectNoTensorLeak(() => grpoLoss(x, { ...cfg, biasCorrectedKl: true }));
    tf.dispose(Object.values(x));
  });
});

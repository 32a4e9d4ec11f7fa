import { RLError, tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dpoLoss, type DpoConfig, type DpoLossType } from "../../src/index.js";
import { dpoLossTypes } from "../../src/preference/dpo.js";
import { E1, G3, pairs, read, scoped } from "./helpers.js";

const lossesOf = (x: Record<string, number[]>, cfg: DpoConfig): { losses: number[]; loss: number } =>
  scoped(() => {
    const o = dpoLoss(pairs(x), cfg);
    return { losses: read(o.losses), loss: read(o.loss)[0] as number };
  });

describe("dpoLoss: spec worked examples (E1)", () => {
  it("DPO β=0.5: losses, rewards, metrics", () => {
    scoped(() => {
      const o = dpoLoss(pairs(E1), { beta: 0.5 });
      assertClose(read(o.losses), [0.386871, 1.223445], 1e-5, 1e-5);
      assertClose(read(o.loss)[0], 0.805158, 1e-5, 1e-5);
      assertClose(read(o.chosenRewards), [0.5, -0.75], 1e-6, 1e-6);
      assertClose(read(o.rejectedRewards), [-0.25, 0.125], 1e-6, 1e-6);
      assertClose(o.metrics["rewards/chosen"], -0.125, 1e-6, 1e-6);
      assertClose(o.metrics["rewards/rejected"], -0.0625, 1e-6, 1e-6);
      expect(o.metrics["rewards/accuracies"]).toBe(0.5);
      assertClose(o.metrics["rewards/margins"], -0.0625, 1e-6, 1e-6);
      expect(o.metrics["logps/chosen"]).toBe(-15);
      expect(o.metrics["logps/rejected"]).toBe(-15);
    });
  });

  it("DPO gradient w.r.t. policy log-probs matches the spec; references get none", () => {
    scoped(() => {
      const p = pairs(E1);
      const [gc, gr, gref] = tf.grads((pc: tf.Tensor, pr: tf.Tensor, rc: tf.Tensor) =>
        dpoLoss({ ...p, policyChosen: pc, policyRejected: pr, refChosen: rc }, { beta: 0.5 }).loss,
      )([p.policyChosen, p.policyRejected, p.refChosen as tf.Tensor]) as [tf.Tensor, tf.Tensor, tf.Tensor];
      assertClose(read(gc), [-0.0802053, -0.1764463], 1e-6, 1e-5);
      assertClose(read(gr), [0.0802053, 0.1764463], 1e-6, 1e-5);
      expect(read(gref)).toEqual([0, 0]);
    });
  });

  it("cDPO ε=0.1 and DPO β=0.1", () => {
    assertClose(lossesOf(E1, { beta: 0.5, lossType: "cdpo", labelSmoothing: 0.1 }).losses, [0.461871, 1.135945], 1e-5, 1e-5);
    const d = lossesOf(E1, { beta: 0.1 });
    assertClose(d.losses, [0.620957, 0.78447], 1e-5, 1e-5);
    assertClose(d.loss, 0.702714, 1e-5, 1e-5);
  });

  it("sigmoid ignores label smoothing (TRL quirk)", () => {
    expect(lossesOf(E1, { beta: 0.5, labelSmoothing: 0.2 }).losses).toEqual(lossesOf(E1, { beta: 0.5 }).losses);
  });

  it("IPO: length-averaged (TRL) and unnormalised (OpenRLHF)", () => {
    const t = lossesOf(E1, { beta: 0.5, lossType: "ipo" });
    assertClose(t.losses, [0.455625, 1.395352], 1e-5, 1e-5);
    assertClose(t.loss, 0.925488, 1e-5, 1e-5);
    const n = lossesOf(E1, { beta: 0.5, lossType: "ipo", ipoNormalize: "none" });
    assertClose(n.losses, [0.25, 7.5625], 1e-5, 1e-5);
  });

  it("robust ε=0.1", () => {
    const r = lossesOf(E1, { beta: 0.5, lossType: "robust", labelSmoothing: 0.1 });
    assertClose(r.losses, [0.293121, 1.33282], 1e-5, 1e-5);
    assertClose(r.loss, 0.81297, 1e-5, 1e-5);
  });

  const table: [DpoLossType, number, number][] = [
    ["hinge", 0.25, 1.875],
    ["exo_pair", 0.18279, 1.050246],
    ["nca_pair", 1.249085, 1.709106],
    ["bco_pair", 1.050016, 1.89447],
    ["sppo_hard", 0.25, 7.8125],
    ["aot", 1.135945, 0.461871],
    ["aot_unpaired", 0.924077, 0.560623],
    ["apo_zero", 0.815364, 1.210388],
    ["apo_down", 0.943281, 1.026606],
    ["discopop", 0.472367, 1.223445],
    ["sigmoid_norm", 0.615194, 0.739486],
  ];
  it.each(table)("%s (β 0.5, ε 0.1, τ 0.05)", (lossType, a, b) => {
    const r = lossesOf(E1, { beta: 0.5, labelSmoothing: 0.1, discopopTau: 0.05, lossType });
    assertClose(r.losses, [a, b], 1e-5, 1e-5);
    assertClose(r.loss, (a + b) / 2, 1e-5, 1e-5);
  });

  it("f-divergence scores (E1 pair 1, β 0.5)", () => {
    const one = { policyChosen: [-10], policyRejected: [-12], refChosen: [-11], refRejected: [-11.5] };
    assertClose(lossesOf(one, { beta: 0.5, fDivergence: "forward_kl" }).loss, 0.423351, 1e-5, 1e-5);
    assertClose(lossesOf(one, { beta: 0.5, fDivergence: "js_divergence" }).loss, 0.541528, 1e-5, 1e-5);
    assertClose(lossesOf(one, { beta: 0.5, fDivergence: "alpha_divergence", fAlpha: 0.5 }).loss, 0.41071, 1e-5, 1e-5);
    // α = 1 falls back to reverse KL
    assertClose(lossesOf(one, { beta: 0.5, fDivergence: "alpha_divergence", fAlpha: 1 }).loss, 0.386871, 1e-5, 1e-5);
  });

  it("the f-divergence reaches ipo, sppo_hard, sigmoid_norm and apo_down, as TRL (E1 pair 1, β 0.5)", () => {
    // ℓ_c = 1, ℓ_r = −0.5, lengths 5 / 4. forward KL: s_c = −e^{−1} = −0.3678794, s_r = −e^{0.5} = −1.6487213
    //   sppo_hard: (s_c − 1)² + (s_r + 1)² = 2.2919335 (the raw log-ratios gave 0.25)
    //   ipo: (s_c/5 − s_r/4 − 1)² = 0.4374441;  sigmoid_norm: softplus(−β(s_c/5 − s_r/4)) = 0.6120747
    //   apo_down: σ(βℓ_c) + 1 − σ(β(s_c − s_r)) = 0.9676107 (the first term keeps the raw log-ratio)
    // js_divergence: s = logσ(ℓ): 1.7253283, 0.6709790, 0.6489524, 1.0406008
    const one = { policyChosen: [-10], policyRejected: [-12], refChosen: [-11], refRejected: [-11.5], chosenLengths: [5], rejectedLengths: [4] };
    const want: Record<string, [number, number, number, number]> = {
      forward_kl: [2.2919335, 0.4374441, 0.6120747, 0.9676107],
      js_divergence: [1.7253283, 0.670979, 0.6489524, 1.0406008],
    };
    for (const [fDivergence, values] of Object.entries(want) as [keyof typeof want & ("forward_kl" | "js_divergence"), number[]][]) {
      (["sppo_hard", "ipo", "sigmoid_norm", "apo_down"] as const).forEach((lossType, k) =>
        assertClose(lossesOf(one, { beta: 0.5, lossType, fDivergence }).loss, values[k] as number, 1e-5, 1e-5, `${lossType} ${fDivergence}`),
      );
    }
    expect(lossesOf(one, { beta: 0.5, lossType: "sppo_hard" }).loss).toBe(0.25); // reverse KL: unchanged
  });

  it("sft: TRL's token-mean NLL of the chosen completions, the same for every pair", () => {
    // Two chosen completions of 2 and 3 tokens over a vocabulary of 3; TRL computes
    // F.cross_entropy(logits[mask], labels[mask]) = −mean over the 5 tokens of log softmax(z)[label].
    const logits = [[[2, 0, -1], [0.5, 0.5, 0]], [[0, 1, 2], [1, -1, 0], [3, 0, 0]]];
    const labels = [[0, 2], [1, 0, 0]];
    const logp = logits.map((row, i) =>
      row.map((z, t) => (z[labels[i]![t]!] as number) - Math.log(z.reduce((a, v) => a + Math.exp(v), 0))),
    );
    const crossEntropy = -logp.flat().reduce((a, v) => a + v, 0) / 5;
    assertClose(crossEntropy, 0.7076002, 1e-6, 1e-6); // (0.16984 + 1.45801 + 1.40761 + 0.40761 + 0.09492) / 5
    const sums = logp.map((r) => r.reduce((a, v) => a + v, 0));
    const x = { policyChosen: sums, policyRejected: [-3, -4], refChosen: [-2, -2], refRejected: [-3, -3], chosenLengths: [2, 3], rejectedLengths: [2, 2] };
    const sft = lossesOf(x, { lossType: "sft" });
    assertClose(sft.losses, [crossEntropy, crossEntropy], 1e-6, 1e-6);
    assertClose(sft.loss, crossEntropy, 1e-6, 1e-6);
    // MPO (TRL's ["sigmoid", "bco_pair", "sft"] with weights [0.8, 0.2, 1])
    const mpo = lossesOf(x, { lossType: ["sigmoid", "bco_pair", "sft"], lossWeights: [0.8, 0.2, 1] });
    const parts = [lossesOf(x, {}).loss, lossesOf(x, { lossType: "bco_pair" }).loss];
    assertClose(mpo.loss, 0.8 * (parts[0] as number) + 0.2 * (parts[1] as number) + crossEntropy, 1e-5, 1e-5);
    // ∂loss/∂π_c,i = −1/Σ len_c = −0.2 for every pair
    scoped(() => {
      const p = pairs(x);
      const gc = tf.grad((pc: tf.Tensor) => dpoLoss({ ...p, policyChosen: pc }, { lossType: "sft" }).loss)(p.policyChosen);
      assertClose(read(gc), [-0.2, -0.2], 1e-6, 1e-6);
    });
    expect(() => lossesOf({ ...x, chosenLengths: undefined as unknown as number[] }, { lossType: "sft" })).toThrow(/lossType "sft" needs chosenLengths/);
  });

  it("several loss types combine with weights (TRL loss_weights)", () => {
    const s = lossesOf(E1, { beta: 0.5 });
    const b = lossesOf(E1, { beta: 0.5, lossType: "bco_pair" });
    const m = lossesOf(E1, { beta: 0.5, lossType: ["sigmoid", "bco_pair"], lossWeights: [0.8, 0.2] });
    assertClose(m.loss, 0.8 * s.loss + 0.2 * b.loss, 1e-5, 1e-5);
    assertClose(m.losses, s.losses.map((x, k) => 0.8 * x + 0.2 * (b.losses[k] as number)), 1e-5, 1e-5);
    const unweighted = lossesOf(E1, { beta: 0.5, lossType: ["sigmoid", "hinge"] });
    assertClose(unweighted.loss, s.loss + 1.0625, 1e-5, 1e-5);
  });

  it("sample weights multiply the per-pair losses (MADPO E1: w = [0.6, 2])", () => {
    scoped(() => {
      const o = dpoLoss({ ...pairs(E1), sampleWeights: tf.tensor1d([0.6, 2]) }, { beta: 0.5 });
      assertClose(read(o.losses), [0.232123, 2.446889], 1e-5, 1e-5);
      assertClose(read(o.loss)[0], 1.339506, 1e-5, 1e-5);
    });
  });

  it("bco_pair with a reward shift δ", () => {
    const d = 0.3;
    const r = lossesOf(E1, { beta: 0.5, lossType: "bco_pair", bcoRewardShift: d });
    const sp = (x: number): number => Math.log1p(Math.exp(x));
    assertClose(r.losses, [sp(-(0.5 - d)) + sp(-0.25 - d), sp(-(-0.75 - d)) + sp(0.125 - d)], 1e-5, 1e-5);
  });

  it("reference-free DPO treats references as 0", () => {
    const r = lossesOf({ policyChosen: [-10, -20], policyRejected: [-12, -18] }, { beta: 0.1, referenceFree: true });
    assertClose(r.losses, [0.598139, 0.798139], 1e-5, 1e-5);
  });

  it("discopop stays finite when e^{-z} overflows", () => {
    const r = lossesOf({ policyChosen: [-500], policyRejected: [-1], refChosen: [-1], refRejected: [-1] }, { beta: 1, lossType: "discopop" });
    expect(Number.isFinite(r.loss)).toBe(true);
    assertClose(r.loss, 499, 1e-3, 1e-5);
  });
});

describe("dpoLoss: properties", () => {
  const finite = fc.double({ min: -50, max: 50, noNaN: true });
  const batch = fc.integer({ min: 1, max: 4 }).chain((n) =>
    fc.record({
      policyChosen: fc.array(finite, { minLength: n, maxLength: n }),
      policyRejected: fc.array(finite, { minLength: n, maxLength: n }),
      refChosen: fc.array(finite, { minLength: n, maxLength: n }),
      refRejected: fc.array(finite, { minLength: n, maxLength: n }),
      chosenLengths: fc.array(fc.integer({ min: 1, max: 30 }), { minLength: n, maxLength: n }),
      rejectedLengths: fc.array(fc.integer({ min: 1, max: 30 }), { minLength: n, maxLength: n }),
    }),
  );
  const types = dpoLossTypes.filter((t) => t !== "exo_pair");

  it("every loss type but sft (a plain NLL of π_c) is invariant to adding one constant to policy and reference log-probs", () => {
    fc.assert(
      fc.property(batch, fc.double({ min: -20, max: 20, noNaN: true }), fc.constantFrom(...types.filter((t) => t !== "sft")), (x, c, lossType) => {
        const shifted = {
          ...x,
          policyChosen: x.policyChosen.map((v) => v + c),
          refChosen: x.refChosen.map((v) => v + c),
          policyRejected: x.policyRejected.map((v) => v - c),
          refRejected: x.refRejected.map((v) => v - c),
        };
        const cfg = { beta: 0.1, labelSmoothing: 0.1, lossType };
        assertClose(lossesOf(shifted, cfg).losses, lossesOf(x, cfg).losses, 2e-3, 2e-3);
      }),
      { numRuns: 60 },
    );
  });

  it("swapping chosen and rejected: sigmoid L(Δ) − L(−Δ) = −βΔ, hinge/ipo/apo are not symmetric but rewards swap", () => {
    fc.assert(
      fc.property(batch, (x) => {
        const swapped = { ...x, policyChosen: x.policyRejected, policyRejected: x.policyChosen, refChosen: x.refRejected, refRejected: x.refChosen };
        const a = lossesOf(x, { beta: 0.1 }).losses;
        const b = lossesOf(swapped, { beta: 0.1 }).losses;
        const delta = x.policyChosen.map(
          (_, k) => (x.policyChosen[k] as number) - (x.refChosen[k] as number) - ((x.policyRejected[k] as number) - (x.refRejected[k] as number)),
        );
        assertClose(a.map((v, k) => v - (b[k] as number)), delta.map((d) => -0.1 * d), 1e-3, 1e-3);
      }),
      { numRuns: 60 },
    );
  });

  it("cdpo(ε=0) = robust(ε=0) = sigmoid; aot with B=1 = cdpo", () => {
    fc.assert(
      fc.property(batch, (x) => {
        const s = lossesOf(x, { beta: 0.2 }).losses;
        assertClose(lossesOf(x, { beta: 0.2, lossType: "cdpo" }).losses, s, 1e-5, 1e-5);
        assertClose(lossesOf(x, { beta: 0.2, lossType: "robust" }).losses, s, 1e-5, 1e-5);
        const one = Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v.slice(0, 1)]));
        assertClose(
          lossesOf(one, { beta: 0.2, lossType: "aot", labelSmoothing: 0.1 }).losses,
          lossesOf(one, { beta: 0.2, lossType: "cdpo", labelSmoothing: 0.1 }).losses,
          1e-4,
          1e-4,
        );
      }),
      { numRuns: 40 },
    );
  });

  it("losses are finite for large log-ratios (|βΔ| up to 10^3)", () => {
    const big = { policyChosen: [-2000, 0], policyRejected: [0, -2000], refChosen: [0, 0], refRejected: [0, 0], chosenLengths: [1, 1], rejectedLengths: [1, 1] };
    for (const lossType of types) {
      const r = lossesOf(big, { beta: 0.5, lossType, labelSmoothing: 0.1 });
      expect(r.losses.every(Number.isFinite), lossType).toBe(true);
    }
  });
});

describe("dpoLoss: gradients and leaks", () => {
  it.each([...dpoLossTypes])("finite-difference gradient check: %s", (lossType) => {
    scoped(() => {
      const p = pairs(G3);
      const f = (x: tf.Tensor): tf.Tensor => {
        const [pc, pr] = tf.split(x, 2);
        return dpoLoss({ ...p, policyChosen: pc as tf.Tensor, policyRejected: pr as tf.Tensor }, { beta: 0.5, labelSmoothing: 0.1, lossType }).loss;
      };
      checkGradient(f, tf.concat([p.policyChosen, p.policyRejected]));
    });
  });

  it("gradient check through the f-divergences", () => {
    for (const fDivergence of ["forward_kl", "js_divergence", "alpha_divergence"] as const) {
      scoped(() => {
        const p = pairs(G3);
        const f = (x: tf.Tensor): tf.Tensor => {
          const [pc, pr] = tf.split(x, 2);
          return dpoLoss({ ...p, policyChosen: pc as tf.Tensor, policyRejected: pr as tf.Tensor }, { beta: 0.5, fDivergence }).loss;
        };
        checkGradient(f, tf.concat([p.policyChosen, p.policyRejected]));
      });
    }
  });

  it("leaves no tensors behind (every type, several at once)", async () => {
    const p = pairs(G3);
    for (const lossType of dpoLossTypes) {
      await expectNoTensorLeak(() => dpoLoss(p, { beta: 0.5, labelSmoothing: 0.1, lossType }));
    }
    await expectNoTensorLeak(() => dpoLoss(p, { lossType: ["sigmoid", "bco_pair", "aot"], lossWeights: [0.8, 0.2, 1], labelSmoothing: 0.1 }));
    Object.values(p).forEach((t) => t?.dispose());
  });
});

describe("dpoLoss: bad input", () => {
  const expectCode = (f: () => unknown, code: string, text?: RegExp): void => {
    try {
      scoped(f);
    } catch (e) {
      expect(RLError.isInstance(e)).toBe(true);
      expect((e as RLError).code).toBe(code);
      if (text) expect((e as RLError).message).toMatch(text);
      return;
    }
    throw new Error("expected an RLError");
  };
  it("β ≤ 0", () => {
    expectCode(() => dpoLoss(pairs(E1), { beta: 0 }), "INVALID_CONFIG", /dpoLoss.*beta/);
    expectCode(() => dpoLoss(pairs(E1), { beta: -1 }), "INVALID_CONFIG", /beta/);
  });
  it("label smoothing outside [0, 0.5)", () => {
    expectCode(() => dpoLoss(pairs(E1), { labelSmoothing: 0.5, lossType: "robust" }), "INVALID_CONFIG", /labelSmoothing/);
    expectCode(() => dpoLoss(pairs(E1), { labelSmoothing: -0.1 }), "INVALID_CONFIG", /labelSmoothing/);
    expectCode(() => dpoLoss(pairs(E1), { lossType: "exo_pair" }), "INVALID_CONFIG", /exo_pair/);
  });
  it("loss weights of the wrong length", () => {
    expectCode(() => dpoLoss(pairs(E1), { lossType: ["sigmoid", "hinge"], lossWeights: [1] }), "INVALID_CONFIG", /lossWeights/);
  });
  it("NaN / Infinity input", () => {
    expectCode(() => dpoLoss(pairs({ ...E1, policyChosen: [NaN, -1] })), "NON_FINITE", /policyChosen\[0\]/);
    expectCode(() => dpoLoss(pairs({ ...E1, refRejected: [-1, -Infinity] })), "NON_FINITE", /refRejected\[1\]/);
  });
  it("shape mismatch", () => {
    expectCode(() => dpoLoss(pairs({ ...E1, policyRejected: [-1, -2, -3] })), "SHAPE_MISMATCH", /policyRejected has 3 entries, policyChosen has 2/);
    expectCode(() => dpoLoss({ ...pairs(E1), policyChosen: tf.tensor2d([[-1, -2]]) }), "SHAPE_MISMATCH", /1-D/);
  });
  it("empty batch", () => {
    expectCode(
      () => dpoLoss(pairs({ policyChosen: [], policyRejected: [], refChosen: [], refRejected: [] })),
      "INVALID_INPUT",
      /empty batch/,
    );
  });
  it("missing references or lengths", () => {
    expectCode(() => dpoLoss(pairs({ policyChosen: [-1], policyRejected: [-2] })), "INVALID_INPUT", /refChosen/);
    expectCode(
      () => dpoLoss(pairs({ ...E1, chosenLengths: undefined as unknown as number[] }), { lossType: "ipo" }),
      "INVALID_INPUT",
      /chosenLengths/,
    );
  });
});

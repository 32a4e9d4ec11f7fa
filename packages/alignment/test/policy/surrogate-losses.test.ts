// cispoLoss, sapoLoss, gpgLoss (spec §20, E5 tensors with A rows +1 / −2).
import { tf } from "@rl/core";
import { assertClose, checkGradient, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { cispoLoss, gmpoLoss, gpgLoss, sapoLoss } from "../../src/index.js";
import { E5, arr, disposeAll, e5Tensors, num } from "./fixtures.js";

const offKink = () => tf.tensor2d(E5.old.map((r, i) => r.map((v, t) => v + E5.delta[i]![t]! * 0.5 + 0.01)));

describe("cispoLoss", () => {
  it("spec: verl relative 0.2/0.28 → perToken and token-mean 0.518426, clipFraction 0.6", () => {
    const x = e5Tensors();
    const out = cispoLoss(x);
    assertClose(num(out.loss), 0.518426, 1e-5, 1e-5);
    const pt = arr(out.perToken);
    assertClose([pt[0], pt[1]!.slice(0, 2)], [[0.896, 1.92, 0.5], [0.0, -0.72387]], 1e-5, 1e-5);
    assertClose(out.metrics.clipFraction, 0.6, 1e-6);
    disposeAll({ ...x, l: out.loss, p: out.perToken });
  });

  it("spec: TRL absolute cap 5 → 0.465960 with dapo's token normaliser", () => {
    const x = e5Tensors();
    const out = cispoLoss(x, { clip: { mode: "absolute", max: 5 } });
    assertClose(num(out.loss), 0.46596, 1e-5, 1e-5);
    disposeAll({ ...x, l: out.loss, p: out.perToken });
  });

  it("gradient is −sg(clip(r))·A·M/N (the weight is a constant)", () => {
    const x = e5Tensors();
    const g = arr(tf.grad((l: tf.Tensor) => cispoLoss({ ...x, logProbs: l }).loss)(x.logProbs));
    const r = E5.delta.map((row) => row.map((d) => Math.min(Math.max(Math.exp(d), 0.8), 1.28)));
    const want = r.map((row, i) => row.map((w, t) => (-w * E5.advTokens[i]![t]! * E5.mask[i]![t]!) / 5));
    assertClose(g, want, 1e-6, 1e-4);
    disposeAll(x);
  });

  it("verl allows clipLow up to 1 (lower bound 0): E5 with low 1, high 0.28 → 0.4561796, clipFraction 0.4", () => {
    const x = e5Tensors();
    const out = cispoLoss(x, { clip: { mode: "relative", low: 1, high: 0.28 } });
    // r = [e^0.3 → 1.28, e^−0.4 = 0.6703200 (kept), 1], [e^1.5 → 1.28, e^−0.1 = 0.9048374]; L = −c·A·lp
    // (0.896 + 0.6703200·2.4 + 0.5 + 0 − 0.9048374·0.8) / 5
    assertClose(num(out.loss), 0.4561796, 1e-5, 1e-5);
    assertClose(out.metrics.clipFraction, 0.4, 1e-6);
    assertClose(out.metrics.approxKl, -0.26, 1e-6, 1e-6); // −(0.3 − 0.4 + 0 + 1.5 − 0.1) / 5
    expect(() => cispoLoss(x, { clip: { mode: "relative", low: 1.01, high: 0.28 } })).toThrow(/cispoLoss/);
    disposeAll({ ...x, l: out.loss, p: out.perToken });
  });

  it("rejects an unknown clip mode", () => {
    const x = e5Tensors();
    expect(() => cispoLoss(x, { clip: { mode: "both" } as never })).toThrow(/cispoLoss/);
    disposeAll(x);
  });
});

describe("sapoLoss", () => {
  it("spec: gates and seq-mean-token-mean 1.758351", () => {
    const x = e5Tensors();
    const out = sapoLoss(x);
    assertClose(num(out.loss), 1.758351, 1e-5, 1e-5);
    const gates = arr(out.perToken).map((row, i) => row.map((v) => -v / E5.advTokens[i]![0]!));
    assertClose([gates[0], gates[1]!.slice(0, 2)], [[2.346333, 1.673274, 2.0], [3.71356, 1.809678]], 1e-5, 1e-5);
    disposeAll({ ...x, l: out.loss, p: out.perToken });
  });

  it("on-policy gradient is the plain policy gradient −A (per token, before aggregation)", () => {
    const x = e5Tensors();
    const g = arr(tf.grad((l: tf.Tensor) => sapoLoss({ logProbs: l, advantages: x.advantages, mask: x.mask }, { aggregation: "seq-mean-token-sum" }).loss)(x.logProbs));
    assertClose(g, E5.advTokens.map((r, i) => r.map((a, t) => (-a * E5.mask[i]![t]!) / 2)), 1e-6, 1e-4);
    disposeAll(x);
  });

  it("gradient matches finite differences", () => {
    const x = e5Tensors();
    const lp = offKink();
    checkGradient((l) => sapoLoss({ ...x, logProbs: l }).loss, lp, { step: 1e-3 });
    disposeAll({ ...x, lp });
  });
});

describe("gpgLoss", () => {
  it("spec: token-mean 0.56; gradient −A·M/N", () => {
    const x = e5Tensors();
    const out = gpgLoss(x);
    assertClose(num(out.loss), 0.56, 1e-6);
    const lp = offKink();
    checkGradient((l) => gpgLoss({ ...x, logProbs: l }).loss, lp, { step: 1e-3 });
    disposeAll({ ...x, lp, l: out.loss, p: out.perToken });
  });

  it("no leaks", async () => {
    const x = e5Tensors(true);
    await expectNoTensorLeak(() => gpgLoss(x));
    await expectNoTensorLeak(() => sapoLoss(x));
    await expectNoTensorLeak(() => cispoLoss(x));
    disposeAll(x);
  });
});

describe("approxKl (verl ppo_kl) of sapoLoss, cispoLoss, gmpoLoss", () => {
  // δ = lp − old = [25, 0]: verl's SAPO and CISPO clamp the log-ratio to ±20 first, GMPO does not.
  const x = () => ({ logProbs: tf.tensor2d([[-5, -1]]), oldLogProbs: tf.tensor2d([[-30, -1]]), advantages: tf.tensor1d([1]), mask: tf.tensor2d([[1, 1]]) });

  it("is the masked mean of old − lp: clamped for SAPO / CISPO (−10), raw for GMPO (−12.5)", () => {
    const t = x();
    const sapo = sapoLoss(t);
    const cispo = cispoLoss(t);
    const gmpo = gmpoLoss(t);
    assertClose(sapo.metrics.approxKl, -10, 1e-6, 1e-6);
    assertClose(cispo.metrics.approxKl, -10, 1e-6, 1e-6);
    assertClose(gmpo.metrics.approxKl, -12.5, 1e-6, 1e-6);
    tf.dispose([sapo.loss, sapo.perToken, cispo.loss, cispo.perToken, gmpo.loss, gmpo.perToken, ...Object.values(t)]);
  });

  it("E5: −0.26 for all three (no clamp reached)", () => {
    const t = e5Tensors();
    for (const out of [sapoLoss(t), cispoLoss(t), gmpoLoss(t)]) {
      assertClose(out.metrics.approxKl, -0.26, 1e-6, 1e-6);
      tf.dispose([out.loss, out.perToken]);
    }
    disposeAll(t);
  });
});

// importanceSamplingRatio (rollout correction) on every token policy loss: the per-token loss is
// multiplied by the weight ([B, T] or [B, 1]), the metrics are not; bad weights throw; no leaks.
import { RLError, tf } from "@rl/core";
import { assertClose, expectNoTensorLeak } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { cispoLoss, gmpoLoss, gpgLoss, grpoLoss, gspoLoss, ppoPolicyLoss, rlooSequenceLoss, sapoLoss, type PolicyLossOutput, type TokenPolicyInputs } from "../../src/index.js";
import { e5Tensors } from "./fixtures.js";

type Loss = (x: TokenPolicyInputs) => PolicyLossOutput;
const losses: [string, Loss][] = [
  ["ppoPolicyLoss", (x) => ppoPolicyLoss(x)],
  ["grpoLoss", (x) => grpoLoss(x)],
  ["gspoLoss", (x) => gspoLoss(x)],
  ["cispoLoss", (x) => cispoLoss(x)],
  ["sapoLoss", (x) => sapoLoss(x)],
  ["gpgLoss", (x) => gpgLoss(x)],
];

function perTokenOf(fn: Loss, x: TokenPolicyInputs): { perToken: number[][]; metrics: Record<string, number>; grad: number[][] } {
  const out = fn(x);
  const g = tf.grad((lp: tf.Tensor) => tf.sum(fn({ ...x, logProbs: lp }).perToken))(x.logProbs);
  const r = { perToken: out.perToken.arraySync() as number[][], metrics: out.metrics, grad: g.arraySync() as number[][] };
  tf.dispose([out.loss, out.perToken, g]);
  return r;
}

describe("importanceSamplingRatio on every token policy loss", () => {
  for (const [name, fn] of losses) {
    it(`${name}: perToken and its gradient scale by the weight ([B, T] and [B, 1]); metrics unchanged`, () => {
      const x = e5Tensors();
      const [B, T] = x.logProbs.shape as [number, number];
      const wTok = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => 0.5 + 0.25 * ((b + t) % 3)));
      const wRow = Array.from({ length: B }, (_, b) => [0.5 + 0.5 * b]);
      const base = perTokenOf(fn, x);
      for (const w of [wTok, wRow]) {
        const is = tf.tensor2d(w);
        const got = perTokenOf(fn, { ...x, importanceSamplingRatio: is });
        const weight = (b: number, t: number): number => (w[b]!.length === 1 ? w[b]![0]! : w[b]![t]!);
        assertClose(got.perToken.flat(), base.perToken.map((row, b) => row.map((v, t) => v * weight(b, t))).flat(), 1e-6, 1e-5, `${name}: perToken`);
        assertClose(got.grad.flat(), base.grad.map((row, b) => row.map((v, t) => v * weight(b, t))).flat(), 1e-6, 1e-5, `${name}: gradient`);
        for (const k of Object.keys(base.metrics)) assertClose(got.metrics[k]!, base.metrics[k]!, 1e-6, 1e-5, `${name}: metrics.${k}`);
        is.dispose();
      }
      tf.dispose(Object.values(x));
    });

    it(`${name}: a negative or NaN weight at a valid position is NON_FINITE naming the field; no leak`, async () => {
      const x = e5Tensors();
      const [B, T] = x.logProbs.shape as [number, number];
      const bad = tf.tensor2d(Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (b === 0 && t === 0 ? -1 : 1))));
      expect(() => fn({ ...x, importanceSamplingRatio: bad })).toThrow(RLError);
      expect(() => fn({ ...x, importanceSamplingRatio: bad })).toThrow(/importanceSamplingRatio has NaN or Inf or negative entries/);
      const ok = tf.ones([B, 1]);
      await expectNoTensorLeak(() => {
        const out = fn({ ...x, importanceSamplingRatio: ok });
        tf.dispose([out.loss, out.perToken]);
      });
      tf.dispose([...Object.values(x), bad, ok]);
    });
  }
});

describe("importanceSamplingRatio on rlooSequenceLoss (one weight per sequence)", () => {
  const inputs = () => ({
    logProbs: tf.tensor2d([[-4, -6], [-5, -7]]),
    mask: tf.ones([2, 2]),
    oldSequenceLogProbs: tf.tensor1d([-10.3, -11]),
    advantages: tf.tensor1d([0.5, -0.5]),
  });
  it("perSequence and its gradient scale by w ([B] and [B, 1]); metrics unchanged; bad weights throw", () => {
    const base = rlooSequenceLoss(inputs());
    const b = base.perSequence.arraySync() as number[];
    for (const w of [tf.tensor1d([0.5, 2]), tf.tensor2d([[0.5], [2]])]) {
      const x = { ...inputs(), importanceSamplingRatio: w };
      const out = rlooSequenceLoss(x);
      assertClose(out.perSequence.arraySync() as number[], [b[0]! * 0.5, b[1]! * 2], 1e-6, 1e-6);
      expect(out.metrics).toEqual(base.metrics);
      const g = tf.grad((lp: tf.Tensor) => rlooSequenceLoss({ ...x, logProbs: lp }).loss)(x.logProbs);
      const g0 = tf.grad((lp: tf.Tensor) => rlooSequenceLoss({ ...inputs(), logProbs: lp }).loss)(x.logProbs);
      const [gr, g0r] = [g.arraySync() as number[][], g0.arraySync() as number[][]];
      assertClose(gr.flat(), [g0r[0]![0]! * 0.5, g0r[0]![1]! * 0.5, g0r[1]![0]! * 2, g0r[1]![1]! * 2], 1e-6, 1e-6);
      tf.dispose([out.loss, out.perSequence, g, g0, w]);
    }
    expect(() => rlooSequenceLoss({ ...inputs(), importanceSamplingRatio: tf.tensor1d([1, -1]) })).toThrow(/rlooSequenceLoss: importanceSamplingRatio has NaN or Inf or negative entries/);
    expect(() => rlooSequenceLoss({ ...inputs(), importanceSamplingRatio: tf.tensor1d([1, 1, 1]) })).toThrow(/SHAPE_MISMATCH|importanceSamplingRatio has shape \[3\]/);
    tf.dispose([base.loss, base.perSequence]);
  });
});

describe("importanceSamplingRatio on gmpoLoss (verl geo_mean: the row's geometric-mean weight)", () => {
  it("each row's perToken and gradient scale by exp(Σ log(w + 1e-10)·M / n), [B, T] and [B, 1]; metrics unchanged", () => {
    const x = e5Tensors();
    const [B, T] = x.logProbs.shape as [number, number];
    const mask = x.mask.arraySync() as number[][];
    const wTok = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => 0.5 + 0.25 * ((b + t) % 3)));
    const wRow = Array.from({ length: B }, (_, b) => [0.5 + 0.5 * b]);
    const fn: Loss = (y) => gmpoLoss(y);
    const base = perTokenOf(fn, x);
    for (const w of [wTok, wRow]) {
      const rowWeight = (b: number): number => {
        let s = 0;
        let n = 0;
        for (let t = 0; t < T; t++) {
          const m = mask[b]![t]!;
          s += Math.log((w[b]!.length === 1 ? w[b]![0]! : w[b]![t]!) + 1e-10) * m;
          n += m;
        }
        return Math.exp(s / (n + 1e-8));
      };
      const is = tf.tensor2d(w);
      const got = perTokenOf(fn, { ...x, importanceSamplingRatio: is });
      assertClose(got.perToken.flat(), base.perToken.map((row, b) => row.map((v) => v * rowWeight(b))).flat(), 1e-6, 1e-5, "gmpo: perToken");
      assertClose(got.grad.flat(), base.grad.map((row, b) => row.map((v) => v * rowWeight(b))).flat(), 1e-6, 1e-5, "gmpo: gradient");
      for (const k of Object.keys(base.metrics)) assertClose(got.metrics[k]!, base.metrics[k]!, 1e-6, 1e-5, `gmpo: metrics.${k}`);
      is.dispose();
    }
    tf.dispose(Object.values(x));
  });

  it("a negative weight is NON_FINITE naming the field; no leak", async () => {
    const x = e5Tensors();
    const [B, T] = x.logProbs.shape as [number, number];
    const bad = tf.tensor2d(Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (b === 0 && t === 0 ? -1 : 1))));
    expect(() => gmpoLoss({ ...x, importanceSamplingRatio: bad })).toThrow(/importanceSamplingRatio has NaN or Inf or negative entries/);
    const ok = tf.ones([B, 1]);
    await expectNoTensorLeak(() => {
      const out = gmpoLoss({ ...x, importanceSamplingRatio: ok });
      tf.dispose([out.loss, out.perToken]);
    });
    tf.dispose([...Object.values(x), bad, ok]);
  });
});

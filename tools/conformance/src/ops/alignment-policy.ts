import {
  cispoLoss,
  clipCovLoss,
  entropyBonus,
  gmpoLoss,
  gpgLoss,
  grpoLoss,
  gspoLoss,
  klCovLoss,
  ppoPolicyLoss,
  sapoLoss,
  valueLoss,
  type GrpoLossType,
  type PolicyLossOutput,
  type TokenPolicyInputs,
} from "@rl/alignment";
import { createRng, tf, type LossAggregation } from "@rl/core";
import type { OpTable } from "../types.js";

const t2 = (x: unknown): tf.Tensor2D => tf.tensor2d(x as number[][], undefined, "float32");
const adv = (x: unknown): tf.Tensor => {
  const a = x as number[] | number[][];
  return Array.isArray(a[0]) ? tf.tensor2d(a as number[][]) : tf.tensor1d(a as number[]);
};

/** Runs `f` over tensors built from the args and disposes every tensor it made. */
function withTensors<T>(build: () => tf.Tensor[], f: (ts: tf.Tensor[]) => T): T {
  const ts = build();
  try {
    return f(ts);
  } finally {
    for (const t of ts) t.dispose();
  }
}

function scalar(t: tf.Tensor): number {
  const v = t.dataSync()[0] as number;
  return v;
}

/**
 * Runs a token policy loss on `{ logprobs, oldLogprobs, advantages, mask }` and returns its loss and
 * metrics as numbers (every tensor disposed).
 */
function tokenLoss(a: Record<string, unknown>, loss: (x: TokenPolicyInputs) => PolicyLossOutput): Record<string, number> {
  return withTensors(
    () => [t2(a.logprobs), t2(a.oldLogprobs), adv(a.advantages), t2(a.mask)],
    ([logProbs, oldLogProbs, advantages, mask]) => {
      const out = loss({ logProbs: logProbs!, oldLogProbs: oldLogProbs!, advantages: advantages!, mask: mask! });
      const value = scalar(out.loss);
      out.loss.dispose();
      out.perToken.dispose();
      return { loss: value, ...(out.metrics as Record<string, number>) };
    },
  );
}

const aggregation = (a: Record<string, unknown>) => ({ aggregation: a.aggregation as LossAggregation });

/** Conformance ops of this area (see tools/conformance/vectors/README.md). */
export const alignmentPolicyOps: OpTable = {
  "loss.ppoPolicy": (a) =>
    withTensors(
      () => [t2(a.logprobs), t2(a.oldLogprobs), adv(a.advantages), t2(a.mask)],
      ([logProbs, oldLogProbs, advantages, mask]) => {
        const out = ppoPolicyLoss(
          { logProbs: logProbs!, oldLogProbs: oldLogProbs!, advantages: advantages!, mask: mask! },
          {
            clipLow: a.clipLow as number,
            clipHigh: a.clipHigh as number,
            dualClip: (a.dualClip as number | null) ?? null,
            aggregation: a.aggregation as LossAggregation,
          },
        );
        const loss = scalar(out.loss);
        out.loss.dispose();
        out.perToken.dispose();
        return { loss, ...out.metrics };
      },
    ),
  "loss.gspoPolicy": (a) =>
    withTensors(
      () => [t2(a.logprobs), t2(a.oldLogprobs), adv(a.advantages), t2(a.mask)],
      ([logProbs, oldLogProbs, advantages, mask]) => {
        const out = gspoLoss(
          { logProbs: logProbs!, oldLogProbs: oldLogProbs!, advantages: advantages!, mask: mask! },
          { clipLow: a.clipLow as number, clipHigh: a.clipHigh as number },
        );
        const loss = scalar(out.loss);
        out.loss.dispose();
        out.perToken.dispose();
        return { loss, ...out.metrics };
      },
    ),
  "loss.value": (a) =>
    withTensors(
      () => [t2(a.values), t2(a.oldValues), t2(a.returns), t2(a.mask)],
      ([values, oldValues, returns, mask]) => {
        const out = valueLoss(
          { values: values!, oldValues: oldValues!, returns: returns!, mask: mask! },
          { clip: (a.clip as number | null) ?? null, aggregation: a.aggregation as LossAggregation },
        );
        const loss = scalar(out.loss);
        out.loss.dispose();
        out.perToken.dispose();
        return { loss, clipFraction: out.metrics.clipFraction };
      },
    ),
  "loss.grpoTrl": (a) =>
    withTensors(
      () => [t2(a.logprobs), t2(a.oldLogprobs), t2(a.refLogprobs), adv(a.advantages), t2(a.mask)],
      ([logProbs, oldLogProbs, refLogProbs, advantages, mask]) => {
        const out = grpoLoss(
          { logProbs: logProbs!, oldLogProbs: oldLogProbs!, refLogProbs: refLogProbs!, advantages: advantages!, mask: mask! },
          {
            lossType: a.lossType as GrpoLossType,
            clipLow: a.epsilonLow as number,
            clipHigh: a.epsilonHigh as number,
            klCoef: a.beta as number,
            delta: (a.delta as number | null) ?? null,
            importanceSampling: a.importanceSamplingLevel as "token" | "sequence",
            maxCompletionLength: a.maxCompletionLength as number,
            numItemsInBatch: a.numItemsInBatch as number,
            sapoTemperaturePos: a.sapoTemperaturePos as number,
            sapoTemperatureNeg: a.sapoTemperatureNeg as number,
          },
        );
        const loss = scalar(out.loss);
        out.loss.dispose();
        out.perToken.dispose();
        return { loss };
      },
    ),
  // verl-trl-losses-2.json (verl core_algos.py). SAPO and CISPO clip nothing that verl counts in
  // pg_clipfrac(_lower): verl logs constant zeros there, which the library does not report.
  "loss.sapoPolicy": (a) => ({
    ...tokenLoss(a, (x) => sapoLoss(x, { temperaturePos: a.tauPos as number, temperatureNeg: a.tauNeg as number })),
    clipFraction: 0,
    clipFractionLower: 0,
  }),
  "loss.gpgPolicy": (a) => tokenLoss(a, (x) => gpgLoss(x, aggregation(a))),
  "loss.klCovPolicy": (a) =>
    tokenLoss(a, (x) => klCovLoss(x, { ...aggregation(a), ratio: a.klCovRatio as number, coef: a.ppoKlCoef as number })),
  // verl zeroes a random subset of the candidates; every case has no more candidates than the
  // subset's size, so all of them are zeroed and any seed gives the reference's numbers.
  "loss.clipCovPolicy": (a) =>
    tokenLoss(a, (x) =>
      clipCovLoss(x, createRng(0), {
        ...aggregation(a),
        clipLow: a.clipLow as number,
        clipHigh: a.clipHigh as number,
        ratio: a.clipCovRatio as number,
        lb: a.clipCovLb as number,
        ub: a.clipCovUb as number,
      }),
    ),
  "loss.geoMeanPolicy": (a) => tokenLoss(a, (x) => gmpoLoss(x, { clipLow: a.clipLow as number, clipHigh: a.clipHigh as number })),
  "loss.cispoPolicy": (a) => ({
    ...tokenLoss(a, (x) => cispoLoss(x, { ...aggregation(a), clipLow: a.clipLow as number, clipHigh: a.clipHigh as number })),
    clipFractionLower: 0,
  }),
  "loss.entropy": (a) =>
    withTensors(
      () => [tf.tensor3d(a.logits as number[][][], undefined, "float32"), t2(a.mask)],
      ([logits, mask]) => {
        const out = entropyBonus(logits!, mask!, aggregation(a));
        out.loss.dispose();
        out.perToken.dispose();
        return { loss: out.metrics.entropy };
      },
    ),
};

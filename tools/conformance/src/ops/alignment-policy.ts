import { grpoLoss, gspoLoss, ppoPolicyLoss, valueLoss, type GrpoLossType } from "@rl/alignment";
import { tf, type LossAggregation } from "@rl/core";
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

/** Conformance ops of this area (see ../shared/conformance/README.md). */
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
            epsilonLow: a.epsilonLow as number,
            epsilonHigh: a.epsilonHigh as number,
            beta: a.beta as number,
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
};

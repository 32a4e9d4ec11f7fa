import { dpoLoss, orpoLoss, simpoLoss, type DpoLossType } from "@rl/alignment";
import { tf } from "@rl/core";
import type { OpTable } from "../types.js";

/**
 * Runs `f` with a tensor factory; every tensor made by the factory or returned by `f` (as a
 * field of its result) is disposed afterwards, also on error. `read` turns the result into plain data.
 */
function withTensors<R extends object>(
  f: (vec: (x: unknown) => tf.Tensor1D) => R,
  read: (r: R) => Record<string, unknown>,
): Record<string, unknown> {
  const made: tf.Tensor[] = [];
  const vec = (x: unknown): tf.Tensor1D => {
    const t = tf.tensor1d(x as number[], "float32");
    made.push(t);
    return t;
  };
  try {
    const r = f(vec);
    try {
      return read(r);
    } finally {
      for (const v of Object.values(r)) if (v instanceof tf.Tensor) v.dispose();
    }
  } finally {
    for (const t of made) t.dispose();
  }
}

const arr = (t: tf.Tensor): number[] => Array.from(t.dataSync());
const num = (t: tf.Tensor): number => t.dataSync()[0] as number;

/** Conformance ops of this area (see ../shared/conformance/README.md). */
export const alignmentPreferenceOps: OpTable = {
  "loss.dpo": (a) =>
    withTensors(
      (vec) =>
        dpoLoss(
          {
            policyChosen: vec(a.policyChosen),
            policyRejected: vec(a.policyRejected),
            refChosen: vec(a.refChosen),
            refRejected: vec(a.refRejected),
            chosenLengths: vec(a.chosenLengths),
            rejectedLengths: vec(a.rejectedLengths),
          },
          {
            beta: a.beta as number,
            labelSmoothing: a.labelSmoothing as number,
            discopopTau: a.discopopTau as number,
            lossType: a.lossType as DpoLossType,
          },
        ),
      (o) => ({ losses: arr(o.losses), loss: num(o.loss), chosenRewards: arr(o.chosenRewards), rejectedRewards: arr(o.rejectedRewards) }),
    ),
  "loss.simpo": (a) =>
    withTensors(
      (vec) =>
        simpoLoss(
          { chosenAvgLogProbs: vec(a.chosenAvgLogprobs), rejectedAvgLogProbs: vec(a.rejectedAvgLogprobs) },
          { beta: a.beta as number, gamma: a.gamma as number, labelSmoothing: a.labelSmoothing as number },
        ),
      (o) => ({ losses: arr(o.losses), loss: num(o.loss) }),
    ),
  "loss.orpo": (a) =>
    withTensors(
      (vec) =>
        orpoLoss(
          { chosenAvgLogProbs: vec(a.chosenAvgLogprobs), rejectedAvgLogProbs: vec(a.rejectedAvgLogprobs), chosenNll: a.nllLoss as number },
          { beta: a.beta as number },
        ),
      (o) => ({ oddsRatioTerms: arr(o.oddsRatioTerms), loss: num(o.loss), logOdds: arr(o.logOdds) }),
    ),
};

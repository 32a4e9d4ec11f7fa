import { cpoLoss, dpoLoss, ktoLoss, orpoLoss, simpoLoss, type CpoConfig, type DpoLossType, type FDivergenceType } from "@rl/alignment";
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

/** Conformance ops of this area (see tools/conformance/vectors/README.md). */
/** `loss.dpo` and `loss.dpoFDivergence` (the latter adds TRL's `f_divergence_type`). */
function dpo(a: Record<string, unknown>): Record<string, unknown> {
  return withTensors(
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
          ...(a.fDivergenceType !== undefined ? { fDivergence: a.fDivergenceType as FDivergenceType, fAlpha: a.fAlphaDivergenceCoef as number } : {}),
        },
      ),
    (o) => ({ losses: arr(o.losses), loss: num(o.loss), chosenRewards: arr(o.chosenRewards), rejectedRewards: arr(o.rejectedRewards) }),
  );
}

export const alignmentPreferenceOps: OpTable = {
  "loss.dpo": dpo,
  "loss.dpoFDivergence": dpo,
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
  // KTO: the chosen (desirable) then the rejected (undesirable) examples form one batch with
  // labels 1 / 0, in TRL's order; the KL completions are one per example.
  "loss.kto": (a) => {
    const chosen = a.policyChosen as number[];
    const rejected = a.policyRejected as number[];
    const nc = chosen.length;
    return withTensors(
      (vec) =>
        ktoLoss(
          {
            policy: vec([...chosen, ...rejected]),
            reference: vec([...(a.refChosen as number[]), ...(a.refRejected as number[])]),
            labels: [...chosen.map(() => 1), ...rejected.map(() => 0)],
            policyKl: vec(a.policyKl),
            referenceKl: vec(a.refKl),
          },
          {
            beta: a.beta as number,
            desirableWeight: a.desirableWeight as number,
            undesirableWeight: a.undesirableWeight as number,
            lossType: a.lossType as "kto" | "apo_zero_unpaired",
          },
        ),
      (o) => {
        const rewards = arr(o.rewards);
        return { losses: arr(o.losses), loss: num(o.loss), chosenRewards: rewards.slice(0, nc), rejectedRewards: rewards.slice(nc), kl: o.metrics.kl };
      },
    );
  },
  "loss.cpo": (a) =>
    withTensors(
      (vec) =>
        cpoLoss(
          { policyChosen: vec(a.policyChosen), policyRejected: vec(a.policyRejected), chosenNll: a.nllLoss as number },
          {
            beta: a.beta as number,
            labelSmoothing: a.labelSmoothing as number,
            simpoGamma: a.simpoGamma as number,
            lossType: a.lossType as CpoConfig["lossType"],
            alphaPo: a.alpha as number,
            cpoAlpha: a.cpoAlpha as number,
          },
        ),
      (o) => ({ losses: arr(o.losses), loss: num(o.loss), chosenRewards: arr(o.chosenRewards), rejectedRewards: arr(o.rejectedRewards) }),
    ),
};

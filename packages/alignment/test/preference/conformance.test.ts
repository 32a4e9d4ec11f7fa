import { tf } from "@rl/core";
import { assertClose, loadConformanceCases } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { cpoLoss, dpoLoss, ktoLoss, orpoLoss, simpoLoss, type CpoConfig, type DpoLossType, type FDivergenceType } from "../../src/index.js";

interface Case {
  id: string;
  op: string;
  args: Record<string, unknown>;
  expected: Record<string, unknown>;
  tol: { abs: number; rel: number };
}

const ops = new Set(["loss.dpo", "loss.dpoFDivergence", "loss.simpo", "loss.orpo", "loss.kto", "loss.cpo"]);
const cases = loadConformanceCases([...ops]) as Case[];

const v = (x: unknown): tf.Tensor1D => tf.tensor1d(x as number[]);
const arr = (t: tf.Tensor): number[] => Array.from(t.dataSync());

function run(c: Case): Record<string, unknown> {
  const a = c.args;
  if (c.op === "loss.dpo" || c.op === "loss.dpoFDivergence") {
    const o = dpoLoss(
      {
        policyChosen: v(a.policyChosen),
        policyRejected: v(a.policyRejected),
        refChosen: v(a.refChosen),
        refRejected: v(a.refRejected),
        chosenLengths: v(a.chosenLengths),
        rejectedLengths: v(a.rejectedLengths),
      },
      {
        beta: a.beta as number,
        labelSmoothing: a.labelSmoothing as number,
        discopopTau: a.discopopTau as number,
        lossType: a.lossType as DpoLossType,
        ...(a.fDivergenceType !== undefined ? { fDivergence: a.fDivergenceType as FDivergenceType, fAlpha: a.fAlphaDivergenceCoef as number } : {}),
      },
    );
    return { losses: arr(o.losses), loss: arr(o.loss)[0], chosenRewards: arr(o.chosenRewards), rejectedRewards: arr(o.rejectedRewards) };
  }
  if (c.op === "loss.simpo") {
    const o = simpoLoss(
      { chosenAvgLogProbs: v(a.chosenAvgLogprobs), rejectedAvgLogProbs: v(a.rejectedAvgLogprobs) },
      { beta: a.beta as number, gamma: a.gamma as number, labelSmoothing: a.labelSmoothing as number },
    );
    return { losses: arr(o.losses), loss: arr(o.loss)[0] };
  }
  if (c.op === "loss.kto") {
    const chosen = a.policyChosen as number[];
    const rejected = a.policyRejected as number[];
    const o = ktoLoss(
      {
        policy: v([...chosen, ...rejected]),
        reference: v([...(a.refChosen as number[]), ...(a.refRejected as number[])]),
        labels: [...chosen.map(() => 1), ...rejected.map(() => 0)],
        policyKl: v(a.policyKl),
        referenceKl: v(a.refKl),
      },
      {
        beta: a.beta as number,
        desirableWeight: a.desirableWeight as number,
        undesirableWeight: a.undesirableWeight as number,
        lossType: a.lossType as "kto" | "apo_zero_unpaired",
      },
    );
    const rewards = arr(o.rewards);
    return { losses: arr(o.losses), loss: arr(o.loss)[0], chosenRewards: rewards.slice(0, chosen.length), rejectedRewards: rewards.slice(chosen.length), kl: o.metrics.kl };
  }
  if (c.op === "loss.cpo") {
    const o = cpoLoss(
      { policyChosen: v(a.policyChosen), policyRejected: v(a.policyRejected), chosenNll: a.nllLoss as number },
      {
        beta: a.beta as number,
        labelSmoothing: a.labelSmoothing as number,
        simpoGamma: a.simpoGamma as number,
        lossType: a.lossType as CpoConfig["lossType"],
        alphaPo: a.alpha as number,
        cpoAlpha: a.cpoAlpha as number,
      },
    );
    return { losses: arr(o.losses), loss: arr(o.loss)[0], chosenRewards: arr(o.chosenRewards), rejectedRewards: arr(o.rejectedRewards) };
  }
  const o = orpoLoss(
    { chosenAvgLogProbs: v(a.chosenAvgLogprobs), rejectedAvgLogProbs: v(a.rejectedAvgLogprobs), chosenNll: a.nllLoss as number },
    { beta: a.beta as number },
  );
  return { oddsRatioTerms: arr(o.oddsRatioTerms), loss: arr(o.loss)[0], logOdds: arr(o.logOdds) };
}

describe("conformance vectors: loss.dpo, loss.dpoFDivergence, loss.simpo, loss.orpo, loss.kto, loss.cpo", () => {
  it("has the expected number of cases", () => {
    expect(cases.filter((c) => c.op === "loss.dpo")).toHaveLength(42);
    expect(cases.filter((c) => c.op === "loss.dpoFDivergence")).toHaveLength(22);
    expect(cases.filter((c) => c.op === "loss.kto")).toHaveLength(20);
    expect(cases.filter((c) => c.op === "loss.cpo")).toHaveLength(24);
    expect(cases.filter((c) => c.op === "loss.simpo")).toHaveLength(3);
    expect(cases.filter((c) => c.op === "loss.orpo")).toHaveLength(3);
  });
  it.each(cases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const before = tf.memory().numTensors;
    tf.engine().startScope();
    try {
      const got = run(c);
      for (const [k, want] of Object.entries(c.expected)) assertClose(got[k], want, c.tol.abs, c.tol.rel, k);
    } finally {
      tf.engine().endScope();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

import { tf } from "@rl/core";
import { assertClose, loadConformanceCases } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { dpoLoss, orpoLoss, simpoLoss, type DpoLossType } from "../../src/index.js";

interface Case {
  id: string;
  op: string;
  args: Record<string, unknown>;
  expected: Record<string, unknown>;
  tol: { abs: number; rel: number };
}

const ops = new Set(["loss.dpo", "loss.simpo", "loss.orpo"]);
const cases = loadConformanceCases([...ops]) as Case[];

const v = (x: unknown): tf.Tensor1D => tf.tensor1d(x as number[]);
const arr = (t: tf.Tensor): number[] => Array.from(t.dataSync());

function run(c: Case): Record<string, unknown> {
  const a = c.args;
  if (c.op === "loss.dpo") {
    const o = dpoLoss(
      {
        policyChosen: v(a.policyChosen),
        policyRejected: v(a.policyRejected),
        refChosen: v(a.refChosen),
        refRejected: v(a.refRejected),
        chosenLengths: v(a.chosenLengths),
        rejectedLengths: v(a.rejectedLengths),
      },
      { beta: a.beta as number, labelSmoothing: a.labelSmoothing as number, discopopTau: a.discopopTau as number, lossType: a.lossType as DpoLossType },
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
  const o = orpoLoss(
    { chosenAvgLogProbs: v(a.chosenAvgLogprobs), rejectedAvgLogProbs: v(a.rejectedAvgLogprobs), chosenNll: a.nllLoss as number },
    { beta: a.beta as number },
  );
  return { oddsRatioTerms: arr(o.oddsRatioTerms), loss: arr(o.loss)[0], logOdds: arr(o.logOdds) };
}

describe("conformance vectors: loss.dpo, loss.simpo, loss.orpo", () => {
  it("has the expected number of cases", () => {
    expect(cases.filter((c) => c.op === "loss.dpo")).toHaveLength(42);
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

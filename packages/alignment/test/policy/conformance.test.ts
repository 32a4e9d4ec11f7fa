// Runs the conformance vectors of this folder's ops (tools/conformance/vectors: loss.ppoPolicy,
// loss.gspoPolicy, loss.value, loss.grpoTrl, and verl's sapo / gpg / kl-cov / clip-cov / geo-mean /
// cispo losses and entropy) through the same argument mapping as
// tools/conformance/src/ops/alignment-policy.ts.
import { createRng, tf, type LossAggregation } from "@rl/core";
import { assertClose, loadConformanceCases } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
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
} from "../../src/index.js";

interface Case {
  id: string;
  op: string;
  args: Record<string, unknown>;
  expected: Record<string, unknown>;
  tol?: { abs?: number; rel?: number };
}

/** verl's losses of verl-trl-losses-2.json; SAPO / CISPO's pg_clipfrac(_lower) are verl's constant zeros. */
const verlLosses: Record<string, (a: Record<string, unknown>, x: TokenPolicyInputs) => PolicyLossOutput> = {
  "loss.sapoPolicy": (a, x) => sapoLoss(x, { temperaturePos: a.tauPos as number, temperatureNeg: a.tauNeg as number }),
  "loss.gpgPolicy": (a, x) => gpgLoss(x, { aggregation: a.aggregation as LossAggregation }),
  "loss.klCovPolicy": (a, x) => klCovLoss(x, { aggregation: a.aggregation as LossAggregation, ratio: a.klCovRatio as number, coef: a.ppoKlCoef as number }),
  "loss.clipCovPolicy": (a, x) =>
    clipCovLoss(x, createRng(0), {
      aggregation: a.aggregation as LossAggregation,
      clipLow: a.clipLow as number,
      clipHigh: a.clipHigh as number,
      ratio: a.clipCovRatio as number,
      lb: a.clipCovLb as number,
      ub: a.clipCovUb as number,
    }),
  "loss.geoMeanPolicy": (a, x) => gmpoLoss(x, { clipLow: a.clipLow as number, clipHigh: a.clipHigh as number }),
  "loss.cispoPolicy": (a, x) =>
    cispoLoss(x, { aggregation: a.aggregation as LossAggregation, clip: { mode: "relative", low: a.clipLow as number, high: a.clipHigh as number } }),
};
const constantZero: Record<string, Record<string, number>> = {
  "loss.sapoPolicy": { clipFraction: 0, clipFractionLower: 0 },
  "loss.cispoPolicy": { clipFractionLower: 0 },
};

const ops = new Set(["loss.ppoPolicy", "loss.gspoPolicy", "loss.value", "loss.grpoTrl", "loss.entropy", ...Object.keys(verlLosses)]);
const cases = loadConformanceCases([...ops]) as Case[];

const t2 = (x: unknown): tf.Tensor2D => tf.tensor2d(x as number[][]);
const adv = (x: unknown): tf.Tensor => {
  const a = x as number[] | number[][];
  return Array.isArray(a[0]) ? tf.tensor2d(a as number[][]) : tf.tensor1d(a as number[]);
};

function run(c: Case): Record<string, number> {
  const a = c.args;
  const created: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    created.push(t);
    return t;
  };
  try {
    if (c.op === "loss.entropy") {
      const out = entropyBonus(keep(tf.tensor3d(a.logits as number[][][])), keep(t2(a.mask)), { aggregation: a.aggregation as LossAggregation });
      created.push(out.loss, out.perToken);
      return { loss: out.metrics.entropy };
    }
    if (c.op === "loss.value") {
      const out = valueLoss(
        { values: keep(t2(a.values)), oldValues: keep(t2(a.oldValues)), returns: keep(t2(a.returns)), mask: keep(t2(a.mask)) },
        { clip: (a.clip as number | null) ?? null, aggregation: a.aggregation as LossAggregation },
      );
      created.push(out.loss, out.perToken);
      return { loss: out.loss.dataSync()[0] as number, ...out.metrics };
    }
    const inputs = {
      logProbs: keep(t2(a.logprobs)),
      oldLogProbs: keep(t2(a.oldLogprobs)),
      advantages: keep(adv(a.advantages)),
      mask: keep(t2(a.mask)),
      ...(a.refLogprobs !== undefined ? { refLogProbs: keep(t2(a.refLogprobs)) } : {}),
    };
    const verl = verlLosses[c.op];
    if (verl !== undefined) {
      const out = verl(a, inputs);
      created.push(out.loss, out.perToken);
      return { loss: out.loss.dataSync()[0] as number, ...(out.metrics as Record<string, number>), ...constantZero[c.op] };
    }
    const out =
      c.op === "loss.ppoPolicy"
        ? ppoPolicyLoss(inputs, {
            clipLow: a.clipLow as number,
            clipHigh: a.clipHigh as number,
            dualClip: (a.dualClip as number | null) ?? null,
            aggregation: a.aggregation as LossAggregation,
          })
        : c.op === "loss.gspoPolicy"
          ? gspoLoss(inputs, { clipLow: a.clipLow as number, clipHigh: a.clipHigh as number })
          : grpoLoss(inputs, {
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
            });
    created.push(out.loss, out.perToken);
    return { loss: out.loss.dataSync()[0] as number, ...(out.metrics as Record<string, number>) };
  } finally {
    for (const t of created) t.dispose();
  }
}

describe("conformance: alignment policy ops", () => {
  it("finds the 154 cases (ppoPolicy 3, gspoPolicy 3, value 3, grpoTrl 21; sapo 20, gpg 16, klCov 20, clipCov 16, geoMean 20, cispo 20, entropy 12)", () => {
    expect(cases.length).toBe(154);
    expect(new Set(cases.map((c) => c.op))).toEqual(ops);
  });
  it.each(cases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const before = tf.memory().numTensors;
    const got = run(c);
    expect(tf.memory().numTensors).toBe(before);
    for (const [k, want] of Object.entries(c.expected)) assertClose(got[k], want, c.tol?.abs ?? 2e-4, c.tol?.rel ?? 2e-4, `${c.id}.${k}`);
  });
});

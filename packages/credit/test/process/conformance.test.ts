import { assertClose, loadConformanceCases } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { primeAdvantages } from "../../src/process/prime.js";
import { minFormRewards } from "../../src/process/min-form.js";
import { strictMinReturns, sumFormReturns } from "../../src/process/step-returns.js";
import { gigpoAdvantages } from "../../src/step/gigpo.js";
import { gigpoStepReturns } from "../../src/step/step-returns.js";

type Rows = number[][];
type Ids = (string | number)[];
interface Case {
  id: string;
  op: string;
  args: Record<string, unknown>;
  expected: Record<string, unknown>;
  tol: { abs: number; rel: number };
}

const cases = loadConformanceCases() as unknown as Case[];

/** Mirrors tools/conformance/src/ops/credit-process.ts. */
const ops: Record<string, (a: Record<string, unknown>) => Record<string, unknown>> = {
  "process.minFormRewards": (a) => ({
    rewards: minFormRewards(a.stepRewards as Rows, a.stepMask as Rows, {
      temperature: a.temperature as number,
      weighted: a.weighted as boolean,
    }).rewards.toArray(),
  }),
  "process.strictMinReturns": (a) => ({ returns: strictMinReturns(a.stepRewards as Rows, a.stepMask as Rows).returns.toArray() }),
  "process.sumFormReturns": (a) => ({
    returns: sumFormReturns(a.stepRewards as Rows, a.stepMask as Rows, { gamma: a.gamma as number }).returns.toArray(),
  }),
  "gigpo.stepReturns": (a) => ({
    returns: gigpoStepReturns(a.stepRewards as number[], a.trajectories as Ids, { gamma: a.gamma as number }).returns.toFlatArray(),
  }),
  "advantage.gigpo": (a) => ({
    advantages: gigpoAdvantages(
      {
        tokenRewards: a.tokenRewards as Rows,
        mask: a.mask as Rows,
        groups: a.groups as Ids,
        trajectories: a.trajectories as Ids,
        anchors: a.anchors as Ids,
        stepReturns: a.stepReturns as number[],
      },
      {
        epsilon: a.epsilon as number,
        stepAdvantageWeight: a.stepAdvantageWeight as number,
        mode: a.mode as "mean_norm" | "mean_std_norm",
        episodeStats: "rowWeighted",
      },
    ).advantages.toArray(),
  }),
  "advantage.primeRloo": (a) => {
    const mask = a.mask as Rows;
    const k = a.groupSize as number;
    const r = primeAdvantages(
      { processRewards: a.processRewards as Rows, rewards: a.outcomes as number[], mask, groups: mask.map((_, i) => Math.floor(i / k)) },
      { baseline: "code", processCoef: 1, outcomeCoef: 1, gammaProcess: a.gammaProcess as number, gammaOutcome: a.gammaOutcome as number },
    );
    return { returns: r.returns.toArray(), advantages: r.advantages.toArray() };
  },
};

/** Padding (mask = 0) is not compared, as the conformance README says. */
function masked(value: unknown, mask: unknown): unknown {
  if (!Array.isArray(mask) || !Array.isArray(value) || !Array.isArray(value[0])) return value;
  const m = mask as Rows;
  if (m.length !== value.length || (m[0] as number[]).length !== (value[0] as number[]).length) return value;
  return (value as Rows).map((row, i) => row.map((v, t) => ((m[i] as number[])[t] === 0 ? 0 : v)));
}

describe("conformance: process.*, gigpo.*, advantage.gigpo, advantage.primeRloo", () => {
  const mine = cases.filter((c) => c.op in ops);
  it("has every expected case", () => {
    const counts: Record<string, number> = {};
    for (const c of mine) counts[c.op] = (counts[c.op] ?? 0) + 1;
    expect(counts).toEqual({
      "process.minFormRewards": 12,
      "process.strictMinReturns": 3,
      "process.sumFormReturns": 3,
      "gigpo.stepReturns": 3,
      "advantage.gigpo": 6,
      "advantage.primeRloo": 3,
    });
  });
  for (const c of mine) {
    it(c.id, () => {
      const got = (ops[c.op] as (a: Record<string, unknown>) => Record<string, unknown>)(c.args);
      for (const [key, want] of Object.entries(c.expected)) {
        assertClose(got[key], masked(want, c.args.mask), c.tol.abs, c.tol.rel, `${c.id}.${key}`);
      }
    });
  }
});

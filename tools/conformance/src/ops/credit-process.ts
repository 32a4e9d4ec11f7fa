import {
  gigpoAdvantages,
  gigpoStepReturns,
  minFormRewards,
  primeAdvantages,
  strictMinReturns,
  sumFormReturns,
} from "@rl/credit";
import type { OpTable } from "../types.js";

type Rows = number[][];
type Ids = (string | number)[];

/** Conformance ops of this area (see tools/conformance/vectors/README.md). */
export const creditProcessOps: OpTable = {
  "process.minFormRewards": (a) => ({
    rewards: minFormRewards(a.stepRewards as Rows, a.stepMask as Rows, {
      temperature: a.temperature as number,
      weighted: a.weighted as boolean,
    }).rewards.toArray(),
  }),
  "process.strictMinReturns": (a) => ({
    returns: strictMinReturns(a.stepRewards as Rows, a.stepMask as Rows).returns.toArray(),
  }),
  "process.sumFormReturns": (a) => ({
    returns: sumFormReturns(a.stepRewards as Rows, a.stepMask as Rows, { gamma: a.gamma as number }).returns.toArray(),
  }),
  "gigpo.stepReturns": (a) => ({
    returns: gigpoStepReturns(a.stepRewards as number[], a.trajectories as Ids, { gamma: a.gamma as number }).returns.toFlatArray(),
  }),
  // The reference (verl-agent @ 00f91e50) counts every step row in the episode statistics.
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
  // PRIME's code: contiguous groups of groupSize, the "code" baseline, both coefficients 1.
  "advantage.primeRloo": (a) => {
    const mask = a.mask as Rows;
    const k = a.groupSize as number;
    const { advantages, returns } = primeAdvantages(
      {
        processRewards: a.processRewards as Rows,
        rewards: a.outcomes as number[],
        mask,
        groups: mask.map((_, i) => Math.floor(i / k)),
      },
      {
        baseline: "code",
        processCoef: 1,
        outcomeCoef: 1,
        gammaProcess: a.gammaProcess as number,
        gammaOutcome: a.gammaOutcome as number,
      },
    );
    return { returns: returns.toArray(), advantages: advantages.toArray() };
  },
};

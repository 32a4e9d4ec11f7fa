import { macroBoundaries, macroGae, spoTreeEdges } from "@rl/credit";
import { ensembleRewards, lscTransform, parTransform } from "@rl/rewards";
import type { OpTable } from "../types.js";

type Rows = number[][];

/** `[length of each span]`: `starts` tile `[0, T)`, the last span runs to `T`. */
function spanSizes(starts: readonly number[], T: number): number[] {
  return starts.map((s, m) => (starts[m + 1] ?? T) - s);
}

/** Indices that sort `xs` ascending (no ties in the vectors). */
function argsort(xs: readonly number[]): number[] {
  return xs.map((_, i) => i).sort((a, b) => (xs[a] as number) - (xs[b] as number));
}

/** The PAR code's shaper steps shared by `reward.par` and `reward.lscPar`. */
function parShaping(a: Record<string, unknown>) {
  return {
    rewardCeil: a.rewardCeil as number | null,
    penalizeLength: a.penalizeLength as boolean,
    genValidLen: a.genValidLen as number,
    lenPenalty: a.lenPenalty as number,
  };
}

function parContext(a: Record<string, unknown>) {
  return { refRewards: a.refRewards as Rows, responseLengths: a.responseLengths as number[] };
}

/**
 * Conformance ops of `seed-repos.json`: the seed methods against their authors' own code
 * (see ../shared/conformance/README.md, "Ops in seed-repos.json").
 */
export const seedReposOps: OpTable = {
  // AIFrameResearch/SPO @ b9fc6a26: rloo = "diff", grpo = "std"; the code always reports
  // prover_advantage (BoK, K = 4) without adding it: prover weight 0.
  "advantage.spoTree": (a) => {
    const parents = a.parents as number[];
    const { edges, values, std } = spoTreeEdges(
      { parent: parents, reward: a.leafRewards as (number | null)[] },
      {
        method: a.advMethod === "grpo" ? "std" : "diff",
        dropZero: a.onlyNonZero as boolean,
        prover: { bestOfK: 4, weight: 0 },
      },
    );
    return {
      nodeValues: values.toFlatArray(),
      nodeStd: std,
      edgeNodes: edges.map((e) => e.child),
      advantages: edges.map((e) => e.advantage),
      proverAdvantages: edges.map((e) => e.proverAdvantage),
      edgeValues: edges.map((e) => e.value),
      edgeLeaf: edges.map((e) => e.leaf),
    };
  },
  // PorUna-byte/PAR @ b8caf406: shaped_reward with reward_sigmoid + reward_relative.
  "reward.par": (a) => ({
    rewards: parTransform({ k: a.sigmoidK as number, maxRef: a.maxRef as number, ...parShaping(a) }).update(
      { rewards: a.rewards as number[], context: parContext(a) },
      undefined,
    ).output,
  }),
  // The same repository's LSC baseline (reward_lsc): every reference, sample std + 1e-5, 85th percentile.
  "reward.lscPar": (a) => ({
    rewards: lscTransform(parShaping(a)).update({ rewards: a.rewards as number[], context: parContext(a) }, undefined).output,
  }),
  // ernie-research/MA-RLHF @ 807551d5, one sequence: layout "code" on the boundaries and the GAE.
  "advantage.macroGae": (a) => {
    const mask = [a.mask as number[]];
    const rule =
      a.termination === "ppl"
        ? ({ rule: "perplexity", ppl: [a.ppl as number[]], layout: "code" } as const)
        : ({ rule: "fixed", n: a.ngram as number, layout: "code" } as const);
    const { starts } = macroBoundaries(mask, rule);
    const out = macroGae(
      { values: [a.values as number[]], tokenRewards: [a.tokenRewards as number[]], mask, starts },
      {
        gamma: a.gamma as number,
        lambda: a.lambda as number,
        weighting: a.valueFunction as "equal" | "position",
        layout: "code",
        dtype: "float64",
      },
    );
    const boundaries = starts[0] as number[];
    return {
      boundaries,
      segmentSizes: spanSizes(boundaries, mask[0]?.length ?? 0),
      macroValues: out.macroValues.toArray()[0],
      macroRewards: out.macroRewards.toArray()[0],
      advantages: out.macroAdvantages.toArray()[0],
      returns: out.macroReturns.toArray()[0],
    };
  },
  // tlc4418/llm_optimization @ 416b03cc. ppo (get_reward): unbiased variance, coeff as given.
  // bon (get_ensemble_score): population variance, and `weight if weight else 1` turns a
  // coeff of null or 0 into 1 (a truthiness test we reproduce here, not in the library).
  "reward.ensemble": (a) => {
    const scores = a.scores as Rows; // [K][N]
    const members = (scores[0] ?? []).map((_, i) => scores.map((row) => row[i] as number)); // [N][K]
    const mode = (a.objective as string).toLowerCase() as "mean" | "wco" | "uwo";
    const coeff = a.coeff as number | null;
    const bon = a.variant === "bon";
    const lambda = bon ? coeff || 1 : coeff;
    const { rewards, variance } = ensembleRewards(members, { mode, unbiased: !bon, ...(lambda === null ? {} : { lambda }) });
    const r = rewards.toFlatArray();
    return bon ? { rewards: r, order: argsort(r) } : { rewards: r, variance: variance.toFlatArray() };
  },
};

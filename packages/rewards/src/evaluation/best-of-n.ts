import { z } from "zod";
import { assertFiniteResult, parseConfig, RLError, describeValue } from "@rl/core/arrays";

/** One Best-of-N candidate. */
export interface BestOfNCandidate {
  /** The reward-model score (e.g. an aggregated PRM score). */
  score: number;
  /** Whether the candidate's final answer is right. */
  correct: boolean;
  /** Final answer (needed for weighted self-consistency). */
  answer?: string;
  /** Generation log-probability: when present, the `n` most likely candidates form the pool. */
  logProb?: number;
}

function checkScores(xs: readonly number[], fn: string): void {
  if (!Array.isArray(xs)) throw new RLError("INVALID_INPUT", `${fn}: scores must be an array of numbers, got ${describeValue(xs)}`);
  xs.forEach((s, i) => {
    if (typeof s !== "number" || !Number.isFinite(s)) throw new RLError("NON_FINITE", `${fn}: scores[${i}] is ${describeValue(s)}`);
  });
}

/**
 * Best-of-N selection: the index of the highest score (the first one on ties); `null` when empty.
 *
 * @example
 * bestOfNSelect([0.2, 0.9, 0.9]); // 1
 * @remarks Nakano et al., WebGPT (arXiv:2112.09332); Lightman et al. (arXiv:2305.20050)
 */
export function bestOfNSelect(scores: readonly number[]): number | null {
  checkScores(scores, "bestOfNSelect");
  let best: number | null = null;
  scores.forEach((s, i) => {
    if (best === null || s > (scores[best] as number)) best = i;
  });
  return best;
}

/** Config schema of {@link weightedSelfConsistency} (zod; the defaults are the reference defaults). */
export const weightedSelfConsistencyConfig = z.object({
  /** Vote weight `f(score)`: `identity` (default), `sigmoid` (ImplicitPRM for implicit PRMs) or `uniform` (plain majority vote). */
  weight: z.enum(["identity", "sigmoid", "uniform"]).default("identity"),
});
/** Input type of `weightedSelfConsistencyConfig` (every field optional where it has a default). */
export type WeightedSelfConsistencyConfig = z.input<typeof weightedSelfConsistencyConfig>;

/**
 * Weighted self-consistency (docs/rewards/evaluation.md; ImplicitPRM `bon_eval.py`): group candidates by
 * final answer, score each answer `Σ_{y in group} f(score_y)`, return the argmax answer (the first
 * seen on ties) and the votes. Candidates without an answer are skipped; none left → `null`.
 *
 * @example
 * weightedSelfConsistency([{ answer: "4", score: 0.4 }, { answer: "4", score: 0.4 }, { answer: "5", score: 0.7 }]).answer; // "4"
 * @remarks Wang et al., Self-Consistency (arXiv:2203.11171); Yuan et al., Free Process Rewards (arXiv:2412.01981)
 */
export function weightedSelfConsistency(
  candidates: readonly { answer?: string | null; score: number }[],
  config: WeightedSelfConsistencyConfig = {},
): { answer: string | null; votes: Record<string, number> } {
  const { weight } = parseConfig(weightedSelfConsistencyConfig, config, "weightedSelfConsistency");
  if (!Array.isArray(candidates) || candidates.some((c) => typeof c !== "object" || c === null)) {
    throw new RLError("INVALID_INPUT", "weightedSelfConsistency: candidates must be an array of { answer, score }");
  }
  checkScores(candidates.map((c) => c.score), "weightedSelfConsistency");
  candidates.forEach((c, k) => {
    if (c.answer !== undefined && c.answer !== null && typeof c.answer !== "string") {
      throw new RLError("INVALID_INPUT", `weightedSelfConsistency: candidates[${k}].answer is ${describeValue(c.answer)}; expected a string or null`);
    }
  });
  const votes = new Map<string, number>();
  for (const c of candidates) {
    if (c.answer === undefined || c.answer === null) continue;
    const w = weight === "identity" ? c.score : weight === "sigmoid" ? 1 / (1 + Math.exp(-c.score)) : 1;
    votes.set(c.answer, (votes.get(c.answer) ?? 0) + w);
  }
  let answer: string | null = null;
  let best = -Infinity;
  for (const [a, v] of votes) {
    if (v > best) {
      best = v;
      answer = a;
    }
  }
  assertFiniteResult([...votes.values()], "weightedSelfConsistency", "votes", "scores overflow");
  return { answer, votes: Object.fromEntries(votes) };
}

/** Config schema of {@link bestOfNAccuracy} (zod; the defaults are the reference defaults). */
export const bestOfNAccuracyConfig = z.object({
  /** Pool size per problem (all candidates when omitted). */
  n: z.number().int().positive().optional(),
  /** `argmax` of the score (default) or weighted self-consistency over answers. */
  selection: z.enum(["argmax", "weightedVote"]).default("argmax"),
  /** Vote weight for `weightedVote`. */
  weight: z.enum(["identity", "sigmoid", "uniform"]).default("identity"),
});
/** Input type of `bestOfNAccuracyConfig` (every field optional where it has a default). */
export type BestOfNAccuracyConfig = z.input<typeof bestOfNAccuracyConfig>;

/**
 * Best-of-N accuracy (docs/rewards/evaluation.md; ImplicitPRM `bon_eval.py`): for each problem take a pool
 * of `n` candidates — the `n` with the highest `logProb` when every candidate has one, else the
 * first `n` — pick one (`argmax` score, or the answer of {@link weightedSelfConsistency}) and
 * average its correctness over problems. A voted answer is correct if its candidates are.
 *
 * Edge cases: no problems → error; a problem without candidates → error; `n` larger than a pool
 * uses the whole pool. Returns the per-problem selected index (`-1` never occurs for non-empty pools).
 *
 * @example
 * bestOfNAccuracy([[{ score: 0.2, correct: false }, { score: 0.9, correct: true }]]).accuracy; // 1
 * @remarks Lightman et al. (arXiv:2305.20050); Yuan et al. (arXiv:2412.01981)
 */
export function bestOfNAccuracy(
  problems: readonly (readonly BestOfNCandidate[])[],
  config: BestOfNAccuracyConfig = {},
): { accuracy: number; selected: number[] } {
  const { n, selection, weight } = parseConfig(bestOfNAccuracyConfig, config, "bestOfNAccuracy");
  if (!Array.isArray(problems) || problems.length === 0) throw new RLError("INVALID_INPUT", "bestOfNAccuracy: problems is empty");
  let correct = 0;
  const selected: number[] = [];
  problems.forEach((cands, p) => {
    if (!Array.isArray(cands) || cands.some((c) => typeof c !== "object" || c === null)) {
      throw new RLError("INVALID_INPUT", `bestOfNAccuracy: problems[${p}] must be an array of { score, correct }`);
    }
    if (!Array.isArray(cands) || cands.length === 0) throw new RLError("INVALID_INPUT", `bestOfNAccuracy: problems[${p}] has no candidates`);
    let pool = cands.map((c, i) => ({ c, i }));
    if (n !== undefined && n < pool.length) {
      if (pool.every(({ c }) => typeof c.logProb === "number")) {
        pool = [...pool].sort((a, b) => (b.c.logProb as number) - (a.c.logProb as number) || a.i - b.i).slice(0, n);
        pool.sort((a, b) => a.i - b.i);
      } else pool = pool.slice(0, n);
    }
    let pick: number;
    if (selection === "argmax") {
      pick = pool[bestOfNSelect(pool.map(({ c }) => c.score)) as number]!.i;
    } else {
      const missing = pool.findIndex(({ c }) => c.answer === undefined);
      if (missing >= 0) throw new RLError("INVALID_INPUT", `bestOfNAccuracy: problems[${p}][${pool[missing]!.i}] has no answer; weightedVote needs answers`);
      const { answer } = weightedSelfConsistency(pool.map(({ c }) => ({ answer: c.answer as string, score: c.score })), { weight });
      pick = pool.find(({ c }) => c.answer === answer)!.i;
    }
    selected.push(pick);
    if ((cands[pick] as BestOfNCandidate).correct) correct++;
  });
  return { accuracy: correct / problems.length, selected };
}

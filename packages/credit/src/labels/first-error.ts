import { Matrix, RLError, parseConfig, describeValue } from "@rl/core/arrays";
import { z } from "zod";
import { correctness } from "./math-shepherd.js";

/**
 * A completion oracle: samples one completion from the solution prefix made of the first
 * `prefixLength` steps and says whether it reaches the gold answer. `rollout` numbers the
 * samples of one prefix (0…k−1), for seeding.
 */
export type CompletionOracle = (prefixLength: number, rollout: number) => Promise<boolean | number>;

/** Config of {@link monteCarloValue}, {@link monteCarloStepLabels} and {@link firstErrorSearch}. */
export const monteCarloLabelsConfig = z.object({
  /** Completions per prefix, k. Default 8 (Math-Shepherd's N; OmegaPRM's k). */
  rollouts: z.number().int().positive().default(8),
  /** A prefix counts as wrong when `MC ≤ threshold`. Default 0 (no completion succeeds). */
  threshold: z.number().min(0).max(1).default(0),
});
export type MonteCarloLabelsConfig = z.input<typeof monteCarloLabelsConfig>;

/**
 * Monte-Carlo value of a solution prefix: `MC = c/k`, the fraction of k completions from the first
 * `prefixLength` steps that reach the gold answer (the k calls run concurrently).
 * Edge cases: an oracle answer that is not a boolean or 0/1 throws `RLError("INVALID_INPUT")`;
 * a rejected oracle promise propagates. Paper: OmegaPRM (arXiv:2406.06592), Math-Shepherd
 * (arXiv:2312.08935).
 *
 * @example
 * await monteCarloValue(2, async (_p, i) => i < 3, { rollouts: 8 }); // 0.375
 */
export async function monteCarloValue(
  prefixLength: number,
  complete: CompletionOracle,
  config: MonteCarloLabelsConfig = {},
): Promise<number> {
  const { rollouts } = parseConfig(monteCarloLabelsConfig, config, "monteCarloValue");
  return estimate(prefixLength, complete, rollouts, "monteCarloValue");
}

async function estimate(prefixLength: number, complete: CompletionOracle, k: number, fn: string): Promise<number> {
  if (typeof complete !== "function") throw new RLError("INVALID_INPUT", `${fn}: complete must be an async function (prefixLength, i) => answer, got ${typeof complete}`);
  if (!Number.isSafeInteger(prefixLength) || prefixLength < 0) throw new RLError("INVALID_INPUT", `${fn}: prefixLength must be a non-negative integer, got ${typeof prefixLength === "number" ? prefixLength : typeof prefixLength}`);
  const answers = await Promise.all(Array.from({ length: k }, (_, i) => complete(prefixLength, i)));
  let c = 0;
  answers.forEach((a, i) => (c += correctness(a, `completion oracle (prefix ${prefixLength}, rollout ${i})`)));
  return c / k;
}

/** Most steps a solution may have (a label array is allocated per step; 2^53 was a RangeError). */
const MAX_STEPS = 2 ** 24;

function checkSteps(numSteps: number, fn: string): void {
  if (typeof numSteps !== "number" || !Number.isInteger(numSteps) || numSteps < 1 || numSteps > MAX_STEPS) {
    throw new RLError("INVALID_INPUT", `${fn}: numSteps is ${describeValue(numSteps)}; expected a positive integer ≤ ${MAX_STEPS}`);
  }
}

/**
 * Math-Shepherd labels for every step of one solution, estimated with a completion oracle:
 * `soft_i = MC(prefix of i+1 steps)`, `hard_i = 𝟙[soft_i > threshold]`. Costs `K·k` completions
 * (compare {@link firstErrorSearch}: `O(k·log K)`).
 *
 * Defaults: k = 8, threshold 0. Edge cases: `numSteps < 1` throws `RLError("INVALID_INPUT")`.
 * Paper: Math-Shepherd (arXiv:2312.08935).
 *
 * @example
 * const { hard } = await monteCarloStepLabels(3, async (p) => p < 2); // hard [1, 0, 0]
 */
export async function monteCarloStepLabels(
  numSteps: number,
  complete: CompletionOracle,
  config: MonteCarloLabelsConfig = {},
): Promise<{ soft: Matrix; hard: Matrix }> {
  const fn = "monteCarloStepLabels";
  const { rollouts, threshold } = parseConfig(monteCarloLabelsConfig, config, fn);
  checkSteps(numSteps, fn);
  if (typeof complete !== "function") throw new RLError("INVALID_INPUT", `${fn}: complete must be a function (prefixLength) => Promise<boolean>`);
  const soft = Matrix.zeros([numSteps]);
  const hard = Matrix.zeros([numSteps]);
  for (let i = 0; i < numSteps; i++) {
    soft.data[i] = await estimate(i + 1, complete, rollouts, "monteCarloStepLabels");
    hard.data[i] = (soft.data[i] as number) > threshold ? 1 : 0;
  }
  return { soft, hard };
}

/**
 * OmegaPRM-style binary search for the first wrong step of a solution with K steps, given a
 * completion oracle. Over step indices `[l, r] = [0, K−1]`: `mid = ⌊(l+r)/2⌋`, estimate
 * `MC(prefix of mid+1 steps)`; if `MC ≤ threshold` the first error is at or before mid
 * (`r = mid − 1`), else `l = mid + 1`. The first error is `l` (0-based) or `null` when every
 * visited prefix can still succeed. Every visited prefix keeps its MC as a soft label.
 * Assumes monotonicity (a prefix containing an error cannot succeed), as the paper does.
 *
 * Defaults: k = 8 completions per prefix, threshold 0. Cost: `k·⌈log2(K+1)⌉` completions.
 * Edge cases: `numSteps < 1` throws; a bad oracle answer throws `RLError("INVALID_INPUT")`.
 * Paper: OmegaPRM, "Improve Mathematical Reasoning in Language Models by Automated Process
 * Supervision" (arXiv:2406.06592); the openr community port also re-estimates each node twice —
 * ours does not.
 *
 * @example
 * const oracle = async (prefixLength: number) => prefixLength < 3; // step index 2 is wrong
 * const { firstError } = await firstErrorSearch(5, oracle); // 2
 */
export async function firstErrorSearch(
  numSteps: number,
  complete: CompletionOracle,
  config: MonteCarloLabelsConfig = {},
): Promise<{ firstError: number | null; labels: Map<number, number>; completions: number }> {
  const fn = "firstErrorSearch";
  const { rollouts, threshold } = parseConfig(monteCarloLabelsConfig, config, fn);
  checkSteps(numSteps, fn);
  if (typeof complete !== "function") throw new RLError("INVALID_INPUT", `${fn}: complete must be a function (prefixLength) => Promise<boolean>`);
  const labels = new Map<number, number>();
  let l = 0;
  let r = numSteps - 1;
  while (l <= r) {
    const mid = Math.floor((l + r) / 2);
    const mc = await estimate(mid + 1, complete, rollouts, "firstErrorSearch");
    labels.set(mid + 1, mc);
    if (mc <= threshold) r = mid - 1;
    else l = mid + 1;
  }
  return { firstError: l < numSteps ? l : null, labels, completions: labels.size * rollouts };
}

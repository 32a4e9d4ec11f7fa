import { generate, type Rng } from "@rl/core";
import { taskDecoding, type Policy } from "./policy.js";
import { maxAnswerTokens } from "./sft.js";
import { EOS, PAD, encode, taskReward, type Problem } from "./task.js";

/** A preference pair over one problem: a correct (`chosen`) and a wrong (`rejected`) response, PAD-padded. */
export interface ResponsePair {
  readonly problem: Problem;
  /** `[L]` response ids, EOS then PAD. */
  readonly chosen: number[];
  /** `[L]` response ids. */
  readonly rejected: number[];
  /** `[L]` 0/1 masks. */
  readonly chosenMask: number[];
  readonly rejectedMask: number[];
}

/** Options of {@link samplePreferencePairs}. */
export interface PairSamplingOptions {
  /** Samples per problem. Default 8. */
  samplesPerProblem?: number;
  /** Sampling temperature. Default 1. */
  temperature?: number;
  /** Problems per generation batch. Default 32. */
  batchProblems?: number;
  /** Called after each generation batch with the pairs so far. */
  onBatch?: (done: number, total: number) => void;
}

/**
 * Preference pairs from the policy's own samples: for each problem, sample responses and pair the
 * first verified-correct one (chosen) with the wrong one of the highest reward (rejected; a
 * well-formed wrong answer beats a malformed one). Problems whose samples are all right or all
 * wrong give no pair — the pairs come where the policy is uncertain.
 *
 * @example
 * const pairs = samplePreferencePairs(policy, task.train.slice(0, 200), createRng(4));
 */
export function samplePreferencePairs(policy: Policy, problems: readonly Problem[], rng: Rng, options: PairSamplingOptions = {}): ResponsePair[] {
  const k = options.samplesPerProblem ?? 8;
  const batchProblems = options.batchProblems ?? 32;
  const L = maxAnswerTokens(problems);
  const pairs: ResponsePair[] = [];
  for (let start = 0; start < problems.length; start += batchProblems) {
    const batch = problems.slice(start, start + batchProblems);
    const rows = batch.flatMap((p) => new Array<Problem>(k).fill(p));
    const gen = generate(policy.decoder, rows.map((p) => p.promptIds), { ...taskDecoding, maxNewTokens: L, temperature: options.temperature ?? 1, rng });
    batch.forEach((p, j) => {
      const idx = Array.from({ length: k }, (_, s) => j * k + s);
      const scored = idx.map((i) => ({ i, r: taskReward(p, gen.tokenIds[i] as number[]) }));
      const right = scored.find((s) => s.r >= 1);
      const wrong = scored.filter((s) => s.r < 1).sort((a, b) => b.r - a.r)[0];
      if (right === undefined || wrong === undefined) return;
      const pad = (row: readonly number[]) => [...row, ...new Array<number>(L - row.length).fill(PAD)];
      const padMask = (row: readonly number[]) => [...row, ...new Array<number>(L - row.length).fill(0)];
      pairs.push({
        problem: p,
        chosen: pad(gen.tokenIds[right.i] as number[]),
        rejected: pad(gen.tokenIds[wrong.i] as number[]),
        chosenMask: padMask(gen.mask[right.i] as number[]),
        rejectedMask: padMask(gen.mask[wrong.i] as number[]),
      });
    });
    options.onBatch?.(Math.min(start + batchProblems, problems.length), problems.length);
  }
  return pairs;
}

/**
 * Synthetic preference pairs (no sampling): chosen = the true answer, rejected = a near miss
 * (the sum ± 1, ± 10, without its carry, or with two digits swapped). Augments the reward model's
 * data with every kind of mistake the policy makes, on many more prompts than sampling affords.
 *
 * @example
 * syntheticPairs(task.train.slice(0, 2000), createRng(9)).length; // 2000
 */
export function syntheticPairs(problems: readonly Problem[], rng: Rng): ResponsePair[] {
  if (problems.length === 0) return [];
  const L = maxAnswerTokens(problems);
  const digits = L - 2;
  return problems.map((p) => {
    const sum = p.a + p.b;
    const noCarry = Number([...String(p.a).padStart(digits, "0")].map((d, i) => (Number(d) + Number(String(p.b).padStart(digits, "0")[i])) % 10).join(""));
    const swapped = Number([...String(sum)].reverse().join(""));
    const candidates = [sum + 1, sum - 1, sum + 10, sum - 10, noCarry, swapped].filter((x) => x >= 0 && x !== sum && String(x).length <= digits + 1);
    const wrong = candidates[rng.int(candidates.length)] ?? sum + 1;
    const ids = (n: number) => [...encode(String(n)), EOS];
    const pad = (row: readonly number[]) => [...row, ...new Array<number>(L - row.length).fill(PAD)];
    const mask = (row: readonly number[]) => [...new Array<number>(row.length).fill(1), ...new Array<number>(L - row.length).fill(0)];
    const c = ids(sum);
    const r = ids(wrong);
    return { problem: p, chosen: pad(c), rejected: pad(r), chosenMask: mask(c), rejectedMask: mask(r) };
  });
}

import { z } from "zod";
import { describeValue, parseConfig, RLError } from "@rl/core/arrays";

function checkLength(length: number, fn: string): void {
  if (!Number.isInteger(length) || length < 0) {
    throw new RLError("INVALID_INPUT", `${fn}: length must be a non-negative integer token count, got ${describeValue(length)}`);
  }
}

/** Config schema of {@link dapoOverlongPenalty} (zod; the defaults are the reference defaults). */
export const dapoOverlongPenaltyConfig = z
  .object({
    /** `L_max`: the maximum response length in tokens. */
    maxLength: z.number().int().positive(),
    /** `L_c`: the soft-punishment buffer before `L_max` (0 = hard cutoff). */
    cacheLength: z.number().int().nonnegative(),
    /** verl's `penalty_factor`: multiplies the penalty. */
    penaltyFactor: z.number().nonnegative().default(1),
    /** `paper`: −1 beyond `L_max` (DAPO Eq. 13); `verl`: the linear ramp continues (no floor). */
    variant: z.enum(["paper", "verl"]).default("paper"),
  })
  .refine((c) => c.cacheLength <= c.maxLength, { message: "cacheLength must be ≤ maxLength", path: ["cacheLength"] });
/** Input type of `dapoOverlongPenaltyConfig` (every field optional where it has a default). */
export type DapoOverlongPenaltyConfig = z.input<typeof dapoOverlongPenaltyConfig>;

/**
 * DAPO's soft overlong punishment (Eq. 13; docs/rewards/verifiable.md), added to the correctness
 * reward. With `L_max` = maxLength, `L_c` = cacheLength, `|y|` = token count:
 *
 * - `0` if `|y| ≤ L_max − L_c`;
 * - `((L_max − L_c) − |y|) / L_c · factor` if `L_max − L_c < |y| ≤ L_max`;
 * - `−1 · factor` if `|y| > L_max` (`variant: "paper"`, default), or the ramp continued
 *   (`variant: "verl"`: `min(−(|y| − (L_max − L_c))/L_c · factor, 0)`, verl's reward manager).
 *
 * Edge cases: `L_c = 0` is a hard cutoff (0 up to `L_max`, then −factor; verl variant also −factor).
 *
 * @example
 * [70, 80, 90, 100, 120].map((n) => dapoOverlongPenalty(n, { maxLength: 100, cacheLength: 20 }));
 * // [0, 0, -0.5, -1, -1]; verl variant at 120: -2
 * @remarks DAPO (arXiv:2503.14476)
 */
export function dapoOverlongPenalty(length: number, config: DapoOverlongPenaltyConfig): number {
  const { maxLength, cacheLength, penaltyFactor, variant } = parseConfig(dapoOverlongPenaltyConfig, config, "dapoOverlongPenalty");
  checkLength(length, "dapoOverlongPenalty");
  const expected = maxLength - cacheLength;
  if (length <= expected) return 0;
  if (cacheLength === 0) return -penaltyFactor;
  const ramp = ((expected - length) / cacheLength) * penaltyFactor;
  if (variant === "verl") return Math.min(ramp, 0);
  return length <= maxLength ? ramp : -penaltyFactor;
}

/** Config schema of {@link linearOverlongPenalty} (zod; the defaults are the PAR code's). */
export const linearOverlongPenaltyConfig = z.object({
  /** Tokens allowed without penalty (PAR's `--gen_valid_len`). */
  genValidLen: z.number().int().nonnegative().default(300),
  /** Penalty per token beyond `genValidLen` (PAR's `--len_penalty`). */
  lenPenalty: z.number().nonnegative().default(0.01),
});
/** Input type of `linearOverlongPenaltyConfig` (every field optional where it has a default). */
export type LinearOverlongPenaltyConfig = z.input<typeof linearOverlongPenaltyConfig>;

/**
 * The linear length penalty of the PAR code's reward shaper (PorUna-byte/PAR @ b8caf406,
 * `RewardShaper.shaped_reward`), added to the raw reward before any shaping:
 * `−lenPenalty · max(0, |y| − genValidLen)`.
 *
 * Defaults `genValidLen = 300`, `lenPenalty = 0.01` (the code's). `|y| ≤ genValidLen` → 0.
 *
 * @example
 * [250, 300, 350].map((n) => linearOverlongPenalty(n)); // [0, 0, -0.5]
 * @remarks Fu et al., Reward Shaping to Mitigate Reward Hacking in RLHF (arXiv:2502.18770)
 */
export function linearOverlongPenalty(length: number, config: LinearOverlongPenaltyConfig = {}): number {
  const { genValidLen, lenPenalty } = parseConfig(linearOverlongPenaltyConfig, config, "linearOverlongPenalty");
  checkLength(length, "linearOverlongPenalty");
  const penalty = length > genValidLen ? -lenPenalty * (length - genValidLen) : 0;
  return penalty === 0 ? 0 : penalty; // no -0
}

/** Config schema of {@link cosineScaledReward} (zod; the defaults are the reference defaults). */
export const cosineScaledRewardConfig = z.object({
  /** `L_max`: length at which the cosine reaches its end value. */
  maxLength: z.number().int().positive(),
  minWrong: z.number().default(-1),
  maxWrong: z.number().default(-0.5),
  minCorrect: z.number().default(0.5),
  maxCorrect: z.number().default(1),
});
/** Input type of `cosineScaledRewardConfig` (every field optional where it has a default). */
export type CosineScaledRewardConfig = z.input<typeof cosineScaledRewardConfig>;

/**
 * Cosine length-scaled correctness reward ("Demystifying Long CoT", App. C.1; TRL
 * `get_cosine_scaled_reward`; docs/rewards/verifiable.md):
 * `progress = min(|y|/L_max, 1)`, `R = v_lo + ½(v_hi − v_lo)(1 + cos(π·progress))` with
 * `(v_lo, v_hi) = (minCorrect, maxCorrect)` when correct — short correct answers earn most — and
 * `(maxWrong, minWrong)` when wrong — short wrong answers are punished most.
 *
 * Defaults `minWrong = −1, maxWrong = −0.5, minCorrect = 0.5, maxCorrect = 1`. `correct = null`
 * (unparsable gold) → `null`; past `L_max` the value stays at its end point (clamped progress).
 *
 * @example
 * [0, 50, 100, 150].map((n) => cosineScaledReward(n, true, { maxLength: 100 }));  // [1, 0.75, 0.5, 0.5]
 * [0, 50, 100, 150].map((n) => cosineScaledReward(n, false, { maxLength: 100 })); // [-1, -0.75, -0.5, -0.5]
 * @remarks Yeo et al., Demystifying Long Chain-of-Thought Reasoning (arXiv:2502.03373)
 */
export function cosineScaledReward(length: number, correct: boolean | null, config: CosineScaledRewardConfig): number | null {
  const c = parseConfig(cosineScaledRewardConfig, config, "cosineScaledReward");
  checkLength(length, "cosineScaledReward");
  if (correct === null) return null;
  const progress = Math.min(length / c.maxLength, 1);
  const [lo, hi] = correct ? [c.minCorrect, c.maxCorrect] : [c.maxWrong, c.minWrong];
  return lo + 0.5 * (hi - lo) * (1 + Math.cos(Math.PI * progress));
}

/** Config schema of {@link repetitionPenalty} (zod; the defaults are the reference defaults). */
export const repetitionPenaltyConfig = z.object({
  /** n-gram size. */
  ngramSize: z.number().int().positive().default(3),
  /** The penalty at full repetition; must be ≤ 0. */
  maxPenalty: z.number().max(0, "maxPenalty must be ≤ 0").default(-1),
});
/** Input type of `repetitionPenaltyConfig` (every field optional where it has a default). */
export type RepetitionPenaltyConfig = z.input<typeof repetitionPenaltyConfig>;

/**
 * n-gram repetition penalty ("Demystifying Long CoT", App. C.2; TRL
 * `get_repetition_penalty_reward`; docs/rewards/verifiable.md): over the token ids,
 * `R = (1 − #unique n-grams / #n-grams) · maxPenalty`.
 *
 * Defaults `ngramSize = 3`, `maxPenalty = −1`. Fewer than `n` tokens → 0. `maxPenalty > 0` → error.
 *
 * @example
 * repetitionPenalty([1, 2, 3, 4], { ngramSize: 2 });    // 0
 * repetitionPenalty([5, 5, 5, 5, 5], { ngramSize: 2 }); // -0.75
 * repetitionPenalty([1, 2, 1, 2, 1], { ngramSize: 2 }); // -0.5
 * @remarks Yeo et al. (arXiv:2502.03373)
 */
export function repetitionPenalty(tokenIds: readonly number[], config: RepetitionPenaltyConfig = {}): number {
  const { ngramSize, maxPenalty } = parseConfig(repetitionPenaltyConfig, config, "repetitionPenalty");
  if (!Array.isArray(tokenIds)) throw new RLError("INVALID_INPUT", "repetitionPenalty: tokenIds must be an array of token ids");
  tokenIds.forEach((id, k) => {
    if (!Number.isInteger(id)) throw new RLError("INVALID_INPUT", `repetitionPenalty: tokenIds[${k}] is ${describeValue(id)}; expected an integer token id`);
  });
  if (tokenIds.length < ngramSize) return 0;
  const seen = new Set<string>();
  const total = tokenIds.length - ngramSize + 1;
  for (let i = 0; i < total; i++) seen.add(tokenIds.slice(i, i + ngramSize).join(","));
  const penalty = (1 - seen.size / total) * maxPenalty;
  return penalty === 0 ? 0 : penalty; // no -0
}

/** Config schema of {@link linearLengthPenalty} (zod; the defaults are the reference defaults). */
export const linearLengthPenaltyConfig = z.object({
  /** Tokens allowed before the penalty starts (PAR `gen_valid_len`). */
  freeTokens: z.number().int().nonnegative().default(300),
  /** Penalty per token beyond `freeTokens` (PAR `len_penalty`). */
  perToken: z.number().nonnegative().default(0.01),
});
/** Input type of `linearLengthPenaltyConfig` (every field optional where it has a default). */
export type LinearLengthPenaltyConfig = z.input<typeof linearLengthPenaltyConfig>;

/**
 * PAR's default length penalty (docs/rewards/verifiable.md), added to the reward before any shaping:
 * `−perToken · max(0, |y| − freeTokens)`. Defaults `freeTokens = 300`, `perToken = 0.01`.
 *
 * @example
 * linearLengthPenalty(350); // -0.5  (a raw reward of 1 becomes 0.5)
 * @remarks PAR (arXiv:2502.18770)
 */
export function linearLengthPenalty(length: number, config: LinearLengthPenaltyConfig = {}): number {
  const { freeTokens, perToken } = parseConfig(linearLengthPenaltyConfig, config, "linearLengthPenalty");
  checkLength(length, "linearLengthPenalty");
  const over = Math.max(0, length - freeTokens);
  return over === 0 ? 0 : -perToken * over;
}

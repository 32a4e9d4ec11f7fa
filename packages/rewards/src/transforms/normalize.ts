import { z } from "zod";
import { assertFiniteResult, describeValue, parseConfig, RLError } from "@rl/core/arrays";
import { checkRewardBatch, statelessTransform, type RewardBatch, type RewardTransform } from "./types.js";

/** Config schema of {@link normalizeRewards} (zod; the defaults are the reference defaults). */
export const normalizeRewardsConfig = z.object({
  /** Subtracted from every reward. */
  mean: z.number().default(0),
  /** Divides every centred reward; must be > 0. */
  std: z.number().positive().default(1),
});
/** Input type of `normalizeRewardsConfig` (every field optional where it has a default). */
export type NormalizeRewardsConfig = z.input<typeof normalizeRewardsConfig>;

/**
 * Static normalisation `(r − μ)/σ` with stored statistics (OpenRLHF's reward-model `mean`/`std`;
 * docs/rewards/transforms.md). With the default `std = 1` it is pure centring `r − μ`.
 * `null` entries pass through.
 *
 * Keeps the order of the rewards (σ > 0), so rankings and pairwise accuracies are unchanged.
 *
 * @example
 * normalizeRewards([1, 3, null], { mean: 2, std: 2 }); // [-0.5, 0.5, null]
 * @remarks OpenRLHF (arXiv:2405.11143)
 */
export function normalizeRewards(rewards: RewardBatch, config: NormalizeRewardsConfig = {}): (number | null)[] {
  const { mean, std } = parseConfig(normalizeRewardsConfig, config, "normalizeRewards");
  return checkRewardBatch(rewards, "normalizeRewards").map((r) => (r === null ? null : (r - mean) / std));
}

/** {@link normalizeRewards} as a stateless transform. */
export function normalizeTransform(config: NormalizeRewardsConfig = {}): RewardTransform<undefined> {
  const cfg = parseConfig(normalizeRewardsConfig, config, "normalizeTransform");
  return statelessTransform((r) => normalizeRewards(r, cfg));
}

/** Config schema of {@link clipRewards} (zod; the defaults are the reference defaults). */
export const clipRewardsConfig = z
  .object({
    /** Lower bound (none when omitted). */
    min: z.number().optional(),
    /** Upper bound (none when omitted). */
    max: z.number().optional(),
  })
  .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, { message: "min must be ≤ max", path: ["min"] });
/** Input type of `clipRewardsConfig` (every field optional where it has a default). */
export type ClipRewardsConfig = z.input<typeof clipRewardsConfig>;

/**
 * Clips rewards to `[min, max]` (PAR's **Ceil** baseline is `clipRewards(r, { max: c })`;
 * docs/rewards/transforms.md). `null` passes through. Monotone (order kept, ties may appear).
 *
 * @example
 * clipRewards([-5, 0.5, 7], { min: -1, max: 3 }); // [-1, 0.5, 3]
 * @remarks PAR (arXiv:2502.18770)
 */
export function clipRewards(rewards: RewardBatch, config: ClipRewardsConfig = {}): (number | null)[] {
  const { min = -Infinity, max = Infinity } = parseConfig(clipRewardsConfig, config, "clipRewards");
  return checkRewardBatch(rewards, "clipRewards").map((r) => (r === null ? null : Math.min(Math.max(r, min), max)));
}

/** {@link clipRewards} as a stateless transform. */
export function clipTransform(config: ClipRewardsConfig = {}): RewardTransform<undefined> {
  const cfg = parseConfig(clipRewardsConfig, config, "clipTransform");
  return statelessTransform((r) => clipRewards(r, cfg));
}

/** State of {@link runningRewardNormalizer}: Chan's running moments plus running extremes. */
export interface RunningRewardStats {
  count: number;
  mean: number;
  /** Sum of squared deviations (population variance = m2 / count). */
  m2: number;
  min: number;
  max: number;
}

/** Config schema of {@link runningRewardNormalizer} (zod; the defaults are the reference defaults). */
export const runningRewardNormalizerConfig = z.object({
  /**
   * `meanstd`: `(r − μ)/σ` (σ = 0 → divide by 1); `center`: `r − μ`; `clip`: clamp to `[μ − σ, μ + σ]`;
   * `minmax`: `(r − min)/(max − min)` (max = min → 0.5).
   */
  mode: z.enum(["meanstd", "center", "clip", "minmax"]).default("meanstd"),
});
/** Input type of `runningRewardNormalizerConfig` (every field optional where it has a default). */
export type RunningRewardNormalizerConfig = z.input<typeof runningRewardNormalizerConfig>;

/**
 * Merges a batch into running statistics (Chan et al.'s parallel update, **population** variance,
 * as PAR's `RunningStats.update`): `n' = n + b`, `δ = mean_b − μ`, `μ' = μ + δ·b/n'`,
 * `M2' = M2 + var_b·b + δ²·n·b/n'`. `null` entries are skipped; an all-null batch changes nothing.
 * An empty state (`count` 0) contributes nothing, whatever its `mean`. Rewards or a mean so large
 * that the variance overflows float64 (|δ| beyond ~1e154) get `RLError("NON_FINITE")`, never ±Infinity.
 *
 * @example
 * updateRunningRewardStats(updateRunningRewardStats(emptyRunningRewardStats(), [1, 2, 3]), [4, 5]);
 * // { count: 5, mean: 3, m2: 10, min: 1, max: 5 }
 * @remarks Chan, Golub & LeVeque (1979); PAR (arXiv:2502.18770)
 */
export function updateRunningRewardStats(state: RunningRewardStats, rewards: RewardBatch): RunningRewardStats {
  state = checkRunningRewardStats(state, "updateRunningRewardStats");
  const xs = checkRewardBatch(rewards, "updateRunningRewardStats").filter((r): r is number => r !== null);
  const b = xs.length;
  if (b === 0) return { ...state };
  const meanB = xs.reduce((s, x) => s + x, 0) / b;
  const m2B = xs.reduce((s, x) => s + (x - meanB) ** 2, 0);
  const n = state.count + b;
  // an empty state's mean is not used (its weight is 0): δ²·0 would be NaN when δ² overflows
  const delta = state.count === 0 ? 0 : meanB - state.mean;
  const next = {
    count: n,
    mean: state.count === 0 ? meanB : state.mean + delta * (b / n),
    m2: state.m2 + m2B + (delta * (delta * ((state.count * b) / n))),
    min: xs.reduce((a, x) => (x < a ? x : a), state.min),
    max: xs.reduce((a, x) => (x > a ? x : a), state.max),
  };
  assertFiniteResult([next.mean, next.m2], "updateRunningRewardStats", "the running mean / m2", "rewards or state.mean beyond ~1e154 overflow the float64 variance; rescale the rewards");
  return next;
}

/**
 * Validates a {@link RunningRewardStats} (e.g. one restored from JSON) and returns it normalised:
 * `count` a non-negative integer, `mean` and `m2 ≥ 0` finite, `min`/`max` finite once `count > 0`.
 * JSON writes ±Infinity as `null`, so a `null` extreme reads as the empty one (`min` +∞, `max` −∞):
 * every state survives a `JSON.stringify` / `JSON.parse` round trip.
 */
function checkRunningRewardStats(state: unknown, fn: string): RunningRewardStats {
  if (state === null || typeof state !== "object") {
    throw new RLError("INVALID_INPUT", `${fn}: state must come from init() / emptyRunningRewardStats() or a previous update()`);
  }
  const s = state as Record<string, unknown>;
  const count = s.count;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
    throw new RLError("INVALID_INPUT", `${fn}: state.count must be a non-negative integer, got ${describeValue(count)}`);
  }
  for (const key of ["mean", "m2"] as const) {
    const v = s[key];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new RLError("INVALID_INPUT", `${fn}: state.${key} must be a finite number, got ${describeValue(v)}`);
  }
  if ((s.m2 as number) < 0) throw new RLError("INVALID_INPUT", `${fn}: state.m2 must be ≥ 0, got ${String(s.m2)}`);
  const extreme = (key: "min" | "max", empty: number): number => {
    const v = s[key];
    if (v === null || v === undefined) {
      if (count > 0) throw new RLError("INVALID_INPUT", `${fn}: state.${key} is missing but state.count is ${count}`);
      return empty;
    }
    if (typeof v !== "number" || Number.isNaN(v) || (count > 0 && !Number.isFinite(v))) {
      throw new RLError("INVALID_INPUT", `${fn}: state.${key} must be a ${count > 0 ? "finite " : ""}number, got ${describeValue(v)}`);
    }
    return v;
  };
  return { count, mean: s.mean as number, m2: s.m2 as number, min: extreme("min", Infinity), max: extreme("max", -Infinity) };
}

/** The empty running statistics (count 0, mean 0, min +∞, max −∞; JSON saves the extremes as `null`, which reads back as empty). */
export function emptyRunningRewardStats(): RunningRewardStats {
  return { count: 0, mean: 0, m2: 0, min: Infinity, max: -Infinity };
}

/**
 * Running reward normalisation as a stateful transform (docs/rewards/transforms.md; PAR's Meanstd, Clip
 * and Minmax baselines). Order as in PAR: **update the statistics with the current batch first,
 * then transform it**. σ = sqrt(M2/n) (population), 0 while n ≤ 1.
 *
 * Modes: `meanstd` (default) `(r − μ)/σ`, dividing by 1 when σ = 0; `center` `r − μ`; `clip`
 * `clamp(r, μ − σ, μ + σ)`; `minmax` `(r − min)/(max − min)` with running extremes, 0.5 when
 * max = min (PAR leaves this division unguarded). `null` rewards pass through and are not counted.
 * All modes are monotone within a batch.
 *
 * @example
 * const t = runningRewardNormalizer();
 * let s = t.init();
 * s = t.update({ rewards: [1, 2, 3] }, s).state;
 * t.update({ rewards: [5] }, s).output; // [1.5] (μ = 2.75, σ = 1.479 after merging 5)
 * @remarks PAR (arXiv:2502.18770)
 */
export function runningRewardNormalizer(config: RunningRewardNormalizerConfig = {}): RewardTransform<RunningRewardStats> {
  const { mode } = parseConfig(runningRewardNormalizerConfig, config, "runningRewardNormalizer");
  return {
    init: emptyRunningRewardStats,
    update: (input, state) => {
      state = checkRunningRewardStats(state, "runningRewardNormalizer");
      const next = updateRunningRewardStats(state, input.rewards);
      const std = next.count > 1 ? Math.sqrt(next.m2 / next.count) : 0;
      const output = checkRewardBatch(input.rewards, "runningRewardNormalizer").map((r) => {
        if (r === null) return null;
        switch (mode) {
          case "meanstd":
            return (r - next.mean) / (std > 0 ? std : 1);
          case "center":
            return r - next.mean;
          case "clip":
            return Math.min(Math.max(r, next.mean - std), next.mean + std);
          case "minmax":
            return next.max > next.min ? (r - next.min) / (next.max - next.min) : 0.5;
        }
      });
      return { output, state: next };
    },
  };
}

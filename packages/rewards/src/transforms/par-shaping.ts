import { z } from "zod";
import { RLError, describeValue } from "@rl/core/arrays";
import { linearOverlongPenalty } from "../verifiable/length.js";
import { clipRewards } from "./normalize.js";
import type { RewardTransformInput } from "./types.js";

/**
 * The steps the PAR code's `RewardShaper.shaped_reward` (PorUna-byte/PAR @ b8caf406) runs before
 * any shaping, in this order: the ceiling `min(r, rewardCeil)` (`--reward_ceil`), then the length
 * penalty `r − lenPenalty · max(0, len − genValidLen)` ({@link linearOverlongPenalty};
 * `--reward_penalize_length`, `--gen_valid_len`, `--len_penalty`) read from
 * `context.responseLengths`. `penalizeLength` defaults to `penalizeByDefault`.
 * @internal
 */
export function parShapingFields(penalizeByDefault: boolean) {
  return {
    /** Ceiling applied first (`null`: none). */
    rewardCeil: z.number().nullable().default(null),
    /** Subtract the length penalty (needs `context.responseLengths`). */
    penalizeLength: z.boolean().default(penalizeByDefault),
    /** Tokens allowed without penalty. */
    genValidLen: z.number().int().nonnegative().default(300),
    /** Penalty per token beyond `genValidLen`. */
    lenPenalty: z.number().nonnegative().default(0.01),
  };
}

/** Parsed {@link parShapingFields}. @internal */
export interface ParShaping {
  rewardCeil: number | null;
  penalizeLength: boolean;
  genValidLen: number;
  lenPenalty: number;
}

/** Applies the ceiling and the length penalty of {@link parShapingFields} to a checked batch. @internal */
export function applyParShaping(rewards: readonly (number | null)[], input: RewardTransformInput, cfg: ParShaping, fn: string): (number | null)[] {
  const capped = cfg.rewardCeil === null ? [...rewards] : clipRewards(rewards, { max: cfg.rewardCeil });
  if (!cfg.penalizeLength) return capped;
  const lengths = input.context?.responseLengths;
  if (lengths === undefined) {
    throw new RLError("INVALID_INPUT", `${fn}: context.responseLengths is required when penalizeLength is true (the PAR code's default); pass penalizeLength: false to skip the length penalty`);
  }
  if (lengths.length !== rewards.length) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: context.responseLengths has ${lengths.length} entries, rewards has ${rewards.length}`);
  }
  const penalty = { genValidLen: cfg.genValidLen, lenPenalty: cfg.lenPenalty };
  return capped.map((r, i) => {
    const len = lengths[i];
    if (typeof len !== "number" || !Number.isInteger(len) || len < 0) {
      throw new RLError("INVALID_INPUT", `${fn}: context.responseLengths[${i}] is ${describeValue(len)}; expected a non-negative integer token count`);
    }
    return r === null ? null : r + linearOverlongPenalty(len, penalty);
  });
}

import type { either } from "fp-ts";
import { z } from "zod";
import { parseInput } from "../config.js";
import { tryRL, type RLError } from "../errors.js";

const finite = z.number().refine(Number.isFinite, { message: "must be a finite number" });
const bit = z.union([z.literal(0), z.literal(1)]);

/**
 * Tolerance above 0 a log-prob may have (float rounding in a server's log-softmax). A log-prob
 * above it would be a probability above 1: impossible, so it is rejected.
 */
export const LOG_PROB_TOLERANCE = 1e-6;

/**
 * A log-probability: finite and ≤ 0 (up to {@link LOG_PROB_TOLERANCE}). Used by every parser of
 * server log-probs and by the rollout schemas, so an impossible value (e.g. `3.5`) is refused at
 * the boundary.
 */
export const logProbValueSchema = z
  .number()
  .refine(Number.isFinite, { message: "must be a finite number" })
  .refine((v) => v <= LOG_PROB_TOLERANCE, { message: "is a log-probability above 0 (a probability above 1)" });

/**
 * A preference pair: a prompt with a preferred (`chosen`) and a dispreferred (`rejected`)
 * response, and an optional margin (how strongly chosen is preferred; Llama-2's margin BT loss).
 */
export const preferencePairSchema = z.object({
  prompt: z.string(),
  chosen: z.string(),
  rejected: z.string(),
  margin: finite.optional(),
  id: z.string().optional(),
});
/** A preference pair (see {@link preferencePairSchema}). */
export type PreferencePair = z.output<typeof preferencePairSchema>;

/** One sampled response of a rollout group. */
export const rolloutResponseSchema = z
  .object({
    /** Response token ids. */
    tokenIds: z.array(z.number().int().nonnegative()),
    /** Behaviour-policy log-prob of each token (optional). */
    logProbs: z.array(logProbValueSchema).optional(),
    /** 0/1 loss mask per token (default: all 1). */
    mask: z.array(bit).optional(),
    /** Outcome reward; `null` = "no signal" (never coerced to 0). */
    reward: finite.nullable(),
    /** Decoded text (optional). */
    text: z.string().optional(),
    /** Why sampling stopped (`"stop"`, `"length"`, …; OpenAI `finish_reason`), `null` when unknown. */
    finishReason: z.string().nullable().optional(),
    /** Token index of the last token of each step (process rewards), strictly increasing. */
    stepBoundaries: z.array(z.number().int().nonnegative()).optional(),
    /** One reward per step. */
    stepRewards: z.array(finite).optional(),
  })
  .superRefine((r, ctx) => {
    const T = r.tokenIds.length;
    if (r.logProbs !== undefined && r.logProbs.length !== T) {
      ctx.addIssue({ code: "custom", path: ["logProbs"], message: `has ${r.logProbs.length} entries, tokenIds has ${T}` });
    }
    if (r.mask !== undefined && r.mask.length !== T) {
      ctx.addIssue({ code: "custom", path: ["mask"], message: `has ${r.mask.length} entries, tokenIds has ${T}` });
    }
    if (r.stepBoundaries !== undefined) {
      r.stepBoundaries.forEach((b, k) => {
        if (b >= T) ctx.addIssue({ code: "custom", path: ["stepBoundaries", k], message: `${b} is past the last token (${T - 1})` });
        const prev = r.stepBoundaries?.[k - 1];
        if (prev !== undefined && b <= prev) {
          ctx.addIssue({ code: "custom", path: ["stepBoundaries", k], message: "must be strictly increasing" });
        }
      });
    }
    if (r.stepRewards !== undefined && r.stepBoundaries?.length !== r.stepRewards.length) {
      ctx.addIssue({
        code: "custom",
        path: ["stepRewards"],
        message: `has ${r.stepRewards.length} entries, stepBoundaries has ${r.stepBoundaries?.length ?? 0}`,
      });
    }
  });
/** One response of a rollout group. */
export type RolloutResponse = z.output<typeof rolloutResponseSchema>;

/** A rollout group: the responses sampled for one prompt (the unit of group credit). */
export const rolloutGroupSchema = z.object({
  promptId: z.string(),
  prompt: z.string().optional(),
  promptTokenIds: z.array(z.number().int().nonnegative()).optional(),
  responses: z.array(rolloutResponseSchema).min(1),
});
/** A rollout group (see {@link rolloutGroupSchema}). */
export type RolloutGroup = z.output<typeof rolloutGroupSchema>;

const matrixSchema = z.array(z.array(finite));

/**
 * A padded token batch `[B, T]`: token ids, the 0/1 mask, and optional per-token log-probs
 * (behaviour and reference) and group ids. Every matrix has the shape of `tokenIds`.
 */
export const tokenBatchSchema = z
  .object({
    tokenIds: z.array(z.array(z.number().int().nonnegative())),
    mask: z.array(z.array(bit)),
    logProbs: matrixSchema.optional(),
    refLogProbs: matrixSchema.optional(),
    groups: z.array(z.union([z.number(), z.string()])).optional(),
  })
  .superRefine((b, ctx) => {
    const B = b.tokenIds.length;
    const T = b.tokenIds[0]?.length ?? 0;
    b.tokenIds.forEach((row, i) => {
      if (row.length !== T) ctx.addIssue({ code: "custom", path: ["tokenIds", i], message: `has ${row.length} entries, row 0 has ${T}` });
    });
    for (const key of ["mask", "logProbs", "refLogProbs"] as const) {
      const m = b[key];
      if (m === undefined) continue;
      if (m.length !== B) ctx.addIssue({ code: "custom", path: [key], message: `has ${m.length} rows, tokenIds has ${B}` });
      m.forEach((row, i) => {
        if (row.length !== T) ctx.addIssue({ code: "custom", path: [key, i], message: `has ${row.length} entries, tokenIds rows have ${T}` });
      });
    }
    if (b.groups !== undefined && b.groups.length !== B) {
      ctx.addIssue({ code: "custom", path: ["groups"], message: `has ${b.groups.length} entries, tokenIds has ${B} rows` });
    }
  });
/** A padded token batch (see {@link tokenBatchSchema}). */
export type TokenBatch = z.output<typeof tokenBatchSchema>;

/**
 * Decodes unknown data as a {@link PreferencePair}: `Right(pair)` or `Left(RLError)` whose
 * message names the offending field and whose `issues` are zod's.
 * @example
 * decodePreferencePair({ prompt: "2+2?", chosen: "4", rejected: "5" }); // Right
 */
export function decodePreferencePair(input: unknown): either.Either<RLError, PreferencePair> {
  return tryRL(() => parseInput(preferencePairSchema, input, "decodePreferencePair", "preference pair"));
}

/**
 * Decodes unknown data as a {@link RolloutGroup} (Either, see {@link decodePreferencePair}).
 */
export function decodeRolloutGroup(input: unknown): either.Either<RLError, RolloutGroup> {
  return tryRL(() => parseInput(rolloutGroupSchema, input, "decodeRolloutGroup", "rollout group"));
}

/**
 * Decodes unknown data as a {@link TokenBatch} (Either, see {@link decodePreferencePair}).
 */
export function decodeTokenBatch(input: unknown): either.Either<RLError, TokenBatch> {
  return tryRL(() => parseInput(tokenBatchSchema, input, "decodeTokenBatch", "token batch"));
}

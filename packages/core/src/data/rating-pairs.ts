import { z } from "zod";
import { parseConfig, parseInput } from "../config.js";
import { createRng } from "../random/rng.js";
import type { PreferencePair } from "../schemas/data.js";
import { ktoRecordSchema, type KtoRecord } from "./preference-formats.js";

const finite = z.number().refine(Number.isFinite, { message: "must be a finite number" });

/** One thumbs rating: `thumb` is `"up"` / `"down"` (or `true` / `false`). */
export const thumbRatingSchema = z.object({
  prompt: z.string(),
  response: z.string(),
  thumb: z.union([z.enum(["up", "down"]), z.boolean()]),
  userId: z.string().optional(),
});
/** A thumbs rating (see {@link thumbRatingSchema}). */
export type ThumbRating = z.input<typeof thumbRatingSchema>;

/** One star (or any numeric) rating of a response. */
export const starRatingSchema = z.object({
  prompt: z.string(),
  response: z.string(),
  stars: finite,
  userId: z.string().optional(),
});
/** A star rating (see {@link starRatingSchema}). */
export type StarRating = z.input<typeof starRatingSchema>;

/** Several scored drafts for one prompt (e.g. a multi-draft comparison UI). */
export const draftGroupSchema = z.object({
  prompt: z.string(),
  drafts: z.array(z.object({ response: z.string(), score: finite })),
});
/** A group of scored drafts (see {@link draftGroupSchema}). */
export type DraftGroup = z.input<typeof draftGroupSchema>;

/**
 * Config of the rating → pair builders.
 * - `pairing`: `"all"` (default) every pair of responses with different scores;
 *   `"best-worst"` one pair per prompt, the best against the worst (first seen wins ties).
 * - `seed`: when set, the output pairs are shuffled with `createRng(seed)` (deterministic);
 *   otherwise pairs come in prompt order of first appearance, then by chosen score (desc).
 */
export const ratingPairsConfig = z.object({
  pairing: z.enum(["all", "best-worst"]).default("all"),
  seed: z.number().int().optional(),
});
/** Config of the rating → pair builders (see {@link ratingPairsConfig}). */
export type RatingPairsConfig = z.input<typeof ratingPairsConfig>;

/** A tie that was not paired: two distinct responses with the same score for a prompt. */
export interface RatingTie {
  prompt: string;
  a: string;
  b: string;
  score: number;
}

/** What the builders return: the pairs and what they left out. */
export interface RatingPairsResult {
  /** The pairs (chosen scored strictly higher; `margin` = score difference for stars/drafts). */
  pairs: PreferencePair[];
  /** Distinct responses of a prompt with equal scores (never paired). */
  ties: RatingTie[];
  /** Records dropped as duplicates (same prompt, response and user; the last rating wins). */
  duplicates: number;
  /** Thumbs only: responses with as many up as down votes (left out of every pair). */
  conflicts: { prompt: string; response: string }[];
}

interface Scored {
  prompt: string;
  response: string;
  score: number;
}

/** Pairs scored responses; `scored` holds one entry per distinct (prompt, response). */
function pairScored(scored: Scored[], pairing: "all" | "best-worst", withMargin: boolean, seed: number | undefined): Pick<RatingPairsResult, "pairs" | "ties"> {
  const byPrompt = new Map<string, Scored[]>();
  for (const s of scored) {
    const list = byPrompt.get(s.prompt);
    if (list === undefined) byPrompt.set(s.prompt, [s]);
    else list.push(s);
  }
  const pairs: PreferencePair[] = [];
  const ties: RatingTie[] = [];
  const make = (hi: Scored, lo: Scored): PreferencePair =>
    withMargin
      ? { prompt: hi.prompt, chosen: hi.response, rejected: lo.response, margin: hi.score - lo.score }
      : { prompt: hi.prompt, chosen: hi.response, rejected: lo.response };
  for (const [prompt, list] of byPrompt) {
    // stable sort by score desc: deterministic order
    const sorted = list.map((s, i) => ({ s, i })).sort((x, y) => y.s.score - x.s.score || x.i - y.i).map((x) => x.s);
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const a = sorted[i] as Scored;
        const b = sorted[j] as Scored;
        if (a.score === b.score) ties.push({ prompt, a: a.response, b: b.response, score: a.score });
        else if (pairing === "all") pairs.push(make(a, b));
      }
    }
    const best = sorted[0];
    const worst = sorted[sorted.length - 1];
    if (pairing === "best-worst" && best !== undefined && worst !== undefined && best.score > worst.score) {
      pairs.push(make(best, worst));
    }
  }
  return { pairs: seed === undefined ? pairs : createRng(seed).shuffle(pairs), ties };
}

/** Keeps the last rating per (prompt, response, user); without a user id, exact duplicates only. */
function dedupe<T extends { prompt: string; response: string; userId?: string | undefined }>(
  records: T[],
  value: (r: T) => number,
): { kept: T[]; duplicates: number } {
  const index = new Map<string, number>();
  const kept: T[] = [];
  let duplicates = 0;
  for (const r of records) {
    const key = JSON.stringify(r.userId === undefined ? [r.prompt, r.response, null, value(r)] : [r.prompt, r.response, r.userId]);
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, kept.length);
      kept.push(r);
    } else {
      kept[at] = r;
      duplicates++;
    }
  }
  return { kept, duplicates };
}

/** Mean score per distinct (prompt, response), in order of first appearance. */
function meanScores<T extends { prompt: string; response: string }>(records: T[], value: (r: T) => number): Scored[] {
  const acc = new Map<string, { s: Scored; sum: number; n: number }>();
  for (const r of records) {
    const key = JSON.stringify([r.prompt, r.response]);
    const e = acc.get(key);
    if (e === undefined) acc.set(key, { s: { prompt: r.prompt, response: r.response, score: 0 }, sum: value(r), n: 1 });
    else {
      e.sum += value(r);
      e.n++;
    }
  }
  return [...acc.values()].map((e) => ({ ...e.s, score: e.sum / e.n }));
}

/**
 * Thumbs ratings → preference pairs: for each prompt, every up-voted response against every
 * down-voted one. Duplicates (same prompt, response and user; or identical anonymous records)
 * count once, the last rating winning. A response with both up and down votes gets the net
 * vote (ups − downs); a net 0 is a conflict, left out and listed in `conflicts`; identical response texts are one response, so a
 * response is never paired with itself. No `margin` (thumbs carry no strength).
 * @example
 * thumbsToPairs([
 *   { prompt: "2+2?", response: "4", thumb: "up" },
 *   { prompt: "2+2?", response: "5", thumb: "down" },
 * ]).pairs; // [{ prompt: "2+2?", chosen: "4", rejected: "5" }]
 */
export function thumbsToPairs(ratings: readonly ThumbRating[], config: RatingPairsConfig = {}): RatingPairsResult {
  const fn = "thumbsToPairs";
  const { pairing, seed } = parseConfig(ratingPairsConfig, config, fn);
  const rs = parseInput(z.array(thumbRatingSchema), ratings, fn, "ratings");
  const vote = (r: (typeof rs)[number]): number => (r.thumb === "up" || r.thumb === true ? 1 : -1);
  const { kept, duplicates } = dedupe(rs, vote);
  const net = meanScores(kept, vote).map((s) => ({ ...s, score: Math.sign(s.score) }));
  const conflicts = net.filter((s) => s.score === 0).map((s) => ({ prompt: s.prompt, response: s.response }));
  // two up (or two down) responses are the normal case for thumbs, not reported as ties
  const { pairs } = pairScored(net.filter((s) => s.score !== 0), pairing, false, seed);
  return { pairs, ties: [], duplicates, conflicts };
}

/**
 * TRL unpaired (KTO) records → preference pairs: `label: true` is a thumbs-up
 * (see {@link thumbsToPairs}).
 */
export function ktoToPreferencePairs(records: readonly KtoRecord[], config: RatingPairsConfig = {}): RatingPairsResult {
  const rs = parseInput(z.array(ktoRecordSchema), records, "ktoToPreferencePairs", "records");
  return thumbsToPairs(
    rs.map((r) => ({ prompt: r.prompt, response: r.completion, thumb: r.label })),
    config,
  );
}

/**
 * Star (numeric) ratings → preference pairs with `margin` = score difference (> 0). Several
 * ratings of one response (different users) are averaged; a user's repeated rating of the same
 * response keeps the last. Equal scores are ties: never paired, listed in `ties`.
 * @example
 * starsToPairs([
 *   { prompt: "p", response: "a", stars: 5 },
 *   { prompt: "p", response: "b", stars: 2 },
 * ]).pairs; // [{ prompt: "p", chosen: "a", rejected: "b", margin: 3 }]
 */
export function starsToPairs(ratings: readonly StarRating[], config: RatingPairsConfig = {}): RatingPairsResult {
  const fn = "starsToPairs";
  const { pairing, seed } = parseConfig(ratingPairsConfig, config, fn);
  const rs = parseInput(z.array(starRatingSchema), ratings, fn, "ratings");
  const { kept, duplicates } = dedupe(rs, (r) => r.stars);
  const { pairs, ties } = pairScored(meanScores(kept, (r) => r.stars), pairing, true, seed);
  return { pairs, ties, duplicates, conflicts: [] };
}

/**
 * Several scored drafts per prompt → preference pairs (`"all"` pairs or `"best-worst"`),
 * `margin` = score difference. Repeated identical drafts of a prompt are averaged into one
 * (counted in `duplicates`), so a draft is never paired with itself.
 * @example
 * draftsToPairs([{ prompt: "p", drafts: [{ response: "a", score: 0.9 }, { response: "b", score: 0.2 }, { response: "c", score: 0.5 }] }],
 *   { pairing: "best-worst" }).pairs; // [{ prompt: "p", chosen: "a", rejected: "b", margin: 0.7 }]
 */
export function draftsToPairs(groups: readonly DraftGroup[], config: RatingPairsConfig = {}): RatingPairsResult {
  const fn = "draftsToPairs";
  const { pairing, seed } = parseConfig(ratingPairsConfig, config, fn);
  const gs = parseInput(z.array(draftGroupSchema), groups, fn, "groups");
  const flat = gs.flatMap((g) => g.drafts.map((d) => ({ prompt: g.prompt, response: d.response, score: d.score })));
  const scored = meanScores(flat, (r) => r.score);
  const { pairs, ties } = pairScored(scored, pairing, true, seed);
  return { pairs, ties, duplicates: flat.length - scored.length, conflicts: [] };
}

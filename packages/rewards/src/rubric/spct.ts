import { z } from "zod";
import { describeValue, parseConfig, RLError } from "@rl/core/arrays";
import type { GenerativeJudge, JudgeMessage } from "./chat-completions-judge.js";

/**
 * The pointwise GRM prompt of DeepSeek-GRM (SPCT, Liu et al. 2025, arXiv:2504.02495), in the layout of
 * the released models' card (BBQGOD/DeepSeek-GRM-16B): the judge first states query-specific criteria
 * (principles) with weights, then analyses every response against them (critique), and ends with one
 * integer score in `[1, 10]` per response, in order, comma-separated in a box: `Scores: \boxed{7, 4}`.
 * One user message; one response works too (`\boxed{7}`).
 *
 * @example
 * const m = spctPrompt("What is 2+2?", ["4", "5"]);
 * m.length; // 1
 * m[0].content.includes("[The Begin of Response 2]"); // true
 * @remarks Liu et al., "Inference-Time Scaling for Generalist Reward Modeling", arXiv:2504.02495 (prompt layout: the DeepSeek-GRM model card)
 */
export function spctPrompt(query: string, responses: readonly string[]): JudgeMessage[] {
  if (typeof query !== "string") throw new RLError("INVALID_INPUT", "spctPrompt: query must be a string");
  if (!Array.isArray(responses) || responses.length === 0 || responses.some((r) => typeof r !== "string")) {
    throw new RLError("INVALID_INPUT", "spctPrompt: responses must be a non-empty array of strings");
  }
  const n = responses.length;
  const blocks = responses.map((r, i) => `[The Begin of Response ${i + 1}]\n${r}\n[The End of Response ${i + 1}]`).join("\n\n");
  const example = Array.from({ length: n }, () => "x").join(", ");
  const content = [
    "You are an expert judge of responses. First write the principles that matter for this particular query, with a weight for each; then analyse every response against them; then give each response an overall integer score from 1 (fails the principles) to 10 (meets them fully). Be strict and analyse step by step before scoring.",
    "",
    "#### Conversation Context ####",
    `User: ${query}`,
    "",
    `#### Response${n > 1 ? "s" : ""} to be Scored ####`,
    blocks,
    "",
    "#### Output Format Requirements ####",
    "Output with three lines:",
    "Specific Criteria: <the principles specific to the query, with their weights>.",
    "Analysis: <the analysis of each response against the principles>.",
    `Scores: <the overall score of every response in order, comma-separated in the box, e.g. \\boxed{${example}}${n > 1 ? ` for ${n} responses` : ""}>.`,
  ].join("\n");
  return [{ role: "user", content }];
}

/** Config of {@link parseSpctScores}. */
export const parseSpctScoresConfig = z.object({
  /** Scores outside `[minScore, maxScore]` make the judgement malformed (the paper's pointwise scores are integers 1–10). */
  minScore: z.number().default(1),
  maxScore: z.number().default(10),
  /** Require integer scores, as the paper's discrete rewards are. */
  integer: z.boolean().default(true),
});
export type ParseSpctScoresConfig = z.input<typeof parseSpctScoresConfig>;

// The model card's `extract_last_floats`: the last \boxed{...} (one or two backslashes) or [...];
// here `[[...]]` is one box too (the card's pattern would read "[8" as a non-number and keep only 3).
const LAST_BOX = /(?:\\{1,2}boxed\{|\[+)\s*([^\][}{]+?)\s*(?:\}|\]+)/g;

/**
 * Parses one GRM judgement: the **last** `\boxed{…}` or `[…]` of the text (DeepSeek-GRM's
 * `extract_last_floats`; `[[7, 4]]` is one box here, where the card's pattern keeps only the 4), split on commas. Malformed (returned as `scores: null`
 * with the reason, never thrown): no box, a part that is not a number, a count different from
 * `nResponses`, a non-integer (with `integer`) or a score outside `[minScore, maxScore]`.
 * (`extract_last_floats` silently drops non-numbers; here that makes the count wrong and the judgement
 * malformed, so a half-parsed judgement never votes.)
 *
 * @example
 * parseSpctScores("Analysis: … Scores: \\boxed{7, 4}", 2); // { scores: [7, 4], error: null }
 * parseSpctScores("Final Scores: [[8, 3]]", 2); // { scores: [8, 3], error: null }
 * parseSpctScores("Scores: \\boxed{7}", 2).error; // "expected 2 scores, found 1"
 * @remarks DeepSeek-GRM model card, `extract_last_floats`; Liu et al. arXiv:2504.02495
 */
export function parseSpctScores(text: string, nResponses: number, config: ParseSpctScoresConfig = {}): { scores: number[] | null; error: string | null } {
  const { minScore, maxScore, integer } = parseConfig(parseSpctScoresConfig, config, "parseSpctScores");
  if (typeof text !== "string") throw new RLError("INVALID_INPUT", `parseSpctScores: text must be a string, got ${describeValue(text)}`);
  if (!Number.isInteger(nResponses) || nResponses < 1) throw new RLError("INVALID_INPUT", `parseSpctScores: nResponses must be a positive integer, got ${describeValue(nResponses)}`);
  const matches = [...text.matchAll(LAST_BOX)];
  if (matches.length === 0) return { scores: null, error: "no \\boxed{…} or […] with scores" };
  const parts = (matches[matches.length - 1]![1] as string).trim().split(/\s*,\s*/);
  const scores: number[] = [];
  for (const p of parts) {
    const t = p.trim();
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t)) return { scores: null, error: `not a number: ${JSON.stringify(t.slice(0, 40))}` };
    scores.push(Number(t));
  }
  if (scores.length !== nResponses) return { scores: null, error: `expected ${nResponses} score${nResponses > 1 ? "s" : ""}, found ${scores.length}` };
  for (const s of scores) {
    if (integer && !Number.isInteger(s)) return { scores: null, error: `score ${s} is not an integer` };
    if (s < minScore || s > maxScore) return { scores: null, error: `score ${s} is outside [${minScore}, ${maxScore}]` };
  }
  return { scores, error: null };
}

/** One sampled judgement, as {@link spctReward} reports it. */
export interface SpctJudgement {
  sample: number;
  text: string;
  /** Pointwise scores, one per response; `null` = malformed. */
  scores: number[] | null;
  error: string | null;
  /** The meta RM's score (only with `metaRm`; `null` for malformed judgements). */
  metaScore: number | null;
  /** Whether this judgement voted. */
  kept: boolean;
}

/** The meta RM: scores one judgement (higher = more trustworthy). The paper's meta RM is a pointwise scalar RM over (query, responses, judgement). */
export type SpctMetaRm = (input: { query: string; responses: readonly string[]; judgement: string; scores: readonly number[] }) => number | Promise<number>;

/** Config of {@link spctReward}. */
export const spctRewardConfig = z.object({
  /** Number of sampled judgements (the paper scales k from 1 to 32; voting needs temperature > 0). */
  k: z.number().int().positive().default(8),
  /** Meta-RM-guided voting: keep only the `kMeta` judgements with the highest meta score (null = plain voting over every valid judgement). */
  kMeta: z.number().int().positive().nullable().default(null),
  /** The meta RM (required when `kMeta` is set). */
  metaRm: z.custom<SpctMetaRm>((v) => typeof v === "function", "a function").optional(),
  /** Builds the judge's messages (default {@link spctPrompt}). */
  prompt: z.custom<(query: string, responses: readonly string[]) => readonly JudgeMessage[]>((v) => typeof v === "function", "a function").optional(),
  minScore: z.number().default(1),
  maxScore: z.number().default(10),
  integer: z.boolean().default(true),
});
export type SpctRewardConfig = z.input<typeof spctRewardConfig>;

/** Result of {@link spctReward}. */
export interface SpctRewardResult {
  /** `S_i = Σ_{kept j} s_{i,j}` per response; `null` when no judgement was usable. */
  rewards: number[] | null;
  /** `rewards / kept`: the vote on the judge's own 1–10 scale (`null` likewise). */
  meanScores: number[] | null;
  /** Indices of the responses with the largest reward (several on a tie; empty when `rewards` is null). */
  best: number[];
  judgements: SpctJudgement[];
  /** Judgements that voted, and malformed ones (excluded). */
  kept: number;
  malformed: number;
}

/**
 * SPCT generative reward voting (DeepSeek-GRM, Liu et al. 2025, arXiv:2504.02495, §4): sample `k`
 * principle-and-critique judgements of the same (query, responses) from a generative judge (sample
 * index `j = 0..k-1`, so a {@link cachedGenerativeJudge} keeps them distinct), parse each into pointwise
 * scores `s_{i,j} ∈ [1, 10]` ({@link parseSpctScores}), and vote by sum: `S_i = Σ_j s_{i,j}` — the reward
 * space grows k-fold, which is where the inference-time scaling comes from. Meta-RM-guided voting
 * scores every valid judgement with a meta RM and sums only the top `kMeta`.
 *
 * Malformed judgements are excluded from the vote and counted (`malformed`, each with its `error`);
 * when none is usable `rewards` is `null` (no signal, never 0). Ties are reported: `best` lists every
 * response at the maximum. A judge that throws (network) propagates its `RLError`. Defaults: k = 8,
 * plain voting (the paper reports k up to 32 and meta RM voting with `kMeta = k/2` ⚠ from the
 * paper's figures, not code).
 *
 * @example
 * const texts = ["Scores: \\boxed{7, 4}", "Scores: \\boxed{6, 6}", "no score", "Scores: \\boxed{8, 3}"];
 * const judge = async (_m: unknown, j: number) => texts[j] as string;
 * const r = await spctReward("q", ["a", "b"], judge, { k: 4 });
 * r.rewards; // [21, 13]
 * r.malformed; // 1
 * r.best; // [0]
 * @remarks Liu et al., "Inference-Time Scaling for Generalist Reward Modeling", arXiv:2504.02495
 */
export async function spctReward(query: string, responses: readonly string[], judge: GenerativeJudge, config: SpctRewardConfig = {}): Promise<SpctRewardResult> {
  const c = parseConfig(spctRewardConfig, config, "spctReward");
  if (typeof judge !== "function") throw new RLError("INVALID_INPUT", "spctReward: judge must be a function (messages, sample) => Promise<string>");
  if (c.kMeta !== null && c.metaRm === undefined) throw new RLError("INVALID_CONFIG", "spctReward: kMeta is set but metaRm is missing");
  if (c.kMeta !== null && c.kMeta > c.k) throw new RLError("INVALID_CONFIG", `spctReward: kMeta (${c.kMeta}) must be at most k (${c.k})`);
  if (typeof query !== "string" || !Array.isArray(responses) || responses.length === 0) {
    throw new RLError("INVALID_INPUT", "spctReward: query must be a string and responses a non-empty array");
  }
  const messages = (c.prompt ?? spctPrompt)(query, responses);
  const n = responses.length;
  const texts = await Promise.all(Array.from({ length: c.k }, (_, j) => judge(messages, j)));
  const judgements: SpctJudgement[] = texts.map((text, sample) => {
    if (typeof text !== "string") return { sample, text: String(text), scores: null, error: "the judge returned a non-string", metaScore: null, kept: false };
    const p = parseSpctScores(text, n, { minScore: c.minScore, maxScore: c.maxScore, integer: c.integer });
    return { sample, text, scores: p.scores, error: p.error, metaScore: null, kept: p.scores !== null };
  });
  const valid = judgements.filter((j) => j.scores !== null);
  if (c.kMeta !== null && c.metaRm !== undefined) {
    const meta = c.metaRm;
    const metaScores = await Promise.all(valid.map((j) => meta({ query, responses, judgement: j.text, scores: j.scores as number[] })));
    metaScores.forEach((m, i) => {
      if (typeof m !== "number" || !Number.isFinite(m)) throw new RLError("PLUGIN_OUTPUT", `spctReward: metaRm returned ${describeValue(m)} for sample ${valid[i]!.sample}; expected a finite number`);
      valid[i]!.metaScore = m;
    });
    // Top kMeta by meta score; a tie keeps the earlier sample (stable).
    const order = [...valid].sort((a, b) => (b.metaScore as number) - (a.metaScore as number) || a.sample - b.sample);
    order.forEach((j, rank) => {
      j.kept = rank < (c.kMeta as number);
    });
  }
  const voters = judgements.filter((j) => j.kept);
  const malformed = judgements.length - valid.length;
  if (voters.length === 0) return { rewards: null, meanScores: null, best: [], judgements, kept: 0, malformed };
  const rewards = Array.from({ length: n }, (_, i) => voters.reduce((s, j) => s + (j.scores as number[])[i]!, 0));
  const top = Math.max(...rewards);
  return {
    rewards,
    meanScores: rewards.map((r) => r / voters.length),
    best: rewards.flatMap((r, i) => (r === top ? [i] : [])),
    judgements,
    kept: voters.length,
    malformed,
  };
}

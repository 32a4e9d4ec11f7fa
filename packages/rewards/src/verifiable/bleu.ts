import { z } from "zod";
import { parseConfig, RLError } from "@rl/core/arrays";
import { requireText, requireTexts } from "./require-text.js";

/**
 * The `13a` tokenizer of sacreBLEU / mteval-v13a, as HF `evaluate`'s `bleu` metric applies it:
 * drops `<skipped>`, joins `-\n` hyphenations, unescapes `&quot; &amp; &lt; &gt;`, splits off
 * punctuation and symbols, splits `.`/`,` unless between digits, splits `-` after a digit.
 *
 * @example
 * tokenize13a("Hello, world! It costs $3.50."); // ["Hello", ",", "world", "!", "It", "costs", "$", "3.50", "."]
 * @remarks Papineni et al., BLEU (ACL 2002); Post, sacreBLEU (arXiv:1804.08771)
 */
export function tokenize13a(text: string): string[] {
  requireText(text, "tokenize13a", "text");
  let line = text.replaceAll("<skipped>", "").replaceAll("-\n", "").replaceAll("\n", " ");
  if (line.includes("&")) {
    line = line.replaceAll("&quot;", '"').replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">");
  }
  line = ` ${line} `;
  line = line.replace(/([{-~[-` -&(-+:-@/])/g, " $1 ");
  line = line.replace(/([^0-9])([.,])/g, "$1 $2 ");
  line = line.replace(/([.,])([^0-9])/g, " $1 $2");
  line = line.replace(/([0-9])(-)/g, "$1 $2 ");
  return line.split(/\s+/).filter((t) => t.length > 0);
}

/** Config schema of {@link bleuScore} (zod; the defaults are the reference defaults). */
export const bleuScoreConfig = z.object({
  /** Highest n-gram order. */
  maxOrder: z.number().int().positive().default(4),
  /** Add-one smoothing of every precision (Lin & Och 2004), as BLEUBERI uses. */
  smooth: z.boolean().default(true),
  /** `13a` (sacreBLEU / HF evaluate default) or plain whitespace splitting. */
  tokenizer: z.enum(["13a", "whitespace"]).default("13a"),
});
/** Input type of `bleuScoreConfig` (every field optional where it has a default). */
export type BleuScoreConfig = z.input<typeof bleuScoreConfig>;

/** Result of {@link bleuScore}. */
export interface BleuScoreResult {
  bleu: number;
  precisions: number[];
  brevityPenalty: number;
  hypothesisLength: number;
  referenceLength: number;
}

function ngramCounts(tokens: readonly string[], maxOrder: number): Map<string, { order: number; count: number }> {
  const out = new Map<string, { order: number; count: number }>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = `${n}\u0000${tokens.slice(i, i + n).join("\u0000")}`;
      const e = out.get(key);
      if (e === undefined) out.set(key, { order: n, count: 1 });
      else e.count++;
    }
  }
  return out;
}

/**
 * Sentence BLEU as HF `evaluate`'s `bleu` (TensorFlow-NMT `compute_bleu`) computes it
 * (docs/rewards/verifiable.md):
 * clipped n-gram matches against the **union (max counts) over references**; precisions
 * `p_n = m_n / c_n`, or `(m_n + 1)/(c_n + 1)` when smoothed; geometric mean `exp(Σ_n log p_n / N)`
 * (0 if any `p_n = 0`); brevity penalty with the **shortest** reference length `r`:
 * `BP = 1` if `c > r`, else `exp(1 − r/c)`.
 *
 * Defaults `maxOrder = 4`, `smooth = true`, `tokenizer = "13a"`. Edge cases: empty hypothesis → 0
 * (the reference divides by zero); no references → error; all references empty → 0.
 *
 * @example
 * bleuScore("the cat sat on the mat", ["the cat is on the mat"], { tokenizer: "whitespace" }).bleu; // 0.4889230
 * bleuScore("the cat", ["the cat is on the mat"], { tokenizer: "whitespace" }).bleu;                // 0.1353353
 * @remarks Papineni et al., BLEU (ACL 2002); Lin & Och 2004 smoothing; BLEUBERI (arXiv:2506.01839)
 */
export function bleuScore(hypothesis: string, references: readonly string[], config: BleuScoreConfig = {}): BleuScoreResult {
  requireText(hypothesis, "bleuScore", "hypothesis");
  requireTexts(references, "bleuScore", "references");
  const { maxOrder, smooth, tokenizer } = parseConfig(bleuScoreConfig, config, "bleuScore");
  if (!Array.isArray(references) || references.length === 0) {
    throw new RLError("INVALID_INPUT", "bleuScore: references must be a non-empty array of strings");
  }
  const tok = tokenizer === "13a" ? tokenize13a : (s: string) => s.split(/\s+/).filter((t) => t.length > 0);
  const hyp = tok(hypothesis);
  const refs = references.map((r, k) => {
    if (typeof r !== "string") throw new RLError("INVALID_INPUT", `bleuScore: references[${k}] is not a string`);
    return tok(r);
  });
  const referenceLength = Math.min(...refs.map((r) => r.length));
  const zero: BleuScoreResult = {
    bleu: 0,
    precisions: new Array<number>(maxOrder).fill(0),
    brevityPenalty: 0,
    hypothesisLength: hyp.length,
    referenceLength,
  };
  if (hyp.length === 0 || referenceLength === 0) return zero;
  const merged = new Map<string, number>();
  for (const r of refs) {
    for (const [k, v] of ngramCounts(r, maxOrder)) merged.set(k, Math.max(merged.get(k) ?? 0, v.count));
  }
  const matches = new Array<number>(maxOrder).fill(0);
  for (const [k, v] of ngramCounts(hyp, maxOrder)) {
    matches[v.order - 1] = (matches[v.order - 1] as number) + Math.min(v.count, merged.get(k) ?? 0);
  }
  const precisions = matches.map((m, i) => {
    const possible = Math.max(hyp.length - i, 0);
    if (smooth) return (m + 1) / (possible + 1);
    return possible > 0 ? m / possible : 0;
  });
  const geo = Math.min(...precisions) > 0 ? Math.exp(precisions.reduce((s, p) => s + Math.log(p) / maxOrder, 0)) : 0;
  const ratio = hyp.length / referenceLength;
  const brevityPenalty = ratio > 1 ? 1 : Math.exp(1 - 1 / ratio);
  return { bleu: geo * brevityPenalty, precisions, brevityPenalty, hypothesisLength: hyp.length, referenceLength };
}

/** Config schema of {@link bleuReward} (zod; the defaults are the reference defaults). */
export const bleuRewardConfig = bleuScoreConfig.extend({
  /** Grade only the content of `<tag>…</tag>` when present (BLEUBERI: `answer`); null = whole text. */
  answerTag: z.string().regex(/^[A-Za-z][\w-]*$/).nullable().default("answer"),
});
/** Input type of `bleuRewardConfig` (every field optional where it has a default). */
export type BleuRewardConfig = z.input<typeof bleuRewardConfig>;

/**
 * BLEU as a reward (BLEUBERI; docs/rewards/verifiable.md): the completion's `<answer>…</answer>` content
 * when present (else the whole completion) scored with {@link bleuScore} against the references.
 * Empty answer → 0. `references` empty → `null` (no signal: nothing to compare with).
 *
 * @example
 * bleuReward("<think>…</think><answer>the cat sat on the mat</answer>", ["the cat is on the mat"]); // ≈ 0.489
 * @remarks BLEUBERI (arXiv:2506.01839)
 */
export function bleuReward(completion: string, references: readonly string[], config: BleuRewardConfig = {}): number | null {
  requireText(completion, "bleuReward", "completion");
  requireTexts(references, "bleuReward", "references");
  const { answerTag, ...bleu } = parseConfig(bleuRewardConfig, config, "bleuReward");
  if (!Array.isArray(references)) throw new RLError("INVALID_INPUT", "bleuReward: references must be an array of strings");
  if (references.length === 0) return null;
  let text = completion;
  if (answerTag !== null) {
    const m = new RegExp(`<${answerTag}>([\\s\\S]*?)</${answerTag}>`).exec(completion);
    if (m !== null) text = m[1] as string;
  }
  if (text.trim().length === 0) return 0;
  return bleuScore(text, references, bleu).bleu;
}

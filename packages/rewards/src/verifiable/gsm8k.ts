import { z } from "zod";
import { parseConfig } from "@rl/core/arrays";
import { lastCodePoints } from "./python-text.js";
import { requireText } from "./require-text.js";

const STRICT = /#### (-?[0-9.,]+)/g;
const FLEXIBLE = /(-?[0-9.,]+)/g;

/** Config schema of {@link gsm8kVerlReward} (zod; the defaults are the reference defaults). */
export const gsm8kVerlConfig = z.object({
  /** `strict`: the last `#### number`; `flexible`: the last number-like token. */
  method: z.enum(["strict", "flexible"]).default("strict"),
  /** Reward of a well-formed but wrong answer. */
  formatScore: z.number().default(0),
  /** Reward of a correct answer. */
  score: z.number().default(1),
});
/** Input type of `gsm8kVerlConfig` (every field optional where it has a default). */
export type Gsm8kVerlConfig = z.input<typeof gsm8kVerlConfig>;

/** verl's `gsm8k.extract_solution` over the last 300 characters (internal). */
function extractVerl(solution: string, method: "strict" | "flexible"): string | null {
  const tail = lastCodePoints(solution, 300);
  if (method === "strict") {
    const all = [...tail.matchAll(STRICT)];
    if (all.length === 0) return null;
    return (all[all.length - 1]![1] as string).replaceAll(",", "").replaceAll("$", "");
  }
  const all = [...tail.matchAll(FLEXIBLE)].map((m) => m[1] as string);
  if (all.length === 0) return null;
  // verl walks the matches right to left and stops at the first that is not "" or "."; when every
  // match is invalid its loop variable is left on the *first* match, which is then graded.
  for (let k = all.length - 1; k >= 0; k--) {
    const a = all[k] as string;
    if (a !== "" && a !== ".") return a;
  }
  return all[0] as string;
}

/**
 * verl's `gsm8k.compute_score`, reproduced exactly with its quirks — the verl-compatible preset of
 * conformance op `reward.gsm8kVerl` (docs/rewards/verifiable.md).
 *
 * Only the last 300 characters count. `strict`: the last match of `#### (-?[0-9.,]+)`, with `,` and
 * `$` removed. `flexible`: the last match of `(-?[0-9.,]+)` that is not `"."` (commas kept).
 * Result: `score` on a string match with `groundTruth`, `formatScore` on a mismatch, 0 when
 * nothing is extracted. Quirks: `"1234."` ≠ `"1234"`, `"3.50"` ≠ `"3.5"`; {@link gsm8kReward}
 * fixes both.
 *
 * @example
 * gsm8kVerlReward("blah #### 1,234", "1234"); // { score: 1, extracted: "1234" }
 * gsm8kVerlReward("blah 1234", "1234");       // { score: 0, extracted: null }
 * @remarks GSM8K (arXiv:2110.14168); ReFT (arXiv:2401.08967); verl `gsm8k.py`
 */
export function gsm8kVerlReward(
  solution: string,
  groundTruth: string,
  config: Gsm8kVerlConfig = {},
): { score: number; extracted: string | null } {
  requireText(solution, "gsm8kVerlReward", "solution");
  requireText(groundTruth, "gsm8kVerlReward", "groundTruth");
  const { method, formatScore, score } = parseConfig(gsm8kVerlConfig, config, "gsm8kVerlReward");
  const extracted = extractVerl(solution, method);
  if (extracted === null) return { score: 0, extracted };
  return { score: extracted === groundTruth ? score : formatScore, extracted };
}

/** Config schema of {@link gsm8kReward} (zod; the defaults are the reference defaults). */
export const gsm8kConfig = gsm8kVerlConfig.extend({
  /** Compare numerically when both sides parse as finite decimals (`3.50` = `3.5`). */
  numericCompare: z.boolean().default(true),
  /** Drop one trailing `.` from the extracted answer (`"1234."` → `"1234"`). */
  stripTrailingPeriod: z.boolean().default(true),
  /** What an unusable gold answer (empty) yields: `null` = no signal, or 0. */
  onUnparsableGold: z.enum(["null", "zero"]).default("null"),
});
/** Input type of `gsm8kConfig` (every field optional where it has a default). */
export type Gsm8kConfig = z.input<typeof gsm8kConfig>;

function toDecimal(s: string): number | null {
  const t = s.replaceAll(",", "").replaceAll("$", "").trim();
  if (!/^-?(\d+\.?\d*|\.\d+)$/.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

/**
 * GSM8K answer reward with @rl's defaults (docs/rewards/verifiable.md): verl's extraction, then one
 * trailing period dropped and a numeric comparison when both sides are decimals (`3.50` = `3.5`,
 * `1,000` = `1000`). Set `numericCompare: false, stripTrailingPeriod: false` for verl's behaviour.
 *
 * Returns `reward: null` (no signal) when the gold answer is empty and `onUnparsableGold` is
 * `"null"` (default) — never coerced to 0.
 *
 * @example
 * gsm8kReward("so the total is 1234.", "1234", { method: "flexible" }).reward; // 1 (verl: 0)
 * @remarks GSM8K (arXiv:2110.14168)
 */
export function gsm8kReward(
  solution: string,
  groundTruth: string,
  config: Gsm8kConfig = {},
): { reward: number | null; extracted: string | null } {
  requireText(solution, "gsm8kReward", "solution");
  requireText(groundTruth, "gsm8kReward", "groundTruth");
  const cfg = parseConfig(gsm8kConfig, config, "gsm8kReward");
  const gold = groundTruth.trim();
  if (gold.length === 0) return { reward: cfg.onUnparsableGold === "null" ? null : 0, extracted: null };
  let extracted = extractVerl(solution, cfg.method);
  if (extracted === null) return { reward: 0, extracted };
  if (cfg.stripTrailingPeriod && extracted.length > 1 && extracted.endsWith(".")) extracted = extracted.slice(0, -1);
  let equal = extracted === gold;
  if (!equal && cfg.numericCompare) {
    const a = toDecimal(extracted);
    const b = toDecimal(gold);
    equal = a !== null && b !== null && a === b;
  }
  return { reward: equal ? cfg.score : cfg.formatScore, extracted };
}

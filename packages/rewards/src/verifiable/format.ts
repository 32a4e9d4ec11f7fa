import { z } from "zod";
import { parseConfig, RLError } from "@rl/core/arrays";
import { requireText } from "./require-text.js";

/** TRL's `think_format_reward` pattern (DOTALL + MULTILINE). */
export const THINK_FORMAT_PATTERN = /^<think>(?!.*<think>)(.*?)<\/think>.*$/ms;
/** BLEUBERI's `format_reward_func` pattern — deliberately without DOTALL (a newline fails it). */
export const THINK_ANSWER_FORMAT_PATTERN = /^<think>.*?<\/think><answer>.*?<\/answer>$/;

/** Config schema of {@link regexFormatReward} (zod; the defaults are the reference defaults). */
export const regexFormatRewardConfig = z.object({
  /** The pattern the completion must match (its flags are kept; `g`/`y` are ignored). */
  pattern: z.instanceof(RegExp).default(THINK_FORMAT_PATTERN),
  /** `match`: anchored at the start, like Python's `re.match`; `search`: anywhere; `full`: the whole text. */
  mode: z.enum(["match", "search", "full"]).default("match"),
  matched: z.number().default(1),
  unmatched: z.number().default(0),
});
/** Input type of `regexFormatRewardConfig` (every field optional where it has a default). */
export type RegexFormatRewardConfig = z.input<typeof regexFormatRewardConfig>;

/**
 * Regex format reward (docs/rewards/verifiable.md): `matched` (1) if the completion matches `pattern`,
 * else `unmatched` (0). The default is TRL's `think_format_reward`:
 * `^<think>(?!.*<think>)(.*?)</think>.*$` with DOTALL and MULTILINE — must start with `<think>`,
 * no second `<think>`, must close; anything may follow.
 *
 * `mode: "match"` anchors at position 0 (Python `re.match`), `"search"` finds it anywhere,
 * `"full"` requires the whole text (Python `re.fullmatch`). Global / sticky flags are dropped so
 * the function stays pure (no `lastIndex` state).
 *
 * @example
 * regexFormatReward("<think>\nr\n</think>\nans"); // 1
 * regexFormatReward("x<think>r</think>a");        // 0
 * regexFormatReward("<think>a</think><answer>b</answer>", { pattern: THINK_ANSWER_FORMAT_PATTERN }); // 1
 * @remarks DeepSeek-R1 format reward (arXiv:2501.12948); BLEUBERI (arXiv:2506.01839)
 */
export function regexFormatReward(completion: string, config: RegexFormatRewardConfig = {}): number {
  requireText(completion, "regexFormatReward", "completion");
  const { pattern, mode, matched, unmatched } = parseConfig(regexFormatRewardConfig, config, "regexFormatReward");
  const flags = pattern.flags.replace(/[gy]/g, "");
  const re = new RegExp(pattern.source, mode === "search" ? flags : flags + "y");
  re.lastIndex = 0;
  const m = re.exec(completion);
  if (m === null) return unmatched;
  if (mode === "full" && m[0].length !== completion.length) return unmatched;
  return matched;
}

/** Config schema of {@link tagStructureReward} (zod; the defaults are the reference defaults). */
export const tagStructureRewardConfig = z.object({
  /** Tags that must appear, in this order, each exactly once: `["think", "answer"]`. */
  tags: z.array(z.string().regex(/^[A-Za-z][\w-]*$/, "a tag name")).min(1).default(["think", "answer"]),
  /** Allow only whitespace outside the tags. */
  strictOutside: z.boolean().default(false),
  /** Score partial structure: each well-formed tag pair earns 1/tags.length (else all-or-nothing). */
  partialCredit: z.boolean().default(false),
});
/** Input type of `tagStructureRewardConfig` (every field optional where it has a default). */
export type TagStructureRewardConfig = z.input<typeof tagStructureRewardConfig>;

/**
 * Tag-structure format reward (docs/rewards/verifiable.md): checks that each of `tags` opens and
 * closes exactly once, the pairs do not overlap and come in the given order.
 * Returns 1 / 0, or with `partialCredit` the fraction of well-formed pairs (order not required).
 * `strictOutside` additionally requires nothing but whitespace between and around the pairs.
 *
 * @example
 * tagStructureReward("<think>r</think>\n<answer>4</answer>");  // 1
 * tagStructureReward("<answer>4</answer><think>r</think>");    // 0 (order)
 * tagStructureReward("<think>r</think>", { partialCredit: true }); // 0.5
 * @remarks DeepSeek-R1 (arXiv:2501.12948)
 */
export function tagStructureReward(completion: string, config: TagStructureRewardConfig = {}): number {
  requireText(completion, "tagStructureReward", "completion");
  const { tags, strictOutside, partialCredit } = parseConfig(tagStructureRewardConfig, config, "tagStructureReward");
  if (new Set(tags).size !== tags.length) {
    throw new RLError("INVALID_CONFIG", `tagStructureReward: tags has duplicates (${tags.join(", ")})`);
  }
  const spans: ({ open: number; close: number } | null)[] = tags.map((t) => {
    const open = `<${t}>`;
    const close = `</${t}>`;
    const count = (s: string): number => completion.split(s).length - 1;
    if (count(open) !== 1 || count(close) !== 1) return null;
    const o = completion.indexOf(open);
    const c = completion.indexOf(close);
    return c > o ? { open: o, close: c + close.length } : null;
  });
  if (partialCredit) return spans.filter((s) => s !== null).length / tags.length;
  if (spans.some((s) => s === null)) return 0;
  const ok = spans as { open: number; close: number }[];
  for (let k = 1; k < ok.length; k++) if ((ok[k] as { open: number }).open < (ok[k - 1] as { close: number }).close) return 0;
  if (strictOutside) {
    let prev = 0;
    for (const s of ok) {
      if (completion.slice(prev, s.open).trim().length > 0) return 0;
      prev = s.close;
    }
    if (completion.slice(prev).trim().length > 0) return 0;
  }
  return 1;
}

import { z } from "zod";
import { parseConfig } from "@rl/core/arrays";
import { dapoLastBoxedContent } from "./boxed.js";
import { PY_WHITESPACE, lastCodePoints, pyIsDigit, pyReplace, pyStrip } from "./python-text.js";
import { requireText } from "./require-text.js";

const SUBSTITUTIONS: readonly (readonly [string, string])[] = [
  ["an ", ""],
  ["a ", ""],
  [".$", "$"],
  ["\\$", ""],
  ["\\ ", ""],
  [" ", ""],
  ["mbox", "text"],
  [",\\text{and}", ","],
  ["\\text{and}", ","],
  ["\\text{m}", "\\text{}"],
];

const REMOVED_EXPRESSIONS: readonly string[] = [
  "square", "ways", "integers", "dollars", "mph", "inches", "hours", "km", "units", "\\ldots",
  "sue", "points", "feet", "minutes", "digits", "cents", "degrees", "cm", "gm", "pounds",
  "meters", "meals", "edges", "students", "childrentickets", "multiples", "\\text{s}",
  "\\text{.}", "\\text{\ns}", "\\text{}^2", "\\text{}^3", "\\text{\n}", "\\text{}",
  "\\mathrm{th}", "^\\circ", "^{\\circ}", "\\;", ",\\!", "{,}", '"', "\\dots",
];

// Python's `.` excludes only "\n"; JS's also excludes "\r", U+2028, U+2029: spell it out.
const DOT = "[^\\n]";

/**
 * Minerva's `normalize_final_answer` (Lewkowycz et al. 2022, as shipped in verl's
 * `math_dapo.py`; docs/rewards/verifiable.md).
 *
 * Keeps the text after the last `=`; applies the substitution list (`"an "`, `"a "`, `\$`, spaces,
 * `mbox`→`text`, …) and removes unit words (`ways`, `cm`, `degrees`, …, `^\circ`, `{,}`); keeps the
 * first `$…$` of each line; unwraps `\text{}`, `\textbf{}`, `\overline{}`, `\boxed{}`; fixes
 * `\fracab`→`\frac{a}{b}` and `\sqrta`→`\sqrt{a}`; drops `$`; drops commas of a pure digit string;
 * strips whitespace.
 *
 * @example
 * normalizeFinalAnswer("x = 10 degrees"); // "10"
 * normalizeFinalAnswer("1,000");          // "1000"
 * @remarks Minerva (arXiv:2206.14858); DAPO (arXiv:2503.14476)
 */
export function normalizeFinalAnswer(answer: string): string {
  requireText(answer, "normalizeFinalAnswer", "answer");
  const pieces = answer.split("=");
  let s = pieces[pieces.length - 1] as string;
  for (const [before, after] of SUBSTITUTIONS) s = pyReplace(s, before, after);
  for (const expr of REMOVED_EXPRESSIONS) s = pyReplace(s, expr, "");
  s = s.replace(new RegExp(`(${DOT}*?)(\\$)(${DOT}*?)(\\$)(${DOT}*)`, "gu"), (_m, _a, _b, c: string) => `$${c}$`);
  s = s.replace(new RegExp(`(\\\\text\\{)(${DOT}*?)(\\})`, "gu"), (_m, _a, b: string) => b);
  s = s.replace(new RegExp(`(\\\\textbf\\{)(${DOT}*?)(\\})`, "gu"), (_m, _a, b: string) => b);
  s = s.replace(new RegExp(`(\\\\overline\\{)(${DOT}*?)(\\})`, "gu"), (_m, _a, b: string) => b);
  s = s.replace(new RegExp(`(\\\\boxed\\{)(${DOT}*)(\\})`, "gu"), (_m, _a, b: string) => b);
  s = s.replace(new RegExp(`(frac)([^{])(${DOT})`, "gu"), (_m, _a, b: string, c: string) => `frac{${b}}{${c}}`);
  s = s.replace(/(sqrt)([^{])/gu, (_m, _a, b: string) => `sqrt{${b}}`);
  s = pyReplace(s, "$", "");
  if (pyIsDigit(pyReplace(s, ",", ""))) s = pyReplace(s, ",", "");
  return pyStrip(s);
}

/** Config schema of {@link minervaVerlReward} (zod; the defaults are the reference defaults). */
export const minervaVerlConfig = z.object({
  /** verl's `strict_box_verify`: the last `\boxed{}` of the last 100 characters must equal the gold as is. */
  strictBox: z.boolean().default(false),
});
/** Input type of `minervaVerlConfig` (every field optional where it has a default). */
export type MinervaVerlConfig = z.input<typeof minervaVerlConfig>;

/** Result of {@link minervaVerlReward}. */
export interface MinervaVerlResult {
  /** +1 when correct, -1 otherwise. */
  score: number;
  correct: boolean;
  /** The normalised prediction (`"[INVALID]"` when no `Answer:` line); strict box: the box content or `null`. */
  prediction: string | null;
}

/**
 * verl's `math_dapo.compute_score` (DAPO's ±1 reward with Minerva's grader), reproduced exactly —
 * the verl-compatible preset of conformance op `reward.minervaVerl` (docs/rewards/verifiable.md).
 *
 * Only the last 300 characters of `solution` count. Default mode: the last match of
 * `(?i)Answer\s*:\s*([^\n]+)` (else `"[INVALID]"`) and the ground truth both go through
 * {@link normalizeFinalAnswer} and must be equal. `strictBox`: the last `\boxed{…}` within the last
 * 100 characters must equal `groundTruth` verbatim (the prediction is `null` when there is none;
 * as in verl, a missing box is compared as the string `"[INVALID]"`).
 *
 * @example
 * minervaVerlReward("... Answer: $\\frac{1}{2}$", "\\frac{1}{2}"); // { score: 1, correct: true, prediction: "\\frac{1}{2}" }
 * minervaVerlReward("Answer: 41", "42").score;                    // -1
 * @remarks DAPO (arXiv:2503.14476); Minerva (arXiv:2206.14858); verl `math_dapo.py`
 */
export function minervaVerlReward(solution: string, groundTruth: string, config: MinervaVerlConfig = {}): MinervaVerlResult {
  requireText(solution, "minervaVerlReward", "solution");
  requireText(groundTruth, "minervaVerlReward", "groundTruth");
  const { strictBox } = parseConfig(minervaVerlConfig, config, "minervaVerlReward");
  const tail = lastCodePoints(solution, 300);
  if (strictBox) {
    const box = dapoLastBoxedContent(lastCodePoints(tail, 100));
    const correct = (box ?? "[INVALID]") === groundTruth;
    return { score: correct ? 1 : -1, correct, prediction: box };
  }
  const pattern = new RegExp(`Answer[${PY_WHITESPACE}]*:[${PY_WHITESPACE}]*([^\\n]+)`, "giu");
  const matches = [...tail.matchAll(pattern)];
  const extracted = matches.length > 0 ? (matches[matches.length - 1]![1] as string) : "[INVALID]";
  const prediction = normalizeFinalAnswer(extracted);
  const correct = prediction === normalizeFinalAnswer(groundTruth);
  return { score: correct ? 1 : -1, correct, prediction };
}

import { z } from "zod";
import { parseConfig } from "@rl/core/arrays";
import { extractLastBoxed } from "./boxed.js";
import { requireText } from "./require-text.js";

/** Where {@link extractMathAnswer} found the answer. */
export type MathAnswerSource = "boxed" | "answerIs" | "lastNumber";

/** Config schema of {@link extractMathAnswer} (zod; the defaults are the reference defaults). */
export const extractMathAnswerConfig = z.object({
  /** Strategies tried in order; the first that finds something wins. */
  strategies: z.array(z.enum(["boxed", "answerIs", "lastNumber"])).min(1).default(["boxed", "answerIs", "lastNumber"]),
});
/** Input type of `extractMathAnswerConfig` (every field optional where it has a default). */
export type ExtractMathAnswerConfig = z.input<typeof extractMathAnswerConfig>;

const ANSWER_IS = /answer\s*(?:is\b|:|=)\s*:?\s*([^\n]+)/gi;
const NUMBER = /-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*\/\s*\d+)?|-?\.\d+/g;

function cleanAnswerPhrase(s: string): string {
  let t = s.trim();
  const dollar = /^\$+([^$]*)\$+/.exec(t);
  if (dollar !== null) t = (dollar[1] as string).trim();
  const boxed = extractLastBoxed(t);
  if (boxed !== null) t = boxed;
  return t.replace(/[.。]\s*$/u, "").trim();
}

/**
 * Extracts a final math answer from a completion (docs/rewards/verifiable.md).
 *
 * Strategies, tried in order (default all three): `boxed` = the content of the last `\boxed{…}`
 * (brace-matched, {@link extractLastBoxed}); `answerIs` = the last "answer is …" / "Answer: …"
 * phrase up to the end of its line (surrounding `$…$` and a final period removed); `lastNumber` =
 * the last number-like token (`-1,234.5`, `3/4`).
 *
 * Edge cases: nothing found → `{ answer: null, source: null }`; an empty box yields `""`.
 *
 * @example
 * extractMathAnswer("First \\boxed{1}, finally \\boxed{\\frac{1}{2}}.").answer; // "\\frac{1}{2}"
 * extractMathAnswer("So the answer is $42$.").answer;                          // "42"
 * extractMathAnswer("We get 3 apples, then 7.").answer;                         // "7"
 * @remarks Hendrycks et al., MATH (arXiv:2103.03874)
 */
export function extractMathAnswer(
  text: string,
  config: ExtractMathAnswerConfig = {},
): { answer: string | null; source: MathAnswerSource | null } {
  requireText(text, "extractMathAnswer", "text");
  const { strategies } = parseConfig(extractMathAnswerConfig, config, "extractMathAnswer");
  for (const strategy of strategies) {
    if (strategy === "boxed") {
      const b = extractLastBoxed(text);
      if (b !== null) return { answer: b.trim(), source: "boxed" };
    } else if (strategy === "answerIs") {
      const all = [...text.matchAll(ANSWER_IS)];
      const last = all[all.length - 1];
      if (last !== undefined) {
        const a = cleanAnswerPhrase(last[1] as string);
        if (a.length > 0) return { answer: a, source: "answerIs" };
      }
    } else {
      const all = [...text.matchAll(NUMBER)];
      const last = all[all.length - 1];
      if (last !== undefined) return { answer: last[0].replace(/\s+/g, ""), source: "lastNumber" };
    }
  }
  return { answer: null, source: null };
}

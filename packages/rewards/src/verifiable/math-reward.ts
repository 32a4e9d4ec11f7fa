import { z } from "zod";
import { parseConfig } from "@rl/core/arrays";
import { extractLastBoxed } from "./boxed.js";
import { extractMathAnswer, type MathAnswerSource } from "./math-answer.js";
import { mathAnswersEqual, type MathEquivalenceResult, type SymbolicEquivalence } from "./math-equivalence.js";
import { requireText } from "./require-text.js";

/** Config schema of {@link mathAnswerReward} (zod; the defaults are the reference defaults). */
export const mathAnswerRewardConfig = z.object({
  /** Strip reasoning: grade only the text after the last of these delimiters (e.g. `["</think>"]`); if none occurs → `incorrect`. Empty = off. */
  reasoningDelimiters: z.array(z.string().min(1)).default([]),
  /** Extraction strategies, in order (see `extractMathAnswer`). */
  strategies: z.array(z.enum(["boxed", "answerIs", "lastNumber"])).min(1).default(["boxed", "answerIs", "lastNumber"]),
  /** Stage-3 symbolic backend (optional). */
  symbolic: z.custom<SymbolicEquivalence>((v) => typeof v === "function", "a function (pred, gold) => boolean | null").optional(),
  correct: z.number().default(1),
  incorrect: z.number().default(0),
  /** An unusable (empty) gold answer yields `null` (no signal, TRL) or `incorrect`. */
  onUnparsableGold: z.enum(["null", "zero"]).default("null"),
});
/** Input type of `mathAnswerRewardConfig` (every field optional where it has a default). */
export type MathAnswerRewardConfig = z.input<typeof mathAnswerRewardConfig>;

/** Result of {@link mathAnswerReward}. */
export interface MathAnswerRewardResult {
  /** `correct` / `incorrect`, or `null` = no signal (unusable gold). Never coerced to 0. */
  reward: number | null;
  extracted: string | null;
  debug: { source: MathAnswerSource | null; stage: MathEquivalenceResult["stage"] | null; symbolic: MathEquivalenceResult["symbolic"] | null; reason?: string };
}

/**
 * Binary math correctness reward (RLVR; docs/rewards/verifiable.md): (1) optionally keep the text after
 * the last reasoning delimiter (absent → `incorrect`, as TRL's `reasoning_accuracy_reward`);
 * (2) extract the answer (last `\boxed{}`, else "the answer is …", else the last number);
 * (3–4) compare with {@link mathAnswersEqual} (Hendrycks strings, exact rationals, optional
 * symbolic backend).
 *
 * Defaults: `correct = 1`, `incorrect = 0`, no reasoning delimiter, no symbolic backend. A gold
 * answer given as `\boxed{…}` is unwrapped. Unusable gold (empty, or a box that does not parse) → `null`; no extractable prediction → 0.
 * Deviation from verl (`verlMathReward`): `1,000` = `1000`, `3.0` = `3`, `5 cm` = `5`, units and
 * answer choices are normalised (OpenRLHF-like).
 *
 * @example
 * mathAnswerReward("... so \\boxed{\\dfrac12}", "0.5").reward; // 1
 * mathAnswerReward("no idea", "").reward;                     // null
 * @remarks Hendrycks et al., MATH (arXiv:2103.03874); PRM800K grader (arXiv:2305.20050)
 */
export function mathAnswerReward(completion: string, gold: string, config: MathAnswerRewardConfig = {}): MathAnswerRewardResult {
  requireText(completion, "mathAnswerReward", "completion");
  requireText(gold, "mathAnswerReward", "gold");
  const cfg = parseConfig(mathAnswerRewardConfig, config, "mathAnswerReward");
  const goldBox = extractLastBoxed(gold);
  const goldAnswer = (goldBox ?? gold).trim();
  if (goldAnswer.length === 0 || (goldBox === null && /\\(?:boxed|fbox)(?![A-Za-z])/.test(gold))) {
    return {
      reward: cfg.onUnparsableGold === "null" ? null : cfg.incorrect,
      extracted: null,
      debug: { source: null, stage: null, symbolic: null, reason: "unparsable gold" },
    };
  }
  let text = completion;
  if (cfg.reasoningDelimiters.length > 0) {
    let at = -1;
    let len = 0;
    for (const d of cfg.reasoningDelimiters) {
      const i = completion.lastIndexOf(d);
      if (i > at) {
        at = i;
        len = d.length;
      }
    }
    if (at < 0) {
      return { reward: cfg.incorrect, extracted: null, debug: { source: null, stage: null, symbolic: null, reason: "no reasoning delimiter" } };
    }
    text = completion.slice(at + len);
  }
  const { answer, source } = extractMathAnswer(text, { strategies: cfg.strategies });
  if (answer === null) {
    return { reward: cfg.incorrect, extracted: null, debug: { source, stage: null, symbolic: null, reason: "no answer found" } };
  }
  const eq = mathAnswersEqual(answer, goldAnswer, cfg.symbolic === undefined ? {} : { symbolic: cfg.symbolic });
  return { reward: eq.equal ? cfg.correct : cfg.incorrect, extracted: answer, debug: { source, stage: eq.stage, symbolic: eq.symbolic } };
}

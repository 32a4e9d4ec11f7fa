import { verlLastBoxedString, verlRemoveBoxed } from "./boxed.js";
import { hendrycksEquivalent } from "./hendrycks-normalize.js";
import { requireText } from "./require-text.js";

/**
 * verl's `math_reward.compute_score`, reproduced exactly (the verl-compatible preset;
 * docs/rewards/verifiable.md, conformance op `reward.mathEquivVerl`).
 *
 * score = 1 if the last box of `solution` is {@link hendrycksEquivalent} to `groundTruth`, else 0.
 *
 * Quirks kept on purpose: if the text contains `"\boxed "` anywhere, the answer is everything
 * after the last `"\boxed "` up to the next `$` (so `\boxed 12 ways` → `"12 ways"`); otherwise the
 * last `\boxed` (or, failing that, `\fbox`) with brace matching; an `\fbox{…}` is found but then
 * rejected (score 0), as are unbalanced braces. `1,000` ≠ `1000`, `3.0` ≠ `3`, `5 cm` ≠ `5`.
 * For @rl's own, more forgiving grader see {@link mathAnswerReward}.
 *
 * @example
 * verlMathReward("So \\boxed{10\\%}.", "10"); // { score: 1 }
 * verlMathReward("\\fbox{5}", "5");           // { score: 0 }
 * @remarks verl (volcengine/verl, `verl/utils/reward_score/math_reward.py`); MATH arXiv:2103.03874
 */
export function verlMathReward(solution: string, groundTruth: string): { score: number } {
  requireText(solution, "verlMathReward", "solution");
  requireText(groundTruth, "verlMathReward", "groundTruth");
  const box = verlLastBoxedString(solution);
  if (box === null) return { score: 0 };
  const answer = verlRemoveBoxed(box);
  if (answer === null) return { score: 0 };
  return { score: hendrycksEquivalent(answer, groundTruth) ? 1 : 0 };
}

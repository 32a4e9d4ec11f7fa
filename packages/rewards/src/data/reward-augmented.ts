import { z } from "zod";
import { describeValue, parseConfig, preferencePairSchema, RLError, type PreferencePair } from "@rl/core";


/**
 * A number as Python's f-string prints it after the reference's `int(s) if int(s) == s else s`:
 * integral values without a decimal point, others as `repr(float)` (exponent below 1e-4 or from
 * 1e16, two-digit exponent).
 */
function pythonScore(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  const ax = Math.abs(x);
  if (ax !== 0 && (ax < 1e-4 || ax >= 1e16)) {
    const [mant, exp] = x.toExponential().split("e") as [string, string];
    const e = Number(exp);
    return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return String(x);
}

/**
 * The system prompt that conditions a response on a target score, verbatim from the reference
 * (scale 1–10): `You are an assistant that generates responses for the instruction while implicitly
 * achieving the following target scores (on a scale of 1-10, where 1 is lowest and 10 is highest):\nOverall score: {score}.`
 * At inference, condition on the best score (10 on UltraFeedback's scale).
 *
 * @example
 * rewardConditionedSystemPrompt(8).endsWith("Overall score: 8."); // true
 * rewardConditionedSystemPrompt(7.5).endsWith("Overall score: 7.5."); // true
 * @remarks Zhang et al., "Reward-Augmented Data Enhances Direct Preference Alignment of LLMs", arXiv:2410.08067; shenao-zhang/reward-augmented-preference scripts/reward_augmentation.py (`system_prompt`) @ 058a5def
 */
export function rewardConditionedSystemPrompt(score: number): string {
  if (typeof score !== "number" || !Number.isFinite(score)) {
    throw new RLError("INVALID_INPUT", `rewardConditionedSystemPrompt: score must be a finite number, got ${describeValue(score)}`);
  }
  return `You are an assistant that generates responses for the instruction while implicitly achieving the following target scores (on a scale of 1-10, where 1 is lowest and 10 is highest):\nOverall score: ${pythonScore(score)}.`;
}

/** A preference pair with the judge's reward of each response (UltraFeedback's `overall_score`). */
export const scoredPreferencePairSchema = preferencePairSchema.extend({
  chosenReward: z.number().refine(Number.isFinite, { message: "must be a finite number" }),
  rejectedReward: z.number().refine(Number.isFinite, { message: "must be a finite number" }),
});
export type ScoredPreferencePair = z.input<typeof scoredPreferencePairSchema>;

/** Config of {@link rewardAugmentedPairs}. */
export const rewardAugmentedPairsConfig = z.object({
  /**
   * Where the condition goes. `"system"` (the reference's main dataset, used by its DPO recipes): a
   * system message before the user message; the pairs come out in core's `"json"` message encoding
   * (each side `JSON.stringify(messages)`, so `preferencePairToConversational(p, { promptEncoding: "json" })` from `@rl/core/data`
   * gives TRL's conversational record). `"prompt"` (the reference's `_nosys` dataset): the condition
   * and a blank line prepended to the prompt text; the pairs stay plain text.
   */
  placement: z.enum(["system", "prompt"]).default("system"),
  /** `"blocks"` (reference): every reward-of-chosen pair, then every reward-of-rejected pair; `"interleaved"`: the two pairs of each input next to each other. */
  order: z.enum(["blocks", "interleaved"]).default("blocks"),
  /** Drop input pairs whose rejected reward exceeds the chosen reward (the reference filters on a separate averaged fine-grained score; apply that filter yourself). */
  dropInverted: z.boolean().default(false),
  /** Drop input pairs with equal rewards (their two relabelled pairs share one prompt and contradict each other; the reference keeps them). */
  dropTies: z.boolean().default(false),
  /** Builds the condition from a target reward (default {@link rewardConditionedSystemPrompt}). */
  systemPrompt: z.custom<(score: number) => string>((v) => typeof v === "function", "a function").optional(),
});
export type RewardAugmentedPairsConfig = z.input<typeof rewardAugmentedPairsConfig>;

/** Result of {@link rewardAugmentedPairs}. */
export interface RewardAugmentedPairs {
  pairs: PreferencePair[];
  /** For each output pair: the target reward it is conditioned on, which response it prefers (`"chosen"` = the input's chosen), and its input index. */
  targets: { target: number; goal: "chosen" | "rejected"; source: number }[];
  /** Input pairs left out, with the reason. */
  dropped: { index: number; reason: "inverted" | "tie" }[];
}

/**
 * Reward-augmented preference data (Zhang et al. 2024, arXiv:2410.08067): relabel each scored pair
 * `(x, y_w, y_l, r_w, r_l)` into two reward-conditioned pairs,
 * `(x | "score r_w", y_w ≻ y_l)` and `(x | "score r_l", y_l ≻ y_w)`: under the goal "reach r_l" the
 * lower-rated response is the better one. The policy learns the whole quality spectrum instead of only
 * "chosen beats rejected", which is what keeps DPO from unlearning good rejected responses; at
 * inference it is conditioned on the top score. Pure data transform over core's `PreferencePair`;
 * the output has twice the input's pairs (less what `dropInverted` / `dropTies` remove).
 *
 * The first pair keeps the input's `margin`; the flipped pair has none (a margin measures the
 * original direction). Ids get `#chosen-goal` / `#rejected-goal`. Reference: the construction,
 * template and order of `scripts/reward_augmentation.py` (058a5def), reproduced byte for byte in
 * `test/data/reward-augmented.test.ts` for `placement: "system"`. For `"prompt"` the reference's
 * `add_neg_goal_nosys` neither swaps the responses nor prefixes the rejected side once (it mutates the
 * shared message and prefixes twice); here the negative pair follows the paper (swapped, one prefix).
 *
 * @example
 * const r = rewardAugmentedPairs([{ prompt: "2+2?", chosen: "4", rejected: "5", chosenReward: 9, rejectedReward: 3 }], { placement: "prompt" });
 * r.pairs.length; // 2
 * r.pairs[1].chosen; // "5"
 * r.pairs[1].prompt.startsWith("You are an assistant"); // true
 * r.targets; // [{ target: 9, goal: "chosen", source: 0 }, { target: 3, goal: "rejected", source: 0 }]
 * @remarks Zhang, Liu, Wang et al., "Reward-Augmented Data Enhances Direct Preference Alignment of LLMs", arXiv:2410.08067; shenao-zhang/reward-augmented-preference scripts/reward_augmentation.py (`add_pos_goal`, `add_neg_goal`, `*_nosys`) @ 058a5def
 */
export function rewardAugmentedPairs(pairs: readonly ScoredPreferencePair[], config: RewardAugmentedPairsConfig = {}): RewardAugmentedPairs {
  const fn = "rewardAugmentedPairs";
  const c = parseConfig(rewardAugmentedPairsConfig, config, fn);
  if (!Array.isArray(pairs)) throw new RLError("INVALID_INPUT", `${fn}: pairs must be an array of { prompt, chosen, rejected, chosenReward, rejectedReward }`);
  const condition = c.systemPrompt ?? rewardConditionedSystemPrompt;
  const pos: { pair: PreferencePair; t: RewardAugmentedPairs["targets"][number] }[] = [];
  const neg: typeof pos = [];
  const dropped: RewardAugmentedPairs["dropped"] = [];
  const build = (prompt: string, chosen: string, rejected: string, sys: string): PreferencePair => {
    if (typeof sys !== "string") throw new RLError("PLUGIN_OUTPUT", `${fn}: systemPrompt returned ${typeof sys}, expected a string`);
    if (c.placement === "prompt") return { prompt: `${sys}\n\n${prompt}`, chosen, rejected };
    return {
      prompt: JSON.stringify([
        { role: "system", content: sys },
        { role: "user", content: prompt },
      ]),
      chosen: JSON.stringify([{ role: "assistant", content: chosen }]),
      rejected: JSON.stringify([{ role: "assistant", content: rejected }]),
    };
  };
  pairs.forEach((raw, i) => {
    const parsed = scoredPreferencePairSchema.safeParse(raw);
    if (!parsed.success) {
      const where = parsed.error.issues.map((is) => is.path.join(".") || "(root)").join(", ");
      throw new RLError("INVALID_INPUT", `${fn}: pairs[${i}] is not a scored preference pair (bad: ${where}); expected { prompt, chosen, rejected: string, chosenReward, rejectedReward: finite number }`, { issues: parsed.error.issues });
    }
    const p = parsed.data;
    if (c.dropInverted && p.rejectedReward > p.chosenReward) return void dropped.push({ index: i, reason: "inverted" });
    if (c.dropTies && p.rejectedReward === p.chosenReward) return void dropped.push({ index: i, reason: "tie" });
    const a = build(p.prompt, p.chosen, p.rejected, condition(p.chosenReward));
    if (p.margin !== undefined) a.margin = p.margin;
    const b = build(p.prompt, p.rejected, p.chosen, condition(p.rejectedReward));
    if (p.id !== undefined) {
      a.id = `${p.id}#chosen-goal`;
      b.id = `${p.id}#rejected-goal`;
    }
    pos.push({ pair: a, t: { target: p.chosenReward, goal: "chosen", source: i } });
    neg.push({ pair: b, t: { target: p.rejectedReward, goal: "rejected", source: i } });
  });
  const all = c.order === "blocks" ? [...pos, ...neg] : pos.flatMap((x, k) => [x, neg[k]!]);
  return { pairs: all.map((x) => x.pair), targets: all.map((x) => x.t), dropped };
}


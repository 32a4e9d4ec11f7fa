import { assertFiniteResult, RLError, parseConfig, describeValue } from "@rl/core/arrays";
import { z } from "zod";
import { checkRubric } from "./check-rubric.js";
import type { Rubric, RubricCriterion, RubricVerdict } from "./rubric-schema.js";

/** Config of {@link aggregateRubric}. Category weights are our defaults (RaR's mapping is unpublished). */
export const aggregateRubricConfig = z.object({
  /** `weighted`: normalised weighted sum; `all`: 1 iff every criterion holds and no pitfall triggers (all-principles AND). */
  mode: z.enum(["weighted", "all"]).default("weighted"),
  categoryWeights: z
    .object({ essential: z.number().nonnegative(), important: z.number().nonnegative(), optional: z.number().nonnegative(), pitfall: z.number().nonnegative() })
    .default({ essential: 5, important: 3, optional: 1, pitfall: 2 }),
  /** `gate`: any failed hard rule → `hardRuleFailValue`, hard rules leave the sum; `weighted`: hard rules are ordinary criteria. */
  hardRulePolicy: z.enum(["gate", "weighted"]).default("gate"),
  hardRuleFailValue: z.number().default(0),
  /** Binarise verdicts at this threshold (`c = [v ≥ t]`, RLBFF-style); `null` = use probabilities. Hard rules and `all` mode always binarise at 0.5 when null. */
  threshold: z.number().min(0).max(1).nullable().default(null),
  clampTo01: z.boolean().default(true),
});
export type AggregateRubricConfig = z.input<typeof aggregateRubricConfig>;

/** What {@link aggregateRubric} returns: the reward (`null` = no signal) and why. */
export interface RubricAggregate {
  reward: number | null;
  /** True when a failed hard rule set the reward. */
  gated: boolean;
  /** Criteria whose `null` verdict was dropped from numerator and denominator. */
  dropped: string[];
}

/**
 * Aggregates per-criterion verdicts into one reward (docs/rewards/rubric.md; Rubrics-as-Rewards
 * arXiv:2507.17746, OpenRubrics arXiv:2510.07743, RLBFF arXiv:2509.21319).
 *
 *   weighted: r = (Σ_{pos} w_j c_j − Σ_{pit} w_j t_j) / Σ_{pos} w_j, clipped to [0,1]
 *   all:      r = 1 if every positive c_j ≥ ½ and no pitfall t_j ≥ ½, else 0
 *   gate:     any hard rule with verdict < ½ → r = hardRuleFailValue (hard rules leave the sum)
 *
 * `w_j` = the criterion's `weight` or its category weight (essential 5, important 3, optional 1,
 * pitfall 2). Edge cases: a `null` verdict on an essential criterion or a hard rule → reward `null`
 * (skip, not 0); other `null`s are dropped; a missing verdict → `INVALID_INPUT`; positive weights
 * summing to 0 → `INVALID_INPUT`. In gate mode a rubric of hard rules only gives 1 when all pass.
 *
 * @example
 * aggregateRubric(rubric, { a: 1, b: 0, c: 1 }).reward; // weights [5,3,1] → 6/9 = 0.6666667
 */
export function aggregateRubric(
  rubric: Rubric,
  verdicts: Readonly<Record<string, RubricVerdict>>,
  config: AggregateRubricConfig = {},
): RubricAggregate {
  const fn = "aggregateRubric";
  const cfg = parseConfig(aggregateRubricConfig, config, fn);
  checkRubric(rubric, fn);
  if (typeof verdicts !== "object" || verdicts === null) throw new RLError("INVALID_INPUT", `${fn}: verdicts must be { criterionId: verdict }, got ${describeValue(verdicts)}`);
  const weightOf = (c: RubricCriterion): number => c.weight ?? cfg.categoryWeights[c.category];
  const dropped: string[] = [];
  for (const c of rubric.criteria) {
    if (!(c.id in verdicts)) throw new RLError("INVALID_INPUT", `${fn}: no verdict for criterion "${c.id}"`);
    const v = verdicts[c.id];
    if (v !== null && !(typeof v === "number" && v >= 0 && v <= 1)) {
      throw new RLError("INVALID_INPUT", `${fn}: verdict for "${c.id}" is ${describeValue(v)}; verdicts are numbers in [0, 1] or null`);
    }
    if (v === null && (c.category === "essential" || c.kind === "hard_rule")) return { reward: null, gated: false, dropped: [c.id] };
  }
  const verdict = (c: RubricCriterion): number | null => verdicts[c.id] ?? null;
  const gate = cfg.hardRulePolicy === "gate";
  if (gate && rubric.criteria.some((c) => c.kind === "hard_rule" && (verdict(c) as number) < 0.5)) {
    return { reward: cfg.hardRuleFailValue, gated: true, dropped };
  }
  const scored = rubric.criteria.filter((c) => !(gate && c.kind === "hard_rule"));
  const live = scored.filter((c) => {
    if (verdict(c) === null) {
      dropped.push(c.id);
      return false;
    }
    return true;
  });
  const positives = live.filter((c) => c.category !== "pitfall");
  const pitfalls = live.filter((c) => c.category === "pitfall");
  if (cfg.mode === "all") {
    if (dropped.length > 0) return { reward: null, gated: false, dropped };
    const ok = positives.every((c) => (verdict(c) as number) >= 0.5) && pitfalls.every((c) => (verdict(c) as number) < 0.5);
    return { reward: ok ? 1 : 0, gated: false, dropped };
  }
  if (scored.filter((c) => c.category !== "pitfall").length === 0) return { reward: 1, gated: false, dropped };
  if (positives.length === 0) return { reward: null, gated: false, dropped };
  const c = (x: RubricCriterion): number => {
    const v = verdict(x) as number;
    return cfg.threshold === null ? v : v >= cfg.threshold ? 1 : 0;
  };
  const denom = positives.reduce((s, x) => s + weightOf(x), 0);
  if (!(denom > 0)) throw new RLError("INVALID_INPUT", `${fn}: the positive criteria of rubric "${rubric.id}" have total weight 0`);
  const num = positives.reduce((s, x) => s + weightOf(x) * c(x), 0) - pitfalls.reduce((s, x) => s + weightOf(x) * c(x), 0);
  const r = num / denom;
  return { reward: cfg.clampTo01 ? Math.min(1, Math.max(0, r)) : r, gated: false, dropped };
}

/**
 * RaR implicit aggregation: a holistic Likert rating `s` on `[min, max]` normalised to
 * `(s − min)/(max − min)`. `null` stays `null`; a rating outside the scale → `INVALID_INPUT`.
 * @example
 * normalizeLikert(8, { min: 1, max: 10 }); // 0.7777778
 */
export function normalizeLikert(rating: number | null, scale: { min: number; max: number } = { min: 1, max: 10 }): number | null {
  if (typeof scale !== "object" || scale === null) throw new RLError("INVALID_CONFIG", `normalizeLikert: scale must be { min, max }, got ${describeValue(scale)}`);
  for (const key of ["min", "max"] as const) {
    const v: unknown = scale[key];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new RLError("INVALID_CONFIG", `normalizeLikert: scale.${key} must be a finite number, got ${describeValue(v)}`);
  }
  if (rating === null) return null;
  if (!(scale.max > scale.min)) throw new RLError("INVALID_CONFIG", `normalizeLikert: scale.max (${scale.max}) must exceed scale.min (${scale.min})`);
  if (typeof rating !== "number" || !(rating >= scale.min && rating <= scale.max)) {
    throw new RLError("INVALID_INPUT", `normalizeLikert: rating ${describeValue(rating)} is outside [${scale.min}, ${scale.max}]`);
  }
  const out = (rating - scale.min) / (scale.max - scale.min);
  assertFiniteResult(out, "normalizeLikert", "the normalised rating", "scale.max − scale.min overflows");
  return out;
}

import { RLError, formatIssues } from "@rl/core/arrays";
import { z } from "zod";

/** Rubrics-as-Rewards categories. A `pitfall` is phrased as a failure; when triggered it subtracts its weight. */
export const rubricCategorySchema = z.enum(["essential", "important", "optional", "pitfall"]);
export type RubricCategory = z.infer<typeof rubricCategorySchema>;

/**
 * One rubric criterion (RaR arXiv:2507.17746; OpenRubrics arXiv:2510.07743; RLBFF arXiv:2509.21319):
 * a self-contained, judgeable statement. `kind` is `hard_rule` (explicit constraint: length, format,
 * must-include — gates the reward) or `principle` (implicit quality, RLBFF-style binary question
 * "does the response satisfy …?"). `weight` overrides the category weight.
 *
 * A hard rule's `category` (default "important", like any criterion) matters only when
 * `aggregateRubric` runs with `hardRulePolicy: "weighted"`; under the default `"gate"` a hard rule
 * decides pass / fail and is left out of the weighted sum, so its category and weight are unused.
 */
export const rubricCriterionSchema = z.object({
  id: z.string().min(1),
  text: z.string().min(1),
  kind: z.enum(["hard_rule", "principle"]).default("principle"),
  category: rubricCategorySchema.default("important"),
  weight: z.number().nonnegative().optional(),
});
export type RubricCriterion = z.output<typeof rubricCriterionSchema>;
export type RubricCriterionInput = z.input<typeof rubricCriterionSchema>;

/**
 * A rubric: criteria with unique ids and at least one non-pitfall criterion. `source` records
 * provenance (OpenRubrics' contrastive generation). Aggregation settings live in the config of
 * `aggregateRubric`, not in the rubric.
 */
export const rubricSchema = z.object({
  id: z.string().min(1),
  criteria: z
    .array(rubricCriterionSchema)
    .min(1, "a rubric needs at least one criterion")
    .refine((xs) => new Set(xs.map((x) => x.id)).size === xs.length, "duplicate criterion id")
    .refine((xs) => xs.some((x) => x.category !== "pitfall"), "needs at least one non-pitfall criterion"),
  source: z.enum(["human", "llm", "contrastive"]).optional(),
});
export type Rubric = z.output<typeof rubricSchema>;
export type RubricInput = z.input<typeof rubricSchema>;

/**
 * Parses a rubric (fills defaults: kind `principle`, category `important`); throws
 * `RLError("INVALID_INPUT")` naming every bad field (empty rubric, duplicate ids, only pitfalls).
 *
 * @example
 * const rubric = parseRubric({ id: "r1", criteria: [{ id: "cites", text: "Cites a source", category: "essential" }] });
 */
export function parseRubric(input: unknown): Rubric {
  const r = rubricSchema.safeParse(input);
  if (!r.success) throw new RLError("INVALID_INPUT", `parseRubric: invalid rubric: ${formatIssues(r.error.issues)}`, { issues: r.error.issues });
  return r.data;
}

/**
 * A judge's verdict on one criterion: a probability in `[0,1]` that the response satisfies it
 * (1/0 for binary judges; for a pitfall: that it is triggered), or `null` = no usable verdict.
 */
export type RubricVerdict = number | null;

/** The judge port: grades one criterion of one response. Implementations should use temperature 0 and cache. */
export type RubricJudge = (prompt: string, response: string, criterion: RubricCriterion) => Promise<RubricVerdict>;

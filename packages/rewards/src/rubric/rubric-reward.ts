import { RLError, parseConfig } from "@rl/core/arrays";
import { z } from "zod";
import { type AggregateRubricConfig, type RubricAggregate, aggregateRubric } from "./aggregate-rubric.js";
import { checkRubric } from "./check-rubric.js";
import type { Rubric, RubricJudge, RubricVerdict } from "./rubric-schema.js";

/** Config of {@link rubricReward}: the aggregation config plus how judge failures count. */
export const rubricRewardConfig = z.object({
  /** Passed to {@link aggregateRubric}. */
  aggregation: z.custom<AggregateRubricConfig>((v) => typeof v === "object" && v !== null).optional(),
  /** `null`: a malformed verdict (`PARSE`) becomes a `null` verdict (docs/rewards/rubric.md); `throw`: it propagates. Network errors always propagate. */
  onParseError: z.enum(["null", "throw"]).default("null"),
});
export type RubricRewardConfig = z.input<typeof rubricRewardConfig>;

/** What {@link rubricReward} returns: the aggregate plus each criterion's verdict, for logging. */
export interface RubricRewardResult extends RubricAggregate {
  verdicts: Record<string, RubricVerdict>;
}

/**
 * Grades a response with a rubric: every criterion is judged independently (in parallel; the
 * judge limits concurrency) and the verdicts are aggregated with {@link aggregateRubric}
 * (Rubrics-as-Rewards arXiv:2507.17746; OpenRubrics arXiv:2510.07743).
 *
 * Edge cases: a judge `PARSE` error is a `null` verdict (so an essential or hard-rule parse
 * failure makes the reward `null` = skip); other judge errors propagate as `RLError`.
 *
 * @example
 * const { reward, verdicts } = await rubricReward("Q?", "A.", rubric, judge);
 */
export async function rubricReward(
  prompt: string,
  response: string,
  rubric: Rubric,
  judge: RubricJudge,
  config: RubricRewardConfig = {},
): Promise<RubricRewardResult> {
  const cfg = parseConfig(rubricRewardConfig, config, "rubricReward");
  checkRubric(rubric, "rubricReward");
  if (typeof judge !== "function") throw new RLError("INVALID_INPUT", `rubricReward: judge must be a function (prompt, response, criterion) => verdict, got ${typeof judge}`);
  const entries = await Promise.all(
    rubric.criteria.map(async (c): Promise<[string, RubricVerdict]> => {
      try {
        return [c.id, await judge(prompt, response, c)];
      } catch (e) {
        if (cfg.onParseError === "null" && RLError.isInstance(e) && e.code === "PARSE") return [c.id, null];
        throw e;
      }
    }),
  );
  const verdicts = Object.fromEntries(entries);
  return { ...aggregateRubric(rubric, verdicts, cfg.aggregation ?? {}), verdicts };
}

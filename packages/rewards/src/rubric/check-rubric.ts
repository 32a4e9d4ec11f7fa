// Internal: not re-exported by rubric/index.ts.
import { RLError, formatIssues } from "@rl/core/arrays";
import { rubricSchema, type Rubric } from "./rubric-schema.js";

/** Throws `RLError("INVALID_INPUT")` naming `fn` unless `rubric` is a valid {@link Rubric} (as {@link parseRubric} returns). @internal */
export function checkRubric(rubric: unknown, fn: string): asserts rubric is Rubric {
  const r = rubricSchema.safeParse(rubric);
  if (!r.success) throw new RLError("INVALID_INPUT", `${fn}: invalid rubric: ${formatIssues(r.error.issues)}`, { issues: r.error.issues });
}

import { z } from "zod";
import { parseConfig, RLError } from "@rl/core/arrays";
import { checkNumbers } from "./types.js";

/** Config schema of {@link aggregateSteps} (zod; the defaults are the reference defaults). */
export const aggregateStepsConfig = z.object({
  /**
   * `min` (default; Math-Shepherd), `last` (≈ an ORM), `product` (P(all steps correct)), `mean`,
   * `sum` (ImplicitPRM alternative), `sumLogit` (Σ log(p/(1−p)) with p clamped to [ε, 1−ε]).
   */
  mode: z.enum(["min", "last", "product", "mean", "sum", "sumLogit"]).default("min"),
  /** Clamp for `sumLogit`. */
  epsilon: z.number().positive().lt(0.5).default(1e-6),
});
/** Input type of `aggregateStepsConfig` (every field optional where it has a default). */
export type AggregateStepsConfig = z.input<typeof aggregateStepsConfig>;

/**
 * PRM step aggregation: step scores `p_1..p_n` → one solution score (docs/rewards/transforms.md).
 * `min` = `min_t p_t`; `last` = `p_n`; `product` = `Π_t p_t` (computed as `exp(Σ log p_t)`, exact 0
 * when a step is 0); `mean`; `sum`; `sumLogit` = `Σ logit(clamp(p_t, ε, 1−ε))`.
 *
 * Default `min`: robust to one bad step and free of length bias; `product` and `sum` are
 * length-biased (more factors < 1 → lower score). `product` and `sumLogit` need probabilities in
 * [0, 1]. Empty step list → `null` (not 1 for product, not +∞ for min). `min`, `product` (on
 * probabilities) and `mean` are monotone non-decreasing in every step.
 *
 * @example
 * aggregateSteps([0.9, 0.6, 0.8]);                      // 0.6
 * aggregateSteps([0.9, 0.6, 0.8], { mode: "product" }); // 0.432
 * @remarks Math-Shepherd (arXiv:2312.08935); Let's Verify Step by Step (arXiv:2305.20050); The Lessons of Developing PRMs (arXiv:2501.07301)
 */
export function aggregateSteps(scores: readonly number[], config: AggregateStepsConfig = {}): number | null {
  const { mode, epsilon } = parseConfig(aggregateStepsConfig, config, "aggregateSteps");
  const xs = checkNumbers(scores, "aggregateSteps", "scores");
  if (xs.length === 0) return null;
  if (mode === "product" || mode === "sumLogit") {
    xs.forEach((p, i) => {
      if (p < 0 || p > 1) throw new RLError("INVALID_INPUT", `aggregateSteps: scores[${i}] is ${p}; mode "${mode}" needs probabilities in [0, 1]`);
    });
  }
  switch (mode) {
    case "min":
      return Math.min(...xs);
    case "last":
      return xs[xs.length - 1] as number;
    case "mean":
      return xs.reduce((s, x) => s + x, 0) / xs.length;
    case "sum":
      return xs.reduce((s, x) => s + x, 0);
    case "product":
      return xs.some((p) => p === 0) ? 0 : Math.exp(xs.reduce((s, p) => s + Math.log(p), 0));
    case "sumLogit":
      return xs.reduce((s, p) => {
        const q = Math.min(Math.max(p, epsilon), 1 - epsilon);
        return s + Math.log(q / (1 - q));
      }, 0);
  }
}

/**
 * `@rl/alignment/recipes`: short, readable training loops built only from public functions
 * (`dpo`, `grpo`), to run as they are or copy and change. Not trainers: no hidden state, every
 * step's metrics returned and passed to `onStep`.
 * @module @rl/alignment/recipes
 */
export { dpo, dpoEvaluate, type DpoRecipeOptions, type StackedPreferenceBatch, type RecipeMetrics } from "./dpo.js";
export { grpo, type GrpoRecipeOptions } from "./grpo.js";

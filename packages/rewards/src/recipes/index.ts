/**
 * `@rl/rewards/recipes`: a reward-model training loop built only from public functions, to run
 * as it is or copy and change.
 * @module @rl/rewards/recipes
 */
export { rewardModel, type RewardModelRecipeOptions, type RewardPreferenceBatch } from "./reward-model.js";

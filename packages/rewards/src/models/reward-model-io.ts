// Saving and loading a reward model's variables: the JSON checkpoint of `checkpoint.ts`, written
// with core's atomic write (temp file, fsync, rename). Internal to `createRewardModel`.
import { RLError, type tf } from "@rl/core";
import { type AtomicWriteOptions, loadVariables, saveVariables } from "./checkpoint.js";
import type { RewardObjective } from "./objectives.js";

/** Atomically saves `variables` (encoder then head) with the objective and hidden size as metadata. */
export async function saveRewardModelFile(
  path: string,
  variables: readonly tf.Variable[],
  meta: { objective: RewardObjective; hiddenSize: number },
  options?: AtomicWriteOptions,
): Promise<void> {
  await saveVariables(path, variables, meta, options);
}

/**
 * Loads a checkpoint of the same objective and architecture into `variables`. A checkpoint of
 * another objective → `INVALID_INPUT`, before any weight is touched; the rest of the checks
 * (shapes, byte lengths, finiteness) are `loadVariables`'s.
 */
export async function loadRewardModelFile(path: string, variables: readonly tf.Variable[], objective: RewardObjective): Promise<void> {
  await loadVariables(path, variables, (meta) => {
    if (meta.objective !== objective) {
      throw new RLError("INVALID_INPUT", `RewardModel.load: ${path} holds a "${String(meta.objective)}" model, this one is "${objective}"`);
    }
  });
}

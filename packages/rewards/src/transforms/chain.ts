import { RLError } from "@rl/core/arrays";
import type { RewardTransform } from "./types.js";

/** A transform of any state type (the constraint of {@link chainTransforms}'s members). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- `any` keeps each member's own state type inferable
export type AnyRewardTransform = RewardTransform<any>;

/** The state of a chain: the tuple of its members' states, typed member by member. */
export type ChainState<T extends readonly AnyRewardTransform[]> = { -readonly [K in keyof T]: T[K] extends RewardTransform<infer S> ? S : never };

/**
 * Chains reward transforms left to right, like `optax.chain`: the output rewards of one are the input
 * of the next (the context passes unchanged); the state is the tuple of the members' states.
 *
 * Edge cases: no transforms → error; a member that changes the batch length → `SHAPE_MISMATCH`.
 *
 * @example
 * const t = chainTransforms(runningRewardNormalizer(), clipTransform({ min: -3, max: 3 }));
 * let state = t.init();
 * const { output, state: next } = t.update({ rewards: [1, 2, null] }, state);
 * next[0].count; // typed: the running normaliser's statistics, no cast
 * @remarks Mirrors `optax.chain` (optax/_src/combine.py).
 */
export function chainTransforms<const T extends readonly AnyRewardTransform[]>(...transforms: T): RewardTransform<ChainState<T>> {
  if (transforms.length === 0) throw new RLError("INVALID_INPUT", "chainTransforms: needs at least one transform");
  // Each member gets back exactly the state its own init made, so the erased type is safe here.
  const ts = transforms as unknown as readonly RewardTransform<unknown>[];
  return {
    init: () => ts.map((t) => t.init()) as ChainState<T>,
    update: (input, state) => {
      if (!Array.isArray(state) || state.length !== ts.length) {
        throw new RLError("INVALID_INPUT", `chainTransforms: state has ${Array.isArray(state) ? state.length : "no"} entries, the chain has ${ts.length} transforms`);
      }
      let rewards = input.rewards;
      const next: unknown[] = [];
      ts.forEach((t, k) => {
        const r = t.update({ rewards, ...(input.context === undefined ? {} : { context: input.context }) }, state[k]);
        if (r.output.length !== rewards.length) {
          throw new RLError("SHAPE_MISMATCH", `chainTransforms: transform ${k} returned ${r.output.length} rewards for ${rewards.length}`);
        }
        rewards = r.output;
        next.push(r.state);
      });
      return { output: [...rewards], state: next as ChainState<T> };
    },
  };
}

import { RLError, describeValue, type Stateful } from "@rl/core/arrays";

/** One reward per sample; `null` = "no signal" — it passes through every transform unchanged and is
 *  left out of every statistic (docs/rewards/transforms.md). */
export type RewardBatch = readonly (number | null)[];

/** Per-sample side information some transforms need. */
export interface RewardContext {
  /** Rewards of reference responses for each sample's prompt (PAR, LSC), `[B][M]`. */
  refRewards?: readonly (readonly number[])[];
  /** Response lengths in tokens (the PAR code's length penalty), `[B]`. */
  responseLengths?: readonly number[];
  /** Verbalised confidences in `[0, 1]` (PPO-C); `null` = none stated (neutral 0.5). */
  confidences?: readonly (number | null)[];
}

/** Input of a {@link RewardTransform}: the batch and its context. */
export interface RewardTransformInput {
  rewards: RewardBatch;
  context?: RewardContext;
}

/**
 * A reward transform, optax-style: an explicit `{ init, update }` pair (core's `Stateful`). Stateless
 * transforms have state `undefined`; compose with {@link chainTransforms}.
 */
export type RewardTransform<S = unknown> = Stateful<S, RewardTransformInput, (number | null)[]>;

/** Validates a reward batch (finite numbers or null); returns a mutable copy. @internal */
export function checkRewardBatch(rewards: RewardBatch, fn: string, name = "rewards"): (number | null)[] {
  if (!Array.isArray(rewards)) throw new RLError("INVALID_INPUT", `${fn}: ${name} must be an array of numbers or null`);
  return rewards.map((r, i) => {
    if (r === null) return null;
    if (typeof r !== "number" || !Number.isFinite(r)) {
      throw new RLError("NON_FINITE", `${fn}: ${name}[${i}] is ${describeValue(r)}; expected a finite number or null`);
    }
    return r;
  });
}

/** Validates a list of finite numbers. @internal */
export function checkNumbers(xs: readonly number[], fn: string, name: string, options: { nonEmpty?: boolean } = {}): readonly number[] {
  if (!Array.isArray(xs)) throw new RLError("INVALID_INPUT", `${fn}: ${name} must be an array of numbers`);
  if (options.nonEmpty === true && xs.length === 0) throw new RLError("INVALID_INPUT", `${fn}: ${name} is empty`);
  xs.forEach((x, i) => {
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new RLError("NON_FINITE", `${fn}: ${name}[${i}] is ${describeValue(x)}; expected a finite number`);
    }
  });
  return xs;
}

/** The per-sample reference rewards of a context, checked against the batch size. @internal */
export function contextRefs(input: RewardTransformInput, fn: string): readonly (readonly number[])[] {
  const refs = input.context?.refRewards;
  if (refs === undefined) throw new RLError("INVALID_INPUT", `${fn}: context.refRewards is required`);
  if (refs.length !== input.rewards.length) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: context.refRewards has ${refs.length} rows, rewards has ${input.rewards.length} entries`);
  }
  return refs;
}

/**
 * Lifts a pure batch function into a stateless {@link RewardTransform} (state `undefined`).
 *
 * @example
 * const double = statelessTransform((r) => r.map((x) => (x === null ? null : 2 * x)));
 * double.update({ rewards: [1, null] }, double.init()).output; // [2, null]
 * @remarks Like `optax.stateless` (optax/_src/base.py).
 */
export function statelessTransform(f: (rewards: RewardBatch, context: RewardContext) => (number | null)[]): RewardTransform<undefined> {
  return {
    init: () => undefined,
    update: (input) => ({ output: f(input.rewards, input.context ?? {}), state: undefined }),
  };
}

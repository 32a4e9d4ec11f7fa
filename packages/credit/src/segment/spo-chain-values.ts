import { z } from "zod";
import { RLError, parseConfig, describeValue } from "@rl/core/arrays";

/**
 * Config of {@link spoChainValues}.
 * - `unfinishedReward` (0): the reward of a rollout that did not finish (`null` return). The SPO
 *   code uses the task's penalty here; pass yours.
 */
export const spoChainValuesConfig = z.object({
  unfinishedReward: z.number().default(0),
});
/** Input type of {@link spoChainValuesConfig}. */
export type SpoChainValuesConfig = z.input<typeof spoChainValuesConfig>;

/** Sampled returns of the rollouts from each cut state (`null` = unfinished rollout). */
export type CutRollouts =
  | ReadonlyMap<number, readonly (number | null)[]>
  | ((state: number) => readonly (number | null)[]);

/** Monte-Carlo values of cut states. */
export interface SpoChainValues {
  /** Mean return per state: pass as `cutValues` to `spoChainAdvantages`. */
  readonly values: Map<number, number>;
  /** Population std of the returns per state (a diagnostic). */
  readonly std: Map<number, number>;
}

/**
 * Monte-Carlo values of SPO-chain cut states (SPO, arXiv:2505.23564; the reference samples
 * N = 9 rollouts per state): `V(c) = mean of the returns of the rollouts from prompt ⊕ y_{≤c}`,
 * an unfinished rollout (`null`) counting `unfinishedReward`. `rollouts` is a Map from state to
 * sampled returns, or a function that samples them. A state with no rollout (the reference's
 * `std = −1` sentinel) or a non-finite return throws `RLError` instead of producing NaN.
 * See {@link spoChainValuesAsync} for an asynchronous sampler.
 *
 * @example
 * spoChainValues([0, 4], new Map([[0, [1, 0, 0, 1]], [4, [1, 1, null, 1]]])).values; // Map { 0 => 0.5, 4 => 0.75 }
 * @remarks arXiv:2505.23564
 */
export function spoChainValues(cutpoints: ArrayLike<number>, rollouts: CutRollouts, config: SpoChainValuesConfig = {}): SpoChainValues {
  const fn = "spoChainValues";
  const { unfinishedReward } = parseConfig(spoChainValuesConfig, config, fn);
  if (typeof rollouts !== "function" && !(rollouts instanceof Map)) throw new RLError("INVALID_INPUT", `${fn}: rollouts must be a Map (cutpoint → returns) or a function, got ${typeof rollouts}`);
  if (typeof cutpoints !== "object" || cutpoints === null || typeof cutpoints.length !== "number") throw new RLError("INVALID_INPUT", `${fn}: cutpoints must be an array of token indices`);
  const out: SpoChainValues = { values: new Map(), std: new Map() };
  for (let k = 0; k < cutpoints.length; k++) {
    const c = cutpointAt(cutpoints, k, fn);
    const returns = typeof rollouts === "function" ? rollouts(c) : rollouts.get(c);
    addState(out, c, returns, unfinishedReward, fn);
  }
  return out;
}

/**
 * {@link spoChainValues} with an asynchronous sampler (e.g. a model server); states are
 * estimated concurrently.
 *
 * @example
 * const { values } = await spoChainValuesAsync([-1, 4], async (c) => sampleReturns(prompt, c, 9));
 * @remarks arXiv:2505.23564
 */
export async function spoChainValuesAsync(
  cutpoints: ArrayLike<number>,
  sample: (state: number) => Promise<readonly (number | null)[]>,
  config: SpoChainValuesConfig = {},
): Promise<SpoChainValues> {
  const fn = "spoChainValuesAsync";
  const { unfinishedReward } = parseConfig(spoChainValuesConfig, config, fn);
  if (typeof sample !== "function") throw new RLError("INVALID_INPUT", `${fn}: sample must be an async function (cutpoint) => returns, got ${typeof sample}`);
  if (typeof cutpoints !== "object" || cutpoints === null || typeof cutpoints.length !== "number") throw new RLError("INVALID_INPUT", `${fn}: cutpoints must be an array of token indices`);
  const states = Array.from({ length: cutpoints.length }, (_, k) => cutpointAt(cutpoints, k, fn));
  const all = await Promise.all(states.map((c) => sample(c)));
  const out: SpoChainValues = { values: new Map(), std: new Map() };
  states.forEach((c, k) => addState(out, c, all[k], unfinishedReward, fn));
  return out;
}

/** Reads `cutpoints[k]`, a token index (or −1, the prompt), before any rollout is sampled for it. */
function cutpointAt(cutpoints: ArrayLike<number>, k: number, fn: string): number {
  const c = cutpoints[k] as unknown;
  if (typeof c !== "number" || !Number.isInteger(c) || c < -1) {
    throw new RLError("INVALID_INPUT", `${fn}: cutpoints[${k}] is ${describeValue(c)}; expected a token index (an integer ≥ −1)`);
  }
  return c;
}

function addState(
  out: SpoChainValues,
  c: number,
  returns: readonly (number | null)[] | undefined,
  unfinished: number,
  fn: string,
): void {
  if (returns === undefined || returns.length === 0) {
    throw new RLError("INVALID_INPUT", `${fn}: no rollout for cut state ${describeValue(c)}; its value cannot be estimated`);
  }
  let s = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i] ?? unfinished;
    if (!Number.isFinite(r)) throw new RLError("NON_FINITE", `${fn}: return ${i} of state ${c} is ${r}; expected a finite number`);
    s += r;
  }
  const mean = s / returns.length;
  let v = 0;
  for (const r of returns) v += ((r ?? unfinished) - mean) ** 2;
  out.values.set(c, mean);
  out.std.set(c, Math.sqrt(v / returns.length));
}

import { z } from "zod";
import { RLError, parseConfig, toVector, type MatrixLike } from "@rl/core/arrays";

/**
 * Config of the SPO-chain functions (defaults of AIFrameResearch/SPO).
 * - `threshold` ρ (0.9, hard-coded in the reference): tokens with `p < ρ` are low-probability.
 * - `interval` (5, the `int5` configs): a cutpoint before every `interval`-th low-probability token.
 * - `maxSegments` (unset): caps the number of segments; the interval grows to
 *   `max(interval, ceil(|L| / maxSegments))` for a response with `|L|` low-probability tokens.
 */
export const spoChainConfig = z.object({
  threshold: z.number().gt(0).lte(1).default(0.9),
  interval: z.number().int().positive().default(5),
  maxSegments: z.number().int().positive().optional(),
});
/** Input type of {@link spoChainConfig}. */
export type SpoChainConfig = z.input<typeof spoChainConfig>;
/** Output type of {@link spoChainConfig}. */
export type SpoChainOptions = z.output<typeof spoChainConfig>;

/**
 * SPO-chain cutpoints (SPO, arXiv:2505.23564): the states whose Monte-Carlo value is needed.
 *
 *   L = { t : p_t < ρ },   C = (L − 1)[0 :: interval]
 *
 * State `c` is the prefix up to and including token `c`; `c = −1` is the prompt. Each segment
 * `(c_k, c_{k+1}]` starts with a low-probability token. No low-probability token → no cutpoint.
 * `p_t` is the behaviour-policy probability of the sampled token; it must lie in [0, 1].
 *
 * @example
 * spoChainCutpoints([0.95, 0.5, 0.99, 0.7, 0.97, 0.3, 0.98, 0.6], { interval: 2 }); // Int32Array [0, 4]
 * @remarks arXiv:2505.23564
 */
export function spoChainCutpoints(probs: MatrixLike, config: SpoChainConfig = {}): Int32Array {
  const fn = "spoChainCutpoints";
  const options = parseConfig(spoChainConfig, config, fn);
  const p = Array.isArray(probs) && probs.length === 0 ? new Float64Array(0) : toVector(probs, "probs", fn).data;
  const valid = new Uint8Array(p.length).fill(1);
  return rowCutpoints(p, valid, options, fn, "probs");
}

/**
 * Cutpoints of one row whose valid tokens are marked by `valid` (positions in row coordinates;
 * the state before a low-probability token is the previous valid token, or −1).
 * @remarks internal
 */
export function rowCutpoints(
  p: ArrayLike<number>,
  valid: ArrayLike<number>,
  options: SpoChainOptions,
  fn: string,
  name: string,
): Int32Array {
  const low: number[] = [];
  const before: number[] = [];
  let prev = -1;
  for (let t = 0; t < p.length; t++) {
    if ((valid[t] as number) === 0) continue;
    const v = p[t] as number;
    if (!(v >= 0 && v <= 1)) throw new RLError("INVALID_INPUT", `${fn}: ${name}[${t}] is ${v}; a probability lies in [0, 1]`);
    if (v < options.threshold) {
      low.push(t);
      before.push(prev);
    }
    prev = t;
  }
  let interval = options.interval;
  if (options.maxSegments !== undefined) interval = Math.max(interval, Math.ceil(low.length / options.maxSegments));
  const out: number[] = [];
  for (let k = 0; k < before.length; k += interval) out.push(before[k] as number);
  return Int32Array.from(out);
}

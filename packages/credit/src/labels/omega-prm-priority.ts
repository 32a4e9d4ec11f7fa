import { RLError, parseConfig, describeValue } from "@rl/core/arrays";
import { z } from "zod";
import { requireObject } from "../args.js";

/** Config of {@link omegaPrmPriority}. */
export const omegaPrmPriorityConfig = z.object({
  /** α: prefers states whose MC value is high although the rollout is wrong. Default 0.5. */
  alpha: z.number().positive().default(0.5),
  /** β: prefers short rollouts. Default 0.9. */
  beta: z.number().positive().default(0.9),
  /** Length normaliser L (words in the openr port). Default 500. */
  lengthScale: z.number().positive().default(500),
  /** Exploration weight c_puct. Default 0.125. */
  cPuct: z.number().nonnegative().default(0.125),
});
export type OmegaPrmPriorityConfig = z.input<typeof omegaPrmPriorityConfig>;

/**
 * OmegaPRM selection score of a (state, incorrect rollout) pair: `Q + U` with
 * `Q = α^{1 − MC(s)}·β^{len(r)/L}` and `U = c_puct·sqrt(Σ_i N(s_i)) / (1 + N(s))`. The search picks
 * the pair with the largest score among states with `0 < MC(s) < 1`.
 *
 * Defaults: α = 0.5, β = 0.9, L = 500, c_puct = 0.125. Edge cases: `mc` outside [0, 1], or a
 * negative length or visit count, throws `RLError("INVALID_INPUT")`.
 * Paper: OmegaPRM (arXiv:2406.06592); defaults from the openr port.
 *
 * @example
 * omegaPrmPriority({ mc: 0.25, rolloutLength: 100, visits: 0, totalVisits: 3 });
 * // { q: 0.5822051, u: 0.2165064, score: 0.7987115 }
 */
export function omegaPrmPriority(
  x: { mc: number; rolloutLength: number; visits: number; totalVisits: number },
  config: OmegaPrmPriorityConfig = {},
): { q: number; u: number; score: number } {
  const fn = "omegaPrmPriority";
  const { alpha, beta, lengthScale, cPuct } = parseConfig(omegaPrmPriorityConfig, config, fn);
  requireObject(x, "x", fn);
  if (typeof x.mc !== "number" || !(x.mc >= 0 && x.mc <= 1)) throw new RLError("INVALID_INPUT", `${fn}: mc is ${describeValue(x.mc)}; expected a value in [0, 1]`);
  for (const key of ["rolloutLength", "visits", "totalVisits"] as const) {
    if (typeof x[key] !== "number" || !(x[key] >= 0) || !Number.isFinite(x[key])) {
      throw new RLError("INVALID_INPUT", `${fn}: ${key} is ${describeValue(x[key])}; expected a finite number ≥ 0`);
    }
  }
  const q = alpha ** (1 - x.mc) * beta ** (x.rolloutLength / lengthScale);
  const u = (cPuct * Math.sqrt(x.totalVisits)) / (1 + x.visits);
  return { q, u, score: q + u };
}

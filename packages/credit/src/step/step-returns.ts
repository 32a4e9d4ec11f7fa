import { Matrix, parseConfig } from "@rl/core/arrays";
import { z } from "zod";
import { finiteVector, requireLength, type GroupId } from "../process/batch-checks.js";
import { requireArray } from "../args.js";

/** Config of {@link gigpoStepReturns}. */
export const gigpoStepReturnsConfig = z.object({
  /** Discount per environment step. Default 0.95 (verl-agent launch scripts). */
  gamma: z.number().min(0).max(1).default(0.95),
});
export type GigpoStepReturnsConfig = z.input<typeof gigpoStepReturnsConfig>;

/**
 * Discounted step returns of agent trajectories: one entry per (trajectory, step) row, rows of a
 * trajectory in step order (not necessarily contiguous); `R_t = r_t + γ·R_{t+1}` within each
 * trajectory. Discounting counts environment steps, not tokens.
 *
 * Defaults: γ = 0.95. Edge cases: an empty list gives an empty result; `trajectories` of another
 * length throws `SHAPE_MISMATCH`; non-finite rewards throw `NON_FINITE`.
 * Paper: GiGPO, "Group-in-Group Policy Optimization for LLM Agent Training" (arXiv:2505.10978).
 *
 * @example
 * gigpoStepReturns([0, 0, 10, 0], ["a", "a", "a", "b"]).returns.toFlatArray(); // [9.025, 9.5, 10, 0]
 */
export function gigpoStepReturns(
  stepRewards: ArrayLike<number>,
  trajectories: readonly GroupId[],
  config: GigpoStepReturnsConfig = {},
): { returns: Matrix } {
  const fn = "gigpoStepReturns";
  const { gamma } = parseConfig(gigpoStepReturnsConfig, config, fn);
  requireArray(stepRewards, "stepRewards", fn);
  requireArray(trajectories, "trajectories", fn);
  const r = finiteVector(stepRewards, "stepRewards", stepRewards.length, "stepRewards", fn);
  requireLength(trajectories.length, "trajectories", r.length, "stepRewards", fn);
  const running = new Map<GroupId, number>();
  const out = Matrix.zeros([r.length]);
  for (let i = r.length - 1; i >= 0; i--) {
    const id = trajectories[i] as GroupId;
    const g = (r[i] as number) + gamma * (running.get(id) ?? 0);
    running.set(id, g);
    out.data[i] = g;
  }
  return { returns: out };
}

import { Matrix, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { finiteVector, maskLike, nonEmptyMatrix } from "./batch-checks.js";
import { requireObject } from "../args.js";

/** Config of {@link clipShaping}. */
export const clipShapingConfig = z.object({
  /** Threshold η (required: the paper's value is unverified). */
  eta: z.number(),
});
export type ClipShapingConfig = z.input<typeof clipShapingConfig>;

/**
 * Clip reward refinement: `p̃_k = min(p_k − η, 0)` on valid steps, so every step reward is
 * ≤ 0 and the return cannot grow with the number of steps (no reward farming).
 *
 * Defaults: none (η is required). Edge cases: masked steps give 0; η ≤ min p makes every reward 0.
 * Paper: Gao et al., "On Designing Effective RL Reward at Training Time for LLM Reasoning"
 * (arXiv:2410.15115).
 *
 * @example
 * clipShaping([[0.9, 0.3, 0.7]], [[1, 1, 1]], { eta: 0.5 }).rewards.toArray(); // [[0, -0.2, 0]]
 */
export function clipShaping(stepRewards: MatrixLike, stepMask: MatrixLike, config: ClipShapingConfig): { rewards: Matrix } {
  const fn = "clipShaping";
  const { eta } = parseConfig(clipShapingConfig, config, fn);
  const p = nonEmptyMatrix(stepRewards, "stepRewards", fn);
  const m = maskLike(stepMask, "stepMask", p, "stepRewards", fn);
  return { rewards: clip(p, m, eta) };
}

function clip(p: Matrix, m: Matrix, eta: number): Matrix {
  return p.map((v, k) => ((m.data[k] as number) === 0 ? 0 : Math.min(v - eta, 0)));
}

function delta(p: Matrix, m: Matrix): Matrix {
  const out = Matrix.zeros([p.rows, p.cols]);
  for (let b = 0; b < p.rows; b++) {
    let next: number | undefined;
    for (let k = p.cols - 1; k >= 0; k--) {
      if (m.get(b, k) === 0) continue;
      const v = p.get(b, k);
      out.set(b, k, next === undefined ? v : v - next);
      next = v;
    }
  }
  return out;
}

/**
 * Delta reward refinement: `p̃_k = p_k − p_{k+1}` for every valid step but the last, `p̃_K = p_K`,
 * so the return from step k telescopes to `p_k`, independent of the length.
 *
 * Edge cases: one step → identity; masked steps give 0 (and are skipped when pairing k with
 * the next valid step). Paper: arXiv:2410.15115.
 *
 * @example
 * deltaShaping([[0.9, 0.3, 0.7]], [[1, 1, 1]]).rewards.toArray(); // [[0.6, -0.4, 0.7]]
 */
export function deltaShaping(stepRewards: MatrixLike, stepMask: MatrixLike): { rewards: Matrix } {
  const fn = "deltaShaping";
  const p = nonEmptyMatrix(stepRewards, "stepRewards", fn);
  const m = maskLike(stepMask, "stepMask", p, "stepRewards", fn);
  return { rewards: delta(p, m) };
}

/** Config of {@link shapeStepRewards}. */
export const shapeStepRewardsConfig = z.object({
  /** `"clip"`, `"delta"` or `"clipDelta"` (Delta applied to the clipped rewards). */
  method: z.enum(["clip", "delta", "clipDelta"]),
  /** Clip threshold η (required by clip and clipDelta). */
  eta: z.number().optional(),
  /** Weight α of the shaped process reward. Default 1 (⚠ paper value unverified). */
  alpha: z.number().default(1),
});
export type ShapeStepRewardsConfig = z.input<typeof shapeStepRewardsConfig>;

/**
 * Clip / Delta / Clip-Delta shaped step rewards plus the sparse success reward:
 * `r_k = α·p̃_k + success·[k = last valid step]`.
 *
 * Defaults: α = 1. Edge cases: a row without a valid step gets nothing (its success reward is
 * dropped — place it yourself); `eta` missing for a clip method throws `INVALID_CONFIG`.
 * Paper: arXiv:2410.15115.
 *
 * @example
 * shapeStepRewards({ stepRewards: [[0.9, 0.3, 0.7]], stepMask: [[1, 1, 1]], success: [1] },
 *   { method: "clipDelta", eta: 0.5 }).rewards.toArray(); // [[0.2, -0.2, 1]]
 */
export function shapeStepRewards(
  input: { stepRewards: MatrixLike; stepMask: MatrixLike; success?: ArrayLike<number> },
  config: ShapeStepRewardsConfig,
): { rewards: Matrix } {
  const fn = "shapeStepRewards";
  const { method, eta, alpha } = parseConfig(
    shapeStepRewardsConfig.refine((c) => c.method === "delta" || c.eta !== undefined, {
      message: "eta is required by the clip and clipDelta methods",
      path: ["eta"],
    }),
    config,
    fn,
  );
  requireObject(input, "input", fn);
  const p = nonEmptyMatrix(input.stepRewards, "stepRewards", fn);
  const m = maskLike(input.stepMask, "stepMask", p, "stepRewards", fn);
  const success = input.success === undefined ? new Float64Array(p.rows) : finiteVector(input.success, "success", p.rows, "stepRewards rows", fn);
  const shaped = method === "delta" ? delta(p, m) : method === "clip" ? clip(p, m, eta as number) : delta(clip(p, m, eta as number), m);
  const out = shaped.map((v) => alpha * v);
  for (let b = 0; b < p.rows; b++) {
    for (let k = p.cols - 1; k >= 0; k--) {
      if (m.get(b, k) === 0) continue;
      out.set(b, k, out.get(b, k) + (success[b] as number));
      break;
    }
  }
  return { rewards: out };
}

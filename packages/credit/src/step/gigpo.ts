import { Matrix, RLError, assertMask, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import {
  finiteVector,
  rowsOfGroups,

  meanStd,
  nonEmptyMatrix,
  requireLength, requireList,
  nonEmptyMask,
  type GroupId,
} from "../process/batch-checks.js";
import { gigpoStepReturns } from "./step-returns.js";
import { outputDtype, assertFiniteOutput } from "../output.js";
import { requireArray, requireObject } from "../args.js";

/** Config of {@link gigpoAdvantages}. */
export const gigpoConfig = z.object({
  /** Discount of the step returns (used when `stepReturns` is not given). Default 0.95. */
  gamma: z.number().min(0).max(1).default(0.95),
  /** Weight ω of the step-level advantage (`step_advantage_w`). Default 1. */
  stepAdvantageWeight: z.number().default(1),
  /** `"mean_norm"`: subtract the mean (F_norm = 1); `"mean_std_norm"`: also divide by `std + ε`. Default `"mean_norm"` (the function default of verl-agent). */
  mode: z.enum(["mean_norm", "mean_std_norm"]).default("mean_norm"),
  /** ε added to the std. Default 1e-6. */
  epsilon: z.number().nonnegative().default(1e-6),
  /**
   * Episode statistics: `"perTrajectory"` counts each trajectory once (newer code);
   * `"rowWeighted"` counts every step row (older verl-agent, `compute_mean_std_cross_all_data`),
   * weighting long trajectories more. Default `"perTrajectory"`.
   */
  episodeStats: z.enum(["perTrajectory", "rowWeighted"]).default("perTrajectory"),
  /**
   * Storage of `advantages` `[R][T]` (see `outputDtype`); `"float64"` keeps every bit of the
   * float64 arithmetic. The per-row diagnostics `episodeAdvantages`, `stepAdvantages` and
   * `stepReturns` `[R]` stay float64. Default `"float32"`.
   */
  dtype: outputDtype,
});
export type GigpoConfig = z.input<typeof gigpoConfig>;

/** Input of {@link gigpoAdvantages}: one row per (trajectory, step). */
export interface GigpoInput {
  /** `[R][T]` the step's response tokens. */
  mask: MatrixLike;
  /** Episode group (same task / initial state) of each row. */
  groups: readonly GroupId[];
  /** Trajectory id of each row; rows of a trajectory in step order. */
  trajectories: readonly GroupId[];
  /** Anchor state (hashable observation at the step start) of each row; the caller normalises it. */
  anchors: readonly GroupId[];
  /** The trajectory's total reward on each of its rows. Default: the row sums of `tokenRewards`. */
  episodeReturns?: ArrayLike<number>;
  /** `[R][T]` token rewards whose row sum is the episode reward (verl-agent layout). */
  tokenRewards?: MatrixLike;
  /** Discounted step returns per row. Default: computed from `stepRewards` with γ. */
  stepReturns?: ArrayLike<number>;
  /** Immediate environment reward of each step (used when `stepReturns` is absent). */
  stepRewards?: ArrayLike<number>;
}

/**
 * Step-group ids: inside each episode group, rows with identical anchors form one step group.
 * Ids are dense, in order of first appearance. Exact equality only (the reference's optional
 * fuzzy `SequenceMatcher` matching is not implemented).
 *
 * @example
 * anchorGroups(["s0", "s1", "s0", "s0"], [0, 0, 0, 1]); // Int32Array [0, 1, 0, 2]
 */
export function anchorGroups(anchors: readonly GroupId[], groups: readonly GroupId[]): Int32Array {
  requireArray(anchors, "anchors", "anchorGroups");
  requireArray(groups, "groups", "anchorGroups");
  requireLength(anchors.length, "anchors", groups.length, "groups", "anchorGroups");
  const ids = new Map<string, number>();
  const out = new Int32Array(anchors.length);
  for (let i = 0; i < anchors.length; i++) {
    const key = JSON.stringify([groups[i], anchors[i]]);
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
    }
    out[i] = id;
  }
  return out;
}

/**
 * GiGPO advantages for multi-turn agents: `A = A^E + ω·A^S`, broadcast on the row's tokens.
 * - Episode part: `A^E = (R(τ) − mean_g R)/F_norm` over the trajectories of the episode group;
 * - step part: rows of one episode group with the same anchor state form a step group,
 *   `A^S = (R_t − mean_{step group} R_t)/F_norm` on the discounted step returns.
 * `F_norm = std_{n−1} + ε` (`mean_std_norm`) or 1 (`mean_norm`).
 *
 * Defaults: γ = 0.95, ω = 1, `mode: "mean_norm"`, ε = 1e-6, `episodeStats: "perTrajectory"`,
 * `dtype: "float32"` (`advantages` only: `A^E + ω·A^S` is summed in float64 and rounded once on
 * store; `episodeAdvantages`, `stepAdvantages`, `stepReturns` are float64).
 * Edge cases: an episode group with one trajectory (or row, when row-weighted) uses mean 0,
 * std 1 (verl); a step group of one gives `A^S = 0`; zero variance gives 0; padding is 0; an
 * empty batch or mismatched lengths throw `RLError`. ω = 0 reduces to the episode part.
 * Paper: GiGPO (arXiv:2505.10978); reference verl-agent `gigpo/core_gigpo.py`.
 *
 * @example
 * gigpoAdvantages({ mask: [[1], [1], [1], [1], [1], [1], [1]], groups: [0, 0, 0, 0, 0, 0, 0],
 *   trajectories: [1, 1, 1, 2, 2, 2, 2], anchors: ["s0", "s1", "s2", "s0", "s3", "s1", "s4"],
 *   episodeReturns: [10, 10, 10, 0, 0, 0, 0], stepRewards: [0, 0, 10, 0, 0, 0, 0] })
 *   .advantages.toFlatArray(); // [9.5125, 9.75, 5, -9.5125, -5, -9.75, -5]
 */
export function gigpoAdvantages(
  input: GigpoInput,
  config: GigpoConfig = {},
): { advantages: Matrix; episodeAdvantages: Matrix; stepAdvantages: Matrix; stepReturns: Matrix } {
  const fn = "gigpoAdvantages";
  requireObject(input, "input", fn);
  const cfg = parseConfig(gigpoConfig, config, fn);
  const mask = nonEmptyMask(input.mask, "mask", fn);
  assertMask(mask, "mask", fn);
  const R = mask.rows;
  requireList(input.groups, "groups", R, "mask rows", fn);
  requireList(input.trajectories, "trajectories", R, "mask rows", fn);
  requireList(input.anchors, "anchors", R, "mask rows", fn);

  let episode: Float64Array;
  if (input.episodeReturns !== undefined) {
    episode = finiteVector(input.episodeReturns, "episodeReturns", R, "mask rows", fn);
  } else if (input.tokenRewards !== undefined) {
    const tr = nonEmptyMatrix(input.tokenRewards, "tokenRewards", fn);
    if (tr.rows !== R || tr.cols !== mask.cols) {
      throw new RLError("SHAPE_MISMATCH", `${fn}: tokenRewards has shape [${tr.rows},${tr.cols}], mask has [${R},${mask.cols}]`);
    }
    episode = new Float64Array(R);
    for (let i = 0; i < R; i++) {
      let s = 0;
      for (let t = 0; t < tr.cols; t++) s += tr.get(i, t);
      episode[i] = s;
    }
  } else {
    throw new RLError("INVALID_INPUT", `${fn}: give episodeReturns or tokenRewards (one per row)`);
  }

  let stepReturns: Matrix;
  if (input.stepReturns !== undefined) {
    stepReturns = new Matrix(finiteVector(input.stepReturns, "stepReturns", R, "mask rows", fn), [R]);
  } else if (input.stepRewards !== undefined) {
    requireList(input.stepRewards, "stepRewards", R, "mask rows", fn);
    stepReturns = gigpoStepReturns(input.stepRewards, input.trajectories, { gamma: cfg.gamma }).returns;
  } else {
    throw new RLError("INVALID_INPUT", `${fn}: give stepReturns or stepRewards (one per row)`);
  }

  const useStd = cfg.mode === "mean_std_norm";
  const episodeAdv = Matrix.zeros([R]);
  for (const rows of rowsOfGroups(input.groups, fn)) {
    let statRows = rows;
    if (cfg.episodeStats === "perTrajectory") {
      const seen = new Set<GroupId>();
      statRows = rows.filter((i) => {
        const id = input.trajectories[i] as GroupId;
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
    }
    const { mean, std } = statRows.length > 1 ? meanStd(episode, statRows) : { mean: 0, std: 1 };
    const scale = useStd ? std + cfg.epsilon : 1;
    for (const i of rows) episodeAdv.data[i] = ((episode[i] as number) - mean) / scale;
  }

  const stepAdv = Matrix.zeros([R]);
  const stepGroup = anchorGroups(input.anchors, input.groups);
  for (const rows of rowsOfGroups(Array.from(stepGroup), fn)) {
    if (rows.length < 2) continue;
    const { mean, std } = meanStd(stepReturns.data, rows);
    const scale = useStd ? std + cfg.epsilon : 1;
    for (const i of rows) stepAdv.data[i] = ((stepReturns.data[i] as number) - mean) / scale;
  }

  const advantages = Matrix.zeros([R, mask.cols], cfg.dtype);
  for (let i = 0; i < R; i++) {
    const a = (episodeAdv.data[i] as number) + cfg.stepAdvantageWeight * (stepAdv.data[i] as number);
    for (let t = 0; t < mask.cols; t++) if (mask.get(i, t) !== 0) advantages.set(i, t, a);
  }
  assertFiniteOutput(episodeAdv.data, 1, fn, "episodeAdvantages");
  assertFiniteOutput(stepAdv.data, 1, fn, "stepAdvantages");
  assertFiniteOutput(advantages.data, mask.cols, fn, "advantages");
  return { advantages, episodeAdvantages: episodeAdv, stepAdvantages: stepAdv, stepReturns };
}

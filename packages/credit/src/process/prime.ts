import { Matrix, RLError, maskedWhiten, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import {
  finiteVector,
  rowsOfGroups,
  lastValidToken,
  maskLike,
  nonEmptyMatrix,
  requireList,
  type GroupId,
} from "./batch-checks.js";
import { outputDtype, outputMatrix, assertFiniteOutput } from "../output.js";
import { requireObject } from "../args.js";
import { renamedField } from "../batch-fields.js";

/** Config of {@link primeAdvantages}. */
export const primeConfig = z.object({
  /**
   * Leave-one-out baseline of the process rewards. `"paper"`: `r_t − mean_{j≠i} m_j`;
   * `"code"` (PRIME's `compute_rloo_returns`, verl recipe): `r_t·K/(K−1) − Σ_j m_j/(K−1)`,
   * which adds `(r_t − m_i)/(K−1)`. `m_j` = mean reward over row j's valid tokens. Default `"paper"`.
   */
  baseline: z.enum(["paper", "code"]).default("paper"),
  /** Weight of the process returns. Default 5 (verl recipe `reward_dpo_coef`; the PRIME repo effectively uses 1). */
  processCoef: z.number().default(5),
  /** Weight of the outcome returns. Default 5 (verl recipe `reward_gt_coef`). */
  outcomeCoef: z.number().default(5),
  /** Discount of the process source (`reward_model_gamma`). Default 1. */
  gammaProcess: z.number().min(0).max(1).default(1),
  /** Discount of the outcome source (`verifier_gamma`). Default 1. */
  gammaOutcome: z.number().min(0).max(1).default(1),
  /** Masked whitening of the returns (unbiased, ε = 1e-8 inside the sqrt). Default `true`. */
  whiten: z.boolean().default(true),
  /**
   * Storage of `advantages` and `returns` (see `outputDtype`); `"float64"` keeps every bit of the
   * float64 arithmetic. Default `"float32"`. The whitening reads the float64 returns, never the
   * stored ones.
   */
  dtype: outputDtype,
});
export type PrimeConfig = z.input<typeof primeConfig>;

/** Input of {@link primeAdvantages}. */
export interface PrimeInput {
  /** `[B][T]` implicit process rewards (see `implicitProcessRewards`); read at valid tokens. */
  processRewards: MatrixLike;
  /** Outcome (verifier) reward per row; required (or its deprecated name `outcomes`). */
  rewards?: ArrayLike<number>;
  /** @deprecated use `rewards` (accepted for one release; must agree with `rewards` if both are given). */
  outcomes?: ArrayLike<number>;
  /** `[B][T]` response tokens (the reward positions of the process source). */
  mask: MatrixLike;
  /** Prompt id per row; every group needs at least two rows. */
  groups: readonly GroupId[];
}

/**
 * PRIME advantages: each source (process rewards on the valid tokens, outcome on the last valid
 * token) gets its own leave-one-out baseline over the group and its own discounted return,
 * `G_t = r_t + γ·G_{t+1}` right to left over the padded row; `returns = processCoef·G^φ +
 * outcomeCoef·G^o`; `advantages = maskedWhiten(returns)`.
 *
 * Paper: `A_t = Σ_{s≥t} γ^{s−t}[r_φ(y_s) − mean_{j≠i} r̄_φ(y^j)] + r_o(y) − mean_{j≠i} r_o(y^j)`.
 * The `"code"` baseline reproduces the released code, whose token-level RLOO algebra adds an
 * extra `(r_t − m_i)/(K−1)` (docs/credit/process.md); the outcome term is exact RLOO in both.
 * Defaults: `baseline: "paper"`, coefficients 5, γ = 1 for both, whitening on, `dtype: "float32"`
 * (baselines, returns and whitening run in float64; both outputs are rounded once at the end).
 * Edge cases: a group of one throws `RLError("INVALID_INPUT")` (the reference divides by zero);
 * a row without a valid token throws; padding is 0 in both outputs.
 * Paper: PRIME (arXiv:2502.01456).
 *
 * @example
 * primeAdvantages({ processRewards: [[0.1, 0.3, -0.2], [0.2, -0.4, 0]], rewards: [1, 0],
 *   mask: [[1, 1, 1], [1, 1, 0]], groups: [0, 0] },
 *   { processCoef: 1, outcomeCoef: 1, whiten: false }).returns.toArray();
 * // [[1.5, 1.3, 0.9], [-1.333333, -1.466667, 0]]  (float32 storage; 6 decimals)
 */
export function primeAdvantages(input: PrimeInput, config: PrimeConfig = {}): { advantages: Matrix; returns: Matrix } {
  const fn = "primeAdvantages";
  const cfg = parseConfig(primeConfig, config, fn);
  requireObject(input, "input", fn);
  const r = nonEmptyMatrix(input.processRewards, "processRewards", fn);
  const mask = maskLike(input.mask, "mask", r, "processRewards", fn);
  const outcomes = finiteVector(renamedField<ArrayLike<number>>(input, "rewards", "outcomes", fn) as ArrayLike<number>, "rewards", r.rows, "processRewards rows", fn);
  requireList(input.groups, "groups", r.rows, "processRewards rows", fn);
  const B = r.rows;
  const T = r.cols;
  const last = new Int32Array(B);
  const means = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    last[b] = lastValidToken(mask, b);
    if ((last[b] as number) < 0) throw new RLError("INVALID_INPUT", `${fn}: mask row ${b} has no valid token`);
    let s = 0;
    let n = 0;
    for (let t = 0; t < T; t++) {
      if (mask.get(b, t) === 0) continue;
      s += r.get(b, t);
      n++;
    }
    means[b] = s / n;
  }
  const process = Matrix.zeros([B, T]);
  const outcome = Matrix.zeros([B, T]);
  for (const rows of rowsOfGroups(input.groups, fn)) {
    const K = rows.length;
    if (K < 2) {
      throw new RLError("INVALID_INPUT", `${fn}: group of row ${rows[0]} has 1 row; leave-one-out baselines need at least 2`);
    }
    let sumM = 0;
    let sumO = 0;
    for (const j of rows) {
      sumM += means[j] as number;
      sumO += outcomes[j] as number;
    }
    for (const i of rows) {
      const otherMean = (sumM - (means[i] as number)) / (K - 1);
      for (let t = 0; t < T; t++) {
        if (mask.get(i, t) === 0) continue;
        const v = r.get(i, t);
        process.set(i, t, cfg.baseline === "paper" ? v - otherMean : (v * K) / (K - 1) - sumM / (K - 1));
      }
      const o = outcomes[i] as number;
      outcome.set(i, last[i] as number, o - (sumO - o) / (K - 1));
    }
  }
  const returns = new Float64Array(B * T);
  for (let b = 0; b < B; b++) {
    let gp = 0;
    let go = 0;
    for (let t = T - 1; t >= 0; t--) {
      gp = process.get(b, t) + cfg.gammaProcess * gp;
      go = outcome.get(b, t) + cfg.gammaOutcome * go;
      if (mask.get(b, t) !== 0) returns[b * T + t] = cfg.processCoef * gp + cfg.outcomeCoef * go;
    }
  }
  const shape = [B, T];
  // maskedWhiten computes in float64 and returns float64 storage
  const advantages = cfg.whiten ? (maskedWhiten(new Matrix(returns, shape), mask).data as Float64Array) : returns.slice();
  const out = { advantages: outputMatrix(advantages, shape, cfg.dtype), returns: outputMatrix(returns, shape, cfg.dtype) };
  assertFiniteOutput(out.returns.data, T, fn, "returns");
  assertFiniteOutput(out.advantages.data, T, fn, "advantages");
  return out;
}

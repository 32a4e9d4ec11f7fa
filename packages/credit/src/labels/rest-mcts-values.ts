import { Matrix, RLError, describeValue } from "@rl/core/arrays";
import { requireArray } from "../args.js";

/**
 * ReST-MCTS* value targets of a partial solution's steps: `v_0 = 0`,
 * `w_k = (1 − v_{k−1})/(m_k + 1)·(1 − 2·r_k)`, `v_k = max(v_{k−1} + w_k, 0)`, where `r_k ∈ {0, 1}`
 * marks an incorrect step (1 = incorrect, ⚠ sign convention unverified) and `m_k` is the reasoning
 * distance (minimum number of remaining steps to a correct answer). A fully correct trace reaches
 * `v_K = 1` at `m_K = 0`.
 *
 * Edge cases: a wrong step clamps at 0; lengths that differ, an indicator that is not 0/1, or a
 * negative distance throw `RLError`. Paper: ReST-MCTS* (arXiv:2406.03816).
 *
 * @example
 * restMctsValues([0, 0, 0], [2, 1, 0]).values.toFlatArray(); // [0.3333333, 0.6666667, 1]
 * restMctsValues([0, 1, 0], [2, 1, 0]).values.toFlatArray(); // [0.3333333, 0, 1]
 */
export function restMctsValues(stepIncorrect: ArrayLike<number>, distances: ArrayLike<number>): { values: Matrix } {
  const fn = "restMctsValues";
  requireArray(stepIncorrect, "stepIncorrect", fn);
  requireArray(distances, "distances", fn);
  if (stepIncorrect.length !== distances.length) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: stepIncorrect has ${stepIncorrect.length} entries, distances has ${distances.length}`);
  }
  const out = Matrix.zeros([stepIncorrect.length]);
  let v = 0;
  for (let k = 0; k < stepIncorrect.length; k++) {
    const r = stepIncorrect[k] as number;
    const m = distances[k] as number;
    if (r !== 0 && r !== 1) throw new RLError("INVALID_INPUT", `${fn}: stepIncorrect[${k}] is ${describeValue(r)}; expected 0 or 1`);
    if (typeof m !== "number" || !(m >= 0) || !Number.isFinite(m)) throw new RLError("INVALID_INPUT", `${fn}: distances[${k}] is ${describeValue(m)}; expected a finite number ≥ 0`);
    v = Math.max(v + ((1 - v) / (m + 1)) * (1 - 2 * r), 0);
    out.data[k] = v;
  }
  return { values: out };
}

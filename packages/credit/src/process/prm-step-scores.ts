import { Matrix, RLError, type MatrixLike } from "@rl/core/arrays";
import { nonEmptyMatrix } from "./batch-checks.js";

/**
 * Step scores of a 2-class PRM: `r = softmax(z)[1] − softmax(z)[0] = tanh((z_1 − z_0)/2) ∈ [−1, 1]`.
 * Input: logits `[N][2]` (class 0 = bad, class 1 = good). Paper: PURE (arXiv:2504.15275).
 *
 * @example
 * prmStepScores([[0, 0], [0, 2]]).scores.toFlatArray(); // [0, 0.7615942]
 */
export function prmStepScores(logits: MatrixLike): { scores: Matrix } {
  const fn = "prmStepScores";
  const z = nonEmptyMatrix(logits, "logits", fn);
  if (z.cols !== 2) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: logits has ${z.cols} columns; a 2-class PRM has 2`);
  }
  const out = Matrix.zeros([z.rows]);
  for (let i = 0; i < z.rows; i++) out.data[i] = Math.tanh((z.get(i, 1) - z.get(i, 0)) / 2);
  return { scores: out };
}

import { assertFiniteResult, Matrix, type MatrixLike, RLError, toMatrix2D } from "@rl/core";

/**
 * Preference strength of each pair from an ensemble of `M` reward models (Secrets of RLHF Part II,
 * arXiv:2401.06080): with `d_{i,m} = r_m(x_i, y_c) − r_m(x_i, y_r)` (`deltas`, `[B,M]`),
 *
 *   û_i = mean_m d_{i,m},   σ̂_i = sqrt(mean_m (d_{i,m} − û_i)²)   (population std, /M)
 *
 * Use `û` as an adaptive margin (`bradleyTerryLoss({ …, margins: mean })`), to flip the pairs with
 * the lowest `û`, or to down-weight noisy pairs. Edge cases: `M = 1` gives `σ̂ = 0`; zero columns
 * → `INVALID_INPUT`; non-finite deltas → `NON_FINITE`.
 *
 * @example
 * preferenceStrength([[0.5, 1.0, 1.5, -0.2]]); // { mean: [0.7], std: [0.6284903] }
 */
export function preferenceStrength(deltas: MatrixLike): { mean: Matrix; std: Matrix } {
  const fn = "preferenceStrength";
  const d = toMatrix2D(deltas, "deltas", fn);
  if (d.cols === 0) throw new RLError("INVALID_INPUT", `${fn}: deltas has no model column`);
  const mean = Matrix.zeros([d.rows]);
  const std = Matrix.zeros([d.rows]);
  for (let i = 0; i < d.rows; i++) {
    let s = 0;
    for (let m = 0; m < d.cols; m++) s += d.get(i, m);
    const mu = s / d.cols;
    let v = 0;
    for (let m = 0; m < d.cols; m++) v += (d.get(i, m) - mu) ** 2;
    mean.data[i] = mu;
    std.data[i] = Math.sqrt(v / d.cols);
  }
  assertFiniteResult(mean.data, fn, "mean", "deltas overflow");
  assertFiniteResult(std.data, fn, "std", "deltas overflow");
  return { mean, std };
}

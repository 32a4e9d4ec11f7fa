import { z } from "zod";
import { Matrix, RLError, assertMask, assertSameShape, maskedWhiten, parseConfig, toMatrix2D, type MatrixLike } from "@rl/core/arrays";

/** Config of {@link spoWhiten}: `threshold` ρ (0.9), `epsilon` (1e-8, inside the square root). */
export const spoWhitenConfig = z.object({
  threshold: z.number().gt(0).lte(1).default(0.9),
  epsilon: z.number().nonnegative().default(1e-8),
});
/** Input type of {@link spoWhitenConfig}. */
export type SpoWhitenConfig = z.input<typeof spoWhitenConfig>;

/**
 * The SPO trainer's whitening (AIFrameResearch/SPO `masked_whiten(…, logprobs=…)`):
 * `(A − μ) / sqrt(σ² + ε)` with the mean and unbiased variance over the tokens with
 * `mask = 1 ∧ p < ρ` (the probability mask), falling back to `mask` when no token is
 * low-probability. The result is 0 outside the tokens it was whitened over.
 *
 * @example
 * spoWhiten([[0, 0.5, 0, 0.5, 0, 0.1, 0, 0.1]], [[1, 1, 1, 1, 1, 1, 1, 1]],
 *   [[0.95, 0.5, 0.99, 0.7, 0.97, 0.3, 0.98, 0.6]]).toArray();
 * // [[0, 0.8660253, 0, 0.8660253, 0, -0.8660253, 0, -0.8660253]]
 * @remarks arXiv:2505.23564
 */
export function spoWhiten(advantages: MatrixLike, mask: MatrixLike, probs: MatrixLike, config: SpoWhitenConfig = {}): Matrix {
  const fn = "spoWhiten";
  const { threshold, epsilon } = parseConfig(spoWhitenConfig, config, fn);
  const a = toMatrix2D(advantages, "advantages", fn);
  if (a.rows === 0) throw new RLError("INVALID_INPUT", `${fn}: the batch is empty (advantages has 0 rows)`);
  const m = toMatrix2D(mask, "mask", fn);
  const p = toMatrix2D(probs, "probs", fn);
  assertSameShape({ advantages: a, mask: m, probs: p }, fn);
  assertMask(m, "mask", fn);
  const low = new Float64Array(m.size);
  let any = false;
  for (let k = 0; k < low.length; k++) {
    if ((m.data[k] as number) === 1 && (p.data[k] as number) < threshold) {
      low[k] = 1;
      any = true;
    }
  }
  return maskedWhiten(a, any ? new Matrix(low, m.shape) : m, { epsilon });
}

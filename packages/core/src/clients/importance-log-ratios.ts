import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { assertMask, assertSameShape, toMatrix2D, type Matrix, type MatrixLike } from "../matrix/matrix.js";
import { describeSemantics, logProbSemanticsSchema, sameLogProbSemantics } from "./log-prob-batch.js";

/**
 * Config of {@link importanceLogRatios}: the semantics of both sides. Both are required: the
 * point is that nobody compares log-probs of two different distributions by accident.
 */
export const importanceLogRatiosConfig = z.object({
  trainer: logProbSemanticsSchema,
  sampler: logProbSemanticsSchema,
});
export type ImportanceLogRatiosConfig = z.input<typeof importanceLogRatiosConfig>;

/**
 * Per-token importance log-ratios between the trainer's current policy and the sampler that
 * generated the tokens (PPO, arXiv:1707.06347; the rollout–training mismatch of server-sampled
 * log-probs, huggingface/trl#3867):
 *
 *   logRatios[b,t] = mask[b,t] · (trainerLogProbs[b,t] − samplerLogProbs[b,t])   (0 where masked)
 *
 * Refuses (`RLError("INVALID_INPUT")`) when the two semantics describe different distributions
 * (see `sameLogProbSemantics`: raw ≡ processed at τ = 1 without truncation) — e.g. a trainer's
 * full-vocabulary `logSoftmax(logits/0.7)` against vLLM's default raw log-probs, or against
 * top-p-renormalised processed log-probs, whose ratio silently carries `log S`. Shapes must
 * match (`SHAPE_MISMATCH`); masked positions may hold anything (even NaN); an unmasked
 * non-finite value is `RLError("NON_FINITE")` naming the position. A fully masked row is all 0.
 *
 * @example
 * importanceLogRatios([[-1, -2]], [[-1.5, -2]], [[1, 0]], {
 *   trainer: { kind: "processed", temperature: 1 }, sampler: { kind: "raw", temperature: 0.8 },
 * }).logRatios.toArray(); // [[0.5, 0]]
 * @remarks arXiv:1707.06347
 */
export function importanceLogRatios(
  trainerLogProbs: MatrixLike,
  samplerLogProbs: MatrixLike,
  mask: MatrixLike,
  config: ImportanceLogRatiosConfig,
): { logRatios: Matrix } {
  const fn = "importanceLogRatios";
  const { trainer, sampler } = parseConfig(importanceLogRatiosConfig, config, fn);
  if (!sameLogProbSemantics(trainer, sampler)) {
    throw new RLError(
      "INVALID_INPUT",
      `${fn}: trainer log-probs are ${describeSemantics(trainer)}, sampler log-probs are ${describeSemantics(sampler)}; ` +
        `they describe different distributions (rescale with rescaleLogProbTemperature or match the server's logprobs mode)`,
    );
  }
  const lp = toMatrix2D(trainerLogProbs, "trainerLogProbs", fn, { finite: false });
  const old = toMatrix2D(samplerLogProbs, "samplerLogProbs", fn, { finite: false });
  const m = toMatrix2D(mask, "mask", fn);
  assertSameShape({ trainerLogProbs: lp, samplerLogProbs: old, mask: m }, fn);
  assertMask(m, "mask", fn);
  const out = lp.map(() => 0);
  for (let k = 0; k < out.data.length; k++) {
    if (m.data[k] !== 1) continue;
    const d = (lp.data[k] as number) - (old.data[k] as number);
    if (!Number.isFinite(d)) {
      const where = `[${Math.floor(k / m.cols)}][${k % m.cols}]`;
      throw new RLError("NON_FINITE", `${fn}: trainerLogProbs${where} − samplerLogProbs${where} is ${d} at an unmasked position`);
    }
    out.data[k] = d;
  }
  return { logRatios: out };
}

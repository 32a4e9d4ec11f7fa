import { Matrix, RLError, describeValue, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { requireLength, nonEmptyMask } from "./batch-checks.js";
import { requireArray } from "../args.js";

/** Config of {@link capoVotes}. */
export const capoVotesConfig = z.object({
  /**
   * How critiques combine, with `c_k` = critiques flagging step k out of N:
   * `"majority"`: wrong iff `c_k > N/2` (ties are not wrong); `"intersection"`: `c_k = N`;
   * `"union"`: `c_k ≥ 1`; `"average"`: soft penalty `c_k / N`. Default `"majority"`.
   */
  rule: z.enum(["majority", "intersection", "union", "average"]).default("majority"),
});
export type CapoVotesConfig = z.input<typeof capoVotesConfig>;

/**
 * CAPO step penalties from several generative-PRM critiques per rollout, combined by voting.
 * `critiques[b]` holds N critiques of rollout b, each the list of **0-based** indices of the
 * steps it judges wrong (duplicates inside one critique count once).
 *
 * Defaults: `rule: "majority"`. Edge cases: an index that is not a valid step (negative, ≥ K or
 * masked) is ignored and counted in `ignored`; a rollout with no critique gets no penalty;
 * `critiques` of another length than `stepMask` throws `SHAPE_MISMATCH`.
 * Paper: CAPO, "Towards Enhancing LLM Reasoning through Generative Credit Assignment"
 * (arXiv:2508.02298).
 *
 * @example
 * capoVotes([[[1, 2], [2], [2, 3]]], [[1, 1, 1, 1]], { rule: "average" }).penalties.toArray();
 * // [[0, 1/3, 1, 1/3]]
 */
export function capoVotes(
  critiques: ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>,
  stepMask: MatrixLike,
  config: CapoVotesConfig = {},
): { penalties: Matrix; ignored: number } {
  const fn = "capoVotes";
  const { rule } = parseConfig(capoVotesConfig, config, fn);
  const sm = nonEmptyMask(stepMask, "stepMask", fn);
  requireArray(critiques, "critiques", fn);
  requireLength(critiques.length, "critiques", sm.rows, "stepMask rows", fn);
  const penalties = Matrix.zeros([sm.rows, sm.cols]);
  let ignored = 0;
  for (let b = 0; b < sm.rows; b++) {
    const row = critiques[b] ?? [];
    if (!Array.isArray(row)) throw new RLError("INVALID_INPUT", `${fn}: critiques[${b}] must be a list of critiques, got ${describeValue(row)}`);
    const n = row.length;
    if (n === 0) continue;
    const counts = new Float64Array(sm.cols);
    for (const critique of row) {
      if (!Array.isArray(critique)) throw new RLError("INVALID_INPUT", `${fn}: critiques[${b}] must be a list of step-index lists`);
      for (const k of new Set(critique)) {
        if (!Number.isInteger(k) || k < 0 || k >= sm.cols || sm.get(b, k) === 0) {
          ignored++;
          continue;
        }
        counts[k] = (counts[k] as number) + 1;
      }
    }
    for (let k = 0; k < sm.cols; k++) {
      const c = counts[k] as number;
      const p =
        rule === "average" ? c / n : rule === "majority" ? +(c > n / 2) : rule === "intersection" ? +(c === n) : +(c >= 1);
      penalties.set(b, k, p);
    }
  }
  return { penalties, ignored };
}

import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { Matrix, assertMask, toMatrix2D, type MatrixLike } from "../matrix/matrix.js";

/** Config of {@link maskTruncatedCompletions}. */
export const maskTruncatedCompletionsConfig = z.object({
  /** Finish reasons that mean "cut by the length budget". Default `["length"]` (OpenAI / vLLM). */
  reasons: z.array(z.string()).min(1).default(["length"]),
  /** Without `finishReasons`: a row is truncated when none of its valid tokens is this id (TRL's `is_eos` test). */
  eosTokenId: z.number().int().nonnegative().optional(),
});
/** Input type of {@link maskTruncatedCompletionsConfig}. */
export type MaskTruncatedCompletionsConfig = z.input<typeof maskTruncatedCompletionsConfig>;

/**
 * TRL's `mask_truncated_completions`: a completion cut by the length budget has no ending to
 * learn from, so its whole row leaves the loss (its reward still counts in its group):
 *
 *   mask'[b, t] = mask[b, t] · (1 − truncated_b)
 *
 * `truncated_b` comes from `finishReasons[b] ∈ reasons` (the parsed server `finish_reason`, or
 * `generate`'s), else — without `finishReasons` — from "no valid token equals `eosTokenId`"
 * (TRL: `~is_eos.any(dim=1)`). A `null` finish reason counts as not truncated. Rows are never
 * dropped. Returns a new mask and the flags.
 *
 * @example
 * maskTruncatedCompletions({ mask: [[1, 1], [1, 1]], finishReasons: ["stop", "length"] }).mask.toArray();
 * // [[1, 1], [0, 0]]
 * @remarks Mirrors TRL `GRPOTrainer` `mask_truncated_completions` (trl/trainer/grpo_trainer.py).
 */
export function maskTruncatedCompletions(
  batch: { readonly mask: MatrixLike; readonly finishReasons?: readonly (string | null)[]; readonly tokenIds?: MatrixLike },
  config: MaskTruncatedCompletionsConfig = {},
): { mask: Matrix; truncated: boolean[] } {
  const fn = "maskTruncatedCompletions";
  const { reasons, eosTokenId } = parseConfig(maskTruncatedCompletionsConfig, config, fn);
  if (typeof batch !== "object" || batch === null) throw new RLError("INVALID_INPUT", `${fn}: batch must be { mask, finishReasons } or { mask, tokenIds }`);
  const mask = toMatrix2D(batch.mask, "mask", fn);
  assertMask(mask, "mask", fn);
  const B = mask.rows;
  const T = mask.cols;
  let truncated: boolean[];
  if (batch.finishReasons !== undefined) {
    if (!Array.isArray(batch.finishReasons)) throw new RLError("INVALID_INPUT", `${fn}: finishReasons must be an array of strings or null`);
    if (batch.finishReasons.length !== B) throw new RLError("SHAPE_MISMATCH", `${fn}: finishReasons has ${batch.finishReasons.length} entries, mask has ${B} rows`);
    truncated = batch.finishReasons.map((r) => r !== null && reasons.includes(r));
  } else {
    if (batch.tokenIds === undefined || eosTokenId === undefined) {
      throw new RLError("INVALID_INPUT", `${fn}: give finishReasons, or tokenIds with config eosTokenId`);
    }
    const ids = toMatrix2D(batch.tokenIds, "tokenIds", fn);
    if (ids.rows !== B || ids.cols !== T) throw new RLError("SHAPE_MISMATCH", `${fn}: tokenIds is [${ids.shape.join(",")}], mask is [${mask.shape.join(",")}]`);
    truncated = Array.from({ length: B }, (_, b) => {
      for (let t = 0; t < T; t++) if (mask.get(b, t) === 1 && ids.get(b, t) === eosTokenId) return false;
      return true;
    });
  }
  const out = mask.clone();
  truncated.forEach((cut, b) => {
    if (cut) out.row(b).fill(0);
  });
  return { mask: out, truncated };
}

import { parseConfig, RLError, sequenceLogProbs, tf, assertTensor, assertTensorMask } from "@rl/core";
import { z } from "zod";

/** Config of {@link pairedSequenceLogProbs}. */
export const pairedSequenceLogProbsConfig = z.object({
  /**
   * Row order of the `[2N, T]` batch: `"stacked"` = the N chosen rows, then the N rejected rows
   * (TRL's `concatenated_forward`); `"interleaved"` = chosen, rejected, chosen, … Default stacked.
   */
  layout: z.enum(["stacked", "interleaved"]).default("stacked"),
  /** `"sum"` (DPO, KTO) or `"mean"` per valid token (SimPO, ORPO, IPO). Default `"sum"`. */
  reduction: z.enum(["sum", "mean"]).default("sum"),
});
/** The input form of `pairedSequenceLogProbsConfig`. */
export type PairedSequenceLogProbsConfig = z.input<typeof pairedSequenceLogProbsConfig>;

/**
 * Per-pair sequence log-probs and completion lengths, `[N]` each (the caller owns them). A type
 * alias, not an interface, so it is a `tf.TensorContainer` and can be returned from `tf.tidy`.
 */
export type PairedSequenceLogProbs = {
  chosen: tf.Tensor1D;
  rejected: tf.Tensor1D;
  chosenLengths: tf.Tensor1D;
  rejectedLengths: tf.Tensor1D;
};

/**
 * Splits one forward pass over chosen and rejected responses into the per-pair inputs of the
 * preference losses (`dpoLoss`, `ipoLoss`, `simpoLoss`, …):
 *
 *   s_b = Σ_t lp[b,t]·M[b,t]  (or s_b / max(Σ_t M[b,t], 1) with `reduction: "mean"`)
 *   stacked:      chosen_i = s_i,     rejected_i = s_{N+i}
 *   interleaved:  chosen_i = s_{2i},  rejected_i = s_{2i+1}
 *
 * and the completion lengths `Σ_t M[b,t]` in the same split (for IPO / `sigmoid_norm`). Scoring
 * both halves in one `[2N, T]` batch is how TRL's `concatenated_forward` saves a forward pass.
 * Differentiable in `tokenLogProbs` (the lengths are constants). Apply it to the policy's and
 * the reference's token log-probs alike.
 *
 * Errors: `SHAPE_MISMATCH` when the inputs are not the same `[2N, T]` shape with an even,
 * non-zero number of rows.
 *
 * @example
 * const tokenLogProbs = tf.tensor2d([[-1, -2], [-3, -1]]), lossMask = tf.ones([2, 2]), refChosen = tf.tensor1d([-3.5]), refRejected = tf.tensor1d([-4]);
 * const { chosen, rejected } = pairedSequenceLogProbs(tokenLogProbs, lossMask); // [2N, T] → [N], [N]
 * dpoLoss({ policyChosen: chosen, policyRejected: rejected, refChosen, refRejected });
 * @remarks Mirrors TRL `DPOTrainer.concatenated_forward` (trl/trainer/dpo_trainer.py).
 */
export function pairedSequenceLogProbs(tokenLogProbs: tf.Tensor, mask: tf.Tensor, config: PairedSequenceLogProbsConfig = {}): PairedSequenceLogProbs {
  const fn = "pairedSequenceLogProbs";
  const { layout, reduction } = parseConfig(pairedSequenceLogProbsConfig, config, fn);
  assertTensor(tokenLogProbs, fn, "tokenLogProbs");
  assertTensor(mask, fn, "mask");
  if (tokenLogProbs.rank !== 2 || mask.rank !== 2 || tokenLogProbs.shape.some((d, i) => d !== mask.shape[i])) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: tokenLogProbs and mask must be the same [2N, T] shape, got [${tokenLogProbs.shape.join(",")}] and [${mask.shape.join(",")}]`);
  }
  const rows = tokenLogProbs.shape[0] as number;
  if (rows === 0 || rows % 2 !== 0) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: need an even, non-zero number of rows (N chosen + N rejected), got ${rows}`);
  }
  const n = rows / 2;
  assertTensorMask(mask, fn); // a NaN mask gave NaN scores silently
  return tf.tidy(() => {
    const scores = sequenceLogProbs(tokenLogProbs, mask, { reduction });
    const lengths = tf.sum(tf.cast(mask, "float32"), 1) as tf.Tensor1D;
    const split = (x: tf.Tensor1D): [tf.Tensor1D, tf.Tensor1D] => {
      if (layout === "stacked") return tf.split(x, 2) as [tf.Tensor1D, tf.Tensor1D];
      const pairs = tf.reshape(x, [n, 2]);
      return tf.unstack(pairs, 1) as [tf.Tensor1D, tf.Tensor1D];
    };
    const [chosen, rejected] = split(scores);
    const [chosenLengths, rejectedLengths] = split(lengths);
    return { chosen, rejected, chosenLengths, rejectedLengths };
  });
}

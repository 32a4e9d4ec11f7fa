import { RLError, parseConfig, tf } from "@rl/core";
import { z } from "zod";
import { type TensorLike1D, asTensor, assertNonEmpty, assertShape, bceWithLogits, readValues, reduceLoss, shapeOf, assertInputObject } from "./tensor-input.js";

/** Config of {@link outcomeClassificationLoss}. */
export const outcomeClassificationConfig = z.object({
  reduction: z.enum(["mean", "sum", "none"]).default("mean"),
});
export type OutcomeClassificationConfig = z.input<typeof outcomeClassificationConfig>;

/** Inputs of {@link outcomeClassificationLoss}: one logit per response and its outcome label in `[0,1]`. */
export interface OutcomeClassificationInput {
  logits: TensorLike1D;
  /** 1 = correct / good outcome, 0 = wrong; soft labels in `[0,1]` allowed. */
  labels: TensorLike1D;
}

/**
 * Outcome reward model (ORM) objective: binary cross-entropy of the response-level logit
 * against the outcome label (Cobbe et al. verifiers arXiv:2110.14168; Lightman et al. arXiv:2305.20050).
 *
 *   L = mean_b −[ l_b·logσ(z_b) + (1 − l_b)·logσ(−z_b) ]
 *
 * Metrics: `accuracy = mean([σ(z) > ½] = [l > ½])`. Edge cases: labels outside `[0,1]` →
 * `INVALID_INPUT`; empty batch → `INVALID_INPUT`.
 *
 * @example
 * outcomeClassificationLoss({ logits: [0], labels: [1] }).loss; // log 2 = 0.6931472
 */
export function outcomeClassificationLoss(
  input: OutcomeClassificationInput,
  config: OutcomeClassificationConfig = {},
): { loss: tf.Tensor; metrics: { accuracy: number } } {
  const fn = "outcomeClassificationLoss";
  const cfg = parseConfig(outcomeClassificationConfig, config, fn);
  assertInputObject(input, fn, ["logits", "labels"]);
  const shape = shapeOf(input.logits);
  assertShape(shapeOf(input.labels), shape, fn, "labels", "logits");
  assertNonEmpty(shape[0] ?? 0, fn, "logits");
  const labels = readValues(input.labels, fn, "labels");
  labels.forEach((v, k) => {
    if (!(v >= 0 && v <= 1)) throw new RLError("INVALID_INPUT", `${fn}: labels[${k}] is ${v}; labels must be in [0, 1]`);
  });
  const logits = readValues(input.logits, fn, "logits");
  let correct = 0;
  logits.forEach((z, k) => (correct += (z > 0) === ((labels[k] as number) > 0.5) ? 1 : 0));
  const loss = tf.tidy(() =>
    reduceLoss(bceWithLogits(asTensor(input.logits, 1, fn, "logits"), tf.tensor1d(labels)), cfg.reduction),
  );
  return { loss, metrics: { accuracy: correct / logits.length } };
}

import { aggregateLoss, klEstimate, type LossAggregation, type MatrixLike } from "@rl/core";
import type { OpTable } from "../types.js";

/** Ops implemented by @rl/core. */
export const coreOps: OpTable = {
  "kl.estimate": (a) => ({
    kl: klEstimate(a.logprobs as MatrixLike, a.refLogprobs as MatrixLike, { kind: a.kind as string, clamp: "verl" }).toArray(),
  }),
  "loss.aggregate": (a) => ({
    loss: aggregateLoss(a.values as MatrixLike, a.mask as MatrixLike, { mode: a.mode as LossAggregation }),
  }),
};

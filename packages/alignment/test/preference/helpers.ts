import { tf } from "@rl/core";
import type { PairwiseLogProbs } from "../../src/index.js";

/** Spec pair set E1 (alignment.md §3). */
export const E1 = {
  policyChosen: [-10, -20],
  policyRejected: [-12, -18],
  refChosen: [-11, -18.5],
  refRejected: [-11.5, -18.25],
  chosenLengths: [5, 10],
  rejectedLengths: [4, 8],
};

/** A second, three-pair set used by gradient checks (no ties, no kinks). */
export const G3 = {
  policyChosen: [-5, -7, -2.7],
  policyRejected: [-6, -5, -4],
  refChosen: [-5.6, -6.5, -3.2],
  refRejected: [-5.5, -5.2, -3.7],
  chosenLengths: [3, 4, 2],
  rejectedLengths: [5, 2, 3],
};

export function pairs(x: Record<string, number[]>): PairwiseLogProbs {
  const t = (k: string): tf.Tensor1D | undefined => (x[k] === undefined ? undefined : tf.tensor1d(x[k] as number[]));
  return {
    policyChosen: t("policyChosen") as tf.Tensor1D,
    policyRejected: t("policyRejected") as tf.Tensor1D,
    refChosen: t("refChosen"),
    refRejected: t("refRejected"),
    chosenLengths: t("chosenLengths"),
    rejectedLengths: t("rejectedLengths"),
  };
}

export const read = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** Disposes every tensor field of a (shallow) object. */
export function disposeAll(o: object): void {
  for (const v of Object.values(o)) if (v instanceof tf.Tensor) v.dispose();
}

/**
 * Runs `f` inside an engine scope (everything it allocates is freed after), returning what
 * `f` read out as plain data.
 */
export function scoped<T>(f: () => T): T {
  tf.engine().startScope();
  try {
    return f();
  } finally {
    tf.engine().endScope();
  }
}

import { RLError, describeValue, tf } from "@rl/core";
import { hostNumbers } from "./validate.js";

/** What an unpaired (binary-feedback) loss returns: `ktoLoss`, `bcoLoss`. */
export interface UnpairedLossOutput<M extends string> {
  loss: tf.Scalar;
  /** Per-example losses `[B]`, in input order (TRL concatenates desirable then undesirable). */
  losses: tf.Tensor1D;
  /** Implicit rewards `β·(π − ρ)` per example `[B]` (stop-gradient). */
  rewards: tf.Tensor1D;
  metrics: Partial<Record<M, number>>;
}

/**
 * Reads binary labels (1 = desirable, 0 = undesirable; numbers, booleans or a tensor) and checks
 * there are `B` of them. Throws `SHAPE_MISMATCH` / `INVALID_INPUT` naming `fn`.
 * @internal
 */
export function binaryLabels(labels: tf.Tensor | ArrayLike<number | boolean>, batch: number, fn: string): number[] {
  const values = hostNumbers(labels, "labels", fn);
  if (values.length !== batch) throw new RLError("SHAPE_MISMATCH", `${fn}: labels has ${values.length} entries, policy has ${batch}`);
  values.forEach((l, k) => {
    if (l !== 0 && l !== 1) throw new RLError("INVALID_INPUT", `${fn}: labels[${k}] is ${describeValue(l)}; labels are 0 or 1`);
  });
  return values;
}

/**
 * Means of each value list over the desirable and the undesirable rows (float64); a half with no
 * rows gives `undefined`.
 * @internal
 */
export function meansByLabel(labels: readonly number[], ...values: ArrayLike<number>[]): { desirable?: number[]; undesirable?: number[] } {
  const sums = [values.map(() => 0), values.map(() => 0)] as [number[], number[]];
  const counts = [0, 0];
  labels.forEach((l, k) => {
    const h = l === 1 ? 0 : 1;
    counts[h] = (counts[h] as number) + 1;
    values.forEach((v, j) => ((sums[h] as number[])[j] = ((sums[h] as number[])[j] as number) + (v[k] as number)));
  });
  const mean = (h: 0 | 1): number[] | undefined => ((counts[h] as number) > 0 ? sums[h].map((s) => s / (counts[h] as number)) : undefined);
  return { desirable: mean(0), undesirable: mean(1) };
}

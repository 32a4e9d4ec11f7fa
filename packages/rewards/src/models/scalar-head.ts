import { RLError, assertTensor, assertTensorMask, tf } from "@rl/core";

/**
 * Index of the last non-padding token of each row: `T − 1 − argmax(reverse(mask))` (OpenRLHF),
 * which works for left and right padding. Returns int32 `[B]`. An all-padding row would read
 * position `T−1`; it is rejected instead (`INVALID_INPUT`), so call it outside gradient code or
 * after checking the data.
 *
 * @example
 * lastTokenIndex(tf.tensor2d([[0, 0, 1, 1, 1], [1, 1, 1, 0, 0]])); // [4, 2]
 */
export function lastTokenIndex(mask: tf.Tensor): tf.Tensor {
  assertTensor(mask, "lastTokenIndex", "mask", { dtypes: ["float32", "int32"] }); // a bool mask aborts the wasm backend
  assertTensorMask(mask, "lastTokenIndex", "mask");
  if (mask.rank !== 2) throw new RLError("SHAPE_MISMATCH", `lastTokenIndex: mask must be [B,T], got [${mask.shape.join(",")}]`);
  const rowSums = tf.tidy(() => tf.sum(mask, 1));
  const sums = rowSums.dataSync();
  rowSums.dispose();
  sums.forEach((s, b) => {
    if (!((s as number) > 0)) throw new RLError("INVALID_INPUT", `lastTokenIndex: mask row ${b} has no token (empty sequence)`);
  });
  const T = mask.shape[1] as number;
  return tf.tidy(() => tf.sub(tf.scalar(T - 1, "int32"), tf.cast(tf.argMax(tf.reverse(mask, 1), 1), "int32")));
}

/**
 * Hidden state at the last non-padding token: `[B,T,H] → [B,H]` (docs/rewards/models.md). Selects with a one-hot
 * product (differentiable on every backend). Rejects all-padding rows like {@link lastTokenIndex}.
 *
 * @example
 * const hidden = tf.zeros([2, 3, 4]), mask = tf.tensor2d([[1, 1, 0], [1, 1, 1]]);
 * lastTokenPool(hidden, mask).shape; // [2, 4] ([B, H])
 */
export function lastTokenPool(hidden: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  assertTensor(hidden, "lastTokenPool", "hidden");
  assertTensor(mask, "lastTokenPool", "mask", { dtypes: ["float32", "int32"] });
  if (hidden.rank !== 3 || hidden.shape[0] !== mask.shape[0] || hidden.shape[1] !== mask.shape[1]) {
    throw new RLError("SHAPE_MISMATCH", `lastTokenPool: hidden [${hidden.shape.join(",")}] and mask [${mask.shape.join(",")}] disagree`);
  }
  const last = lastTokenIndex(mask);
  const out = tf.tidy(() => {
    const select = tf.expandDims(tf.oneHot(last, hidden.shape[1] as number), 2);
    return tf.sum(tf.mul(hidden, select), 1);
  });
  last.dispose();
  return out;
}

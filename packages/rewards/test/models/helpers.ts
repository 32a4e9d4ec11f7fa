import type { tf } from "@rl/core";
import { rlErrorCode } from "@rl/core/testing";

/** Reads a scalar tensor and disposes it. */
export const value = (t: tf.Tensor): number => {
  const v = t.dataSync()[0] as number;
  t.dispose();
  return v;
};

/** Reads a tensor's values and disposes it. */
export const values = (t: tf.Tensor): number[] => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

/** The RLError code `f` throws (core's `rlErrorCode`: "no error" if it returns). */
export const codeOf = rlErrorCode;

import { RLError, type tf } from "@rl/core";
import { expect } from "vitest";

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

/** The RLError code `f` throws ("none" if it does not throw). */
export const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(RLError.isInstance(e)).toBe(true);
    return (e as RLError).code;
  }
  return "none";
};

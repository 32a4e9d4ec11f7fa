import { tf } from "@rl/core";

/** Spec E5 tensors (alignment.md §17). */
export const E5 = {
  mask: [
    [1, 1, 1],
    [1, 1, 0],
  ],
  old: [
    [-1.0, -2.0, -0.5],
    [-1.5, -0.3, -9.0],
  ],
  delta: [
    [0.3, -0.4, 0.0],
    [1.5, -0.1, 5.0],
  ],
  advTokens: [
    [1, 1, 1],
    [-2, -2, -2],
  ],
  advSeq: [1, -2],
};

export const E5lp = E5.old.map((row, i) => row.map((o, t) => o + (E5.delta[i]![t] as number)));

/** Builds E5 as tensors (caller disposes). */
export function e5Tensors(seqAdvantages = false): { logProbs: tf.Tensor2D; oldLogProbs: tf.Tensor2D; advantages: tf.Tensor; mask: tf.Tensor2D } {
  return {
    logProbs: tf.tensor2d(E5lp),
    oldLogProbs: tf.tensor2d(E5.old),
    advantages: seqAdvantages ? tf.tensor1d(E5.advSeq) : tf.tensor2d(E5.advTokens),
    mask: tf.tensor2d(E5.mask),
  };
}

export function disposeAll(x: Record<string, tf.Tensor | undefined>): void {
  for (const t of Object.values(x)) t?.dispose();
}

export function num(t: tf.Tensor): number {
  return t.dataSync()[0] as number;
}

export function arr(t: tf.Tensor): number[][] {
  return t.arraySync() as number[][];
}

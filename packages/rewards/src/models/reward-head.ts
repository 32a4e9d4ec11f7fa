// The reward model's head as pure functions of (parameters, features): no closure, no state.
// Internal to `createRewardModel` (not re-exported from the package).
import { createRng, linear, tf } from "@rl/core";
import { lastTokenPool } from "./scalar-head.js";
import { normalVariable, zerosVariable } from "./variables.js";

/** Parameters of a reward head: `w [H, C]` and, for a token-classification head (`C = 2`), a bias `b [C]`. */
export interface RewardHeadParams {
  readonly w: tf.Tensor;
  readonly b: tf.Tensor | null;
}

/**
 * A fresh head for hidden size `H`: `C = 1` (a bias-free scalar head, BT / regression / ORM) or
 * `C = 2` (token classification `[bad, good]`, PRM). `w ~ N(0, std = 1/(H+1))` from
 * `createRng(seed)` (OpenRLHF's value-head init), `b = 0`.
 */
export function initRewardHead(hiddenSize: number, classes: 1 | 2, seed: number): { w: tf.Variable; b: tf.Variable | null } {
  const w = normalVariable(createRng(seed), [hiddenSize, classes], 1 / (hiddenSize + 1));
  return { w, b: classes === 2 ? zerosVariable([classes]) : null };
}

/** Head logits at every position: `hidden [B,T,H] · w (+ b) → [B,T,C]` (core's `linear`, hand-written backward). */
export function headTokenLogits(params: RewardHeadParams, hidden: tf.Tensor): tf.Tensor {
  return linear(hidden, params.w as tf.Tensor2D, (params.b ?? undefined) as tf.Tensor1D | undefined);
}

/**
 * One score per sequence, read at its last non-padding token: the scalar head's value (`C = 1`),
 * or `P(good) = softmax(z)₁` of the token-classification head (`C = 2`). `[B]`, differentiable in
 * `params` and `hidden`; the caller owns the result.
 */
export function headSequenceScores(params: RewardHeadParams, hidden: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  const pooled = lastTokenPool(hidden, mask);
  try {
    return tf.tidy(() => {
      const logits = linear(pooled, params.w as tf.Tensor2D, (params.b ?? undefined) as tf.Tensor1D | undefined);
      if (params.b === null) return tf.reshape(logits, [-1]);
      return tf.reshape(tf.slice(tf.softmax(logits), [0, 1], [-1, 1]), [-1]);
    });
  } finally {
    pooled.dispose();
  }
}

import { RLError, generate, tf, type Rng } from "@rl/core";
import { padResponses, responseLogProbs, taskDecoding, type Policy } from "./policy.js";
import { verifyAnswer, type Problem } from "./task.js";

/** One point of a training curve. */
export interface CurvePoint {
  readonly step: number;
  readonly value: number;
}

/** Options of {@link supervisedWarmStart}. */
export interface SftOptions {
  /** Optimiser steps. Default 600. */
  steps?: number;
  /** Problems per step. Default 64. */
  batchSize?: number;
  /** Adam learning rate. Default 5e-3. */
  learningRate?: number;
  /** Called after every step (progress bars). */
  onStep?: (step: number, loss: number) => void;
}

/** What {@link supervisedWarmStart} returns. */
export interface SftResult {
  /** Masked cross-entropy per step (nats per answer token). */
  readonly loss: CurvePoint[];
}

/**
 * Masked cross-entropy of the answer tokens (EOS included) under teacher forcing:
 *
 *   L = − Σ_{b,t} M[b,t] · log π(y[b,t] | x_b, y[b,<t]) / Σ M
 *
 * Differentiable; returns a scalar the caller owns.
 */
export function answerCrossEntropy(policy: Policy, batch: readonly Problem[]): tf.Scalar {
  const { tokens, mask } = padResponses(batch.map((p) => p.answerIds));
  return tf.tidy(() => {
    const lp = responseLogProbs(policy, batch.map((p) => p.promptIds), tokens);
    const m = tf.tensor2d(mask);
    return tf.neg(tf.div(tf.sum(tf.mul(lp, m)), tf.sum(m))) as tf.Scalar;
  });
}

/**
 * A short supervised warm start: teacher forcing on random batches of the train split with tfjs
 * Adam. Kept short on purpose, so the policy is only partly right and RL has room to help.
 * Leaves no tensor behind except the optimiser's slots, which it disposes.
 *
 * @example
 * const { loss } = supervisedWarmStart(policy, task.train, createRng(1), { steps: 200 });
 */
export function supervisedWarmStart(policy: Policy, train: readonly Problem[], rng: Rng, options: SftOptions = {}): SftResult {
  const steps = options.steps ?? 600;
  const batchSize = options.batchSize ?? 64;
  if (train.length === 0) throw new RLError("INVALID_INPUT", "supervisedWarmStart: train is empty");
  const optimizer = tf.train.adam(options.learningRate ?? 5e-3);
  const loss: CurvePoint[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      const batch = Array.from({ length: batchSize }, () => train[rng.int(train.length)] as Problem);
      const cost = optimizer.minimize(() => answerCrossEntropy(policy, batch), true, policy.variables);
      const value = (cost?.dataSync()[0] ?? NaN) as number;
      cost?.dispose();
      if (!Number.isFinite(value)) throw new RLError("NON_FINITE", `supervisedWarmStart: loss is ${value} at step ${step}`);
      loss.push({ step, value });
      options.onStep?.(step, value);
    }
  } finally {
    optimizer.dispose();
  }
  return { loss };
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Problems per forward pass. Default 200. */
  batchSize?: number;
}

/**
 * Exact-answer accuracy in [0, 1] by greedy decoding over `problems`.
 * @example
 * evaluate(policy, task.heldOut); // e.g. 0.42
 */
export function evaluate(policy: Policy, problems: readonly Problem[], options: EvaluateOptions = {}): number {
  if (problems.length === 0) throw new RLError("INVALID_INPUT", "evaluate: no problems");
  const batchSize = options.batchSize ?? 200;
  const maxNewTokens = maxAnswerTokens(problems);
  let correct = 0;
  for (let start = 0; start < problems.length; start += batchSize) {
    const batch = problems.slice(start, start + batchSize);
    const { tokenIds: tokens } = generate(policy.decoder, batch.map((p) => p.promptIds), { ...taskDecoding, maxNewTokens, greedy: true });
    batch.forEach((p, i) => {
      if (verifyAnswer(p, tokens[i] as number[])) correct += 1;
    });
  }
  return correct / problems.length;
}

/** The generation budget of a problem set: the longest answer, EOS included. */
export function maxAnswerTokens(problems: readonly Problem[]): number {
  const digits = problems[0]?.prompt.indexOf("+") ?? 1;
  return digits + 2;
}

import { adamW, trainStep, type AdamWState, type TrainBatch } from "@rl/alignment";
import { dataParallelStep, type DataParallelPool } from "@rl/alignment/parallel";
import { RLError, batchTensors, generate, rolloutTrainingBatch, tf, type Rng } from "@rl/core";
import { grpoAdvantages, tempoAdvantages } from "@rl/credit";
import { taskDecoding, type Policy } from "./policy.js";
import { rlPolicyLoss } from "./replica.js";
import type { AdvantageHeatmap, RewardTrend, RlRunMetrics } from "./report.js";
import { evaluate, maxAnswerTokens, type CurvePoint } from "./sft.js";
import { VOCAB, taskReward, type Problem } from "./task.js";

/** Credit assignment of an RL run: plain group credit or TEMPO tree credit. */
export type CreditMethod = "grpo" | "tempo";

/** Options of {@link runRl}. */
export interface RlOptions {
  /** `"grpo"` (grpoAdvantages) or `"tempo"` (tempoAdvantages). */
  method: CreditMethod;
  /** Optimiser steps (one rollout batch each). Default 40. */
  steps?: number;
  /** Prompts per step. Default 16. */
  promptsPerStep?: number;
  /** Responses per prompt (the group). Default 8. */
  groupSize?: number;
  /** AdamW learning rate. Default 1e-3. */
  learningRate?: number;
  /** Sampling temperature. Default 1. */
  temperature?: number;
  /** Held-out accuracy every this many steps (and at the end). Default 10. */
  evalEvery?: number;
  /** Held-out problems for the curve (the final accuracy uses `heldOut` whole). Default all. */
  curveProblems?: readonly Problem[];
  /** Steps averaged at each end of the reward curve for `rewardTrend` (see {@link rewardTrend}). Default 10. */
  rewardWindow?: number;
  /** Called after every step (progress bars). */
  onStep?: (step: number, meanReward: number, loss: number) => void;
  /** Called after every step with what a resume needs besides the weights and `rng` (checkpoints); awaited. */
  onCheckpoint?: (progress: RlProgress, optimizerState: AdamWState) => void | Promise<void>;
  /** Continue a run saved from `onCheckpoint`: the caller has restored the policy's weights and `rng`. */
  resume?: { progress: RlProgress; optimizerState: AdamWState };
  /**
   * Run each step's gradients on these replicas (`dataParallelStep`, rows sharded across workers,
   * shard weight `"rows"`) instead of `trainStep` in this thread; same update to float32 rounding.
   * Sampling stays in this thread (one RNG stream, so the numbers match the in-process run).
   * Default: none (in-process).
   */
  pool?: DataParallelPool;
}

/** Where an RL run stands after `step` steps: its curves so far (JSON). */
export interface RlProgress {
  step: number;
  reward: CurvePoint[];
  loss: CurvePoint[];
  accuracy: CurvePoint[];
  heatmap: AdvantageHeatmap | null;
}

/** What {@link runRl} returns. */
export interface RlResult extends RlRunMetrics {
  /** Per-token advantages over the first group with mixed rewards (the report's heatmap). */
  heatmap: AdvantageHeatmap | null;
}

/** The rollout batch of one RL step, as `trainStep` wants it (`[B, P + L]`). */
export interface RlBatch extends TrainBatch {
  advantages: tf.Tensor2D;
}

/**
 * On-policy RL with verifiable rewards: per step, sample `groupSize` responses for each of
 * `promptsPerStep` train prompts, score them with {@link taskReward}, turn rewards into per-token
 * advantages with `@rl/credit` (`grpoAdvantages` or `tempoAdvantages`), and take one
 * `@rl/alignment` `trainStep` on `grpoLoss` (loss type `"grpo"`, on-policy so every ratio is 1)
 * with `adamW`. Trains `policy` in place. `onCheckpoint` / `resume` make it stop and resume with
 * identical numbers.
 *
 * @example
 * const res = await runRl(clonePolicy(sft), task.train, task.heldOut, createRng(3), { method: "tempo" });
 */
export async function runRl(policy: Policy, train: readonly Problem[], heldOut: readonly Problem[], rng: Rng, options: RlOptions): Promise<RlResult> {
  const start = performance.now();
  const steps = options.steps ?? 40;
  const promptsPerStep = options.promptsPerStep ?? 16;
  const groupSize = options.groupSize ?? 8;
  const temperature = options.temperature ?? 1;
  const evalEvery = options.evalEvery ?? 10;
  const curveProblems = options.curveProblems ?? heldOut;
  const rewardWindow = options.rewardWindow ?? 10;
  if (!Number.isInteger(rewardWindow) || rewardWindow < 1) {
    throw new RLError("INVALID_CONFIG", `runRl: rewardWindow must be a positive integer, got ${rewardWindow}`);
  }
  const maxNewTokens = maxAnswerTokens(train);
  const optimizer = adamW(policy.variables, { learningRate: options.learningRate ?? 1e-3, weightDecay: 0 });
  const resume = options.resume?.progress;
  let state = options.resume?.optimizerState ?? optimizer.init();
  const reward: CurvePoint[] = [...(resume?.reward ?? [])];
  const loss: CurvePoint[] = [...(resume?.loss ?? [])];
  const accuracy: CurvePoint[] = resume === undefined ? [{ step: 0, value: evaluate(policy, curveProblems) }] : [...resume.accuracy];
  let heatmap: AdvantageHeatmap | null = resume?.heatmap ?? null;
  const model = (ids: tf.Tensor2D) => policy.logits(ids);
  try {
    for (let step = (resume?.step ?? 0) + 1; step <= steps; step++) {
      const problems = Array.from({ length: promptsPerStep }, () => train[rng.int(train.length)] as Problem);
      const rows = problems.flatMap((p) => new Array<Problem>(groupSize).fill(p));
      const gen = generate(policy.decoder, rows.map((p) => p.promptIds), { ...taskDecoding, maxNewTokens, temperature, rng });
      const L = maxNewTokens;
      const tokens = gen.tokenIds.map((r) => padTo(r, L, 0));
      const mask = gen.mask.map((r) => padTo(r, L, 0));
      const rewards = rows.map((p, i) => taskReward(p, tokens[i] as number[]));
      const groups = rows.map((_, i) => Math.floor(i / groupSize));
      const tokenRewards = mask.map((m, i) => {
        const last = m.lastIndexOf(1);
        return m.map((_, t) => (t === last ? (rewards[i] as number) : 0));
      });
      const advantages =
        options.method === "grpo"
          ? grpoAdvantages({ rewards, mask, groups }).advantages.toArray()
          : tempoAdvantages({ tokenRewards, tokenIds: tokens, mask, groups, rewards }).advantages.toArray();
      const adv = advantages as number[][];
      if (heatmap === null) heatmap = firstMixedGroup(rows, tokens, mask, rewards, adv, groupSize);
      // prompt ++ completion, [B, P + L]: lossMask and advantages shifted by the prompt.
      const full = batchTensors(rolloutTrainingBatch({ batch: { tokenIds: tokens, mask }, advantages: adv, promptTokenIds: rows.map((p) => p.promptIds) }));
      tf.dispose([full.attentionMask, full.oldLogProbs]);
      const batch: RlBatch = { tokenIds: full.tokenIds, lossMask: full.lossMask, advantages: full.advantages };
      try {
        const out =
          options.pool === undefined
            ? trainStep(model, batch, rlPolicyLoss, optimizer, state)
            : await dataParallelStep(options.pool, batch, { loss: "rlPolicyLoss", optimizer, state, shardWeight: "rows" });
        state = out.state;
        const meanReward = rewards.reduce((a, b) => a + b, 0) / rewards.length;
        reward.push({ step, value: meanReward });
        loss.push({ step, value: out.metrics.loss });
        options.onStep?.(step, meanReward, out.metrics.loss);
      } finally {
        tf.dispose([batch.tokenIds, batch.lossMask, batch.advantages]);
      }
      if (step % evalEvery === 0 || step === steps) accuracy.push({ step, value: evaluate(policy, curveProblems) });
      await options.onCheckpoint?.({ step, reward, loss, accuracy, heatmap }, state);
    }
  } finally {
    optimizer.dispose(state);
  }
  const heldOutAccuracy = curveProblems === heldOut ? (accuracy.at(-1)?.value ?? 0) : evaluate(policy, heldOut);
  return {
    heldOutAccuracy,
    reward,
    rewardTrend: rewardTrend(reward, rewardWindow),
    loss,
    accuracy,
    seconds: (performance.now() - start) / 1000,
    heatmap,
  };
}

/**
 * Whether the sampled reward rose during RL: the mean of the reward curve over its first `w` steps
 * and over its last `w` steps, with `w = min(window, ⌊n/2⌋)` (so the two ends never overlap;
 * `w = 1` when the curve has one step) for a curve of `n` steps:
 *
 *   first = (1/w) Σ_{s ≤ w} r_s,   last = (1/w) Σ_{s > n−w} r_s
 *
 * Averaging `w` steps damps the step-to-step noise of the prompts drawn. `null` for an empty curve.
 *
 * @example
 * rewardTrend([{ step: 1, value: 0.2 }, { step: 2, value: 0.3 }, { step: 3, value: 0.5 }], 10);
 * // { window: 1, first: 0.2, last: 0.5 }
 */
export function rewardTrend(reward: readonly CurvePoint[], window: number): RewardTrend | null {
  if (!Number.isInteger(window) || window < 1) throw new RLError("INVALID_CONFIG", `rewardTrend: window must be a positive integer, got ${window}`);
  const n = reward.length;
  if (n === 0) return null;
  const w = Math.max(1, Math.min(window, Math.floor(n / 2)));
  const mean = (points: readonly CurvePoint[]) => points.reduce((a, p) => a + p.value, 0) / points.length;
  const first = mean(reward.slice(0, w));
  const last = mean(reward.slice(n - w));
  if (!Number.isFinite(first) || !Number.isFinite(last)) throw new RLError("NON_FINITE", `rewardTrend: the reward curve has a non-finite value`);
  return { window: w, first, last };
}

function padTo(row: readonly number[], L: number, fill: number): number[] {
  return [...row, ...new Array<number>(Math.max(0, L - row.length)).fill(fill)].slice(0, L);
}

/** The first group whose rewards differ, as a heatmap input (valid tokens only). */
function firstMixedGroup(
  rows: readonly Problem[],
  tokens: readonly (readonly number[])[],
  mask: readonly (readonly number[])[],
  rewards: readonly number[],
  advantages: readonly (readonly number[])[],
  groupSize: number,
): AdvantageHeatmap | null {
  for (let g = 0; g * groupSize < rows.length; g++) {
    const idx = Array.from({ length: groupSize }, (_, k) => g * groupSize + k);
    const rs = idx.map((i) => rewards[i] as number);
    if (Math.max(...rs) === Math.min(...rs)) continue;
    // Sort rows so shared prefixes sit together: the prefix tree reads top to bottom.
    idx.sort((a, b) => (tokens[a] as number[]).join(",").localeCompare((tokens[b] as number[]).join(",")));
    const valid = (i: number) => (mask[i] as number[]).filter((m) => m === 1).length;
    return {
      prompt: (rows[g * groupSize] as Problem).prompt,
      tokens: idx.map((i) => (tokens[i] as number[]).slice(0, valid(i)).map((id) => VOCAB[id] ?? "?")),
      advantages: idx.map((i) => (advantages[i] as number[]).slice(0, valid(i))),
      rowLabels: idx.map((i, k) => `#${k} reward ${(rewards[i] as number).toFixed(1)}`),
    };
  }
  return null;
}

import { batchTensors, tf, type Matrix } from "@rl/core";
import { bradleyTerryLoss, type BradleyTerryConfig } from "../models/bradley-terry-loss.js";

/** A stacked `[2N, T]` preference batch (`preferenceBatch` of `@rl/core/data`): N chosen rows, then N rejected rows. */
export interface RewardPreferenceBatch {
  readonly tokenIds: Matrix;
  readonly attentionMask: Matrix;
  /** Per-pair margins (`null` = none), `[N]`. */
  readonly margins?: readonly (number | null)[];
}

/** Options of the {@link rewardModel} recipe. */
export interface RewardModelRecipeOptions {
  /** The reward model: token ids `[B, T]` (int32) and attention mask `[B, T]` → one reward per row `[B]`. */
  readonly score: (tokenIds: tf.Tensor2D, attentionMask: tf.Tensor2D) => tf.Tensor1D;
  /** The variables to train (default: every trainable variable the loss reaches). */
  readonly variables?: tf.Variable[];
  /** A tfjs optimizer (`tf.train.adam(1e-4)`). */
  readonly optimizer: tf.Optimizer;
  /** One update per batch. */
  readonly batches: Iterable<RewardPreferenceBatch>;
  /** `bradleyTerryLoss` config (TRL `RewardConfig.center_rewards_coefficient` is `centerCoefficient`). */
  readonly loss?: BradleyTerryConfig;
  readonly onStep?: (metrics: { step: number } & Record<string, number>) => void | Promise<void>;
}

/**
 * A pairwise reward model trained as a short loop over public functions (a recipe to copy and
 * change): per batch, `batchTensors` → `score` both halves in one pass → `bradleyTerryLoss` (with
 * the rows' margins, Llama 2 style) → `optimizer.minimize` → TRL `RewardTrainer` metrics
 * (`loss`, `accuracy`, `margin`, `rewards/chosen`, `rewards/rejected`, `min_reward`, `max_reward`).
 * @example
 * const { history } = await rewardModel({ score: model, optimizer: tf.train.adam(1e-3), batches: [batch] });
 * @remarks arXiv:2203.02155 (TRL RewardTrainer)
 */
export async function rewardModel(options: RewardModelRecipeOptions): Promise<{ history: ({ step: number } & Record<string, number>)[] }> {
  const history: ({ step: number } & Record<string, number>)[] = [];
  let step = 0;
  for (const batch of options.batches) {
    const t = batchTensors(batch);
    const N = t.tokenIds.shape[0] / 2;
    const margins = batch.margins?.some((m) => m !== null) === true ? batch.margins.map((m) => m ?? 0) : undefined;
    let pairMetrics: ReturnType<typeof bradleyTerryLoss>["metrics"] | undefined;
    try {
      const loss = options.optimizer.minimize(() => {
        const rewards = options.score(t.tokenIds, t.attentionMask);
        const [chosenRewards, rejectedRewards] = tf.split(rewards, [N, N]) as [tf.Tensor1D, tf.Tensor1D];
        const out = bradleyTerryLoss({ chosenRewards, rejectedRewards, ...(margins !== undefined ? { margins } : {}) }, options.loss);
        pairMetrics = out.metrics;
        return out.loss as tf.Scalar;
      }, true, options.variables);
      step += 1;
      const value = loss?.dataSync()[0] ?? Number.NaN;
      loss?.dispose();
      const m = pairMetrics as NonNullable<typeof pairMetrics>;
      const metrics = { step, loss: value, accuracy: m.accuracy, margin: m.meanMargin, "rewards/chosen": m.chosenMean, "rewards/rejected": m.rejectedMean, min_reward: m.minReward, max_reward: m.maxReward };
      history.push(metrics);
      await options.onStep?.(metrics);
    } finally {
      tf.dispose(Object.values(t));
    }
  }
  return { history };
}

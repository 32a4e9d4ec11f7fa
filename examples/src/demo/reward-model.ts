import { gatherLogProbs, tf } from "@rl/core";
import { createRewardModel, pairwiseAccuracy, type Encoder, type PreferenceExample } from "@rl/rewards";
import type { ResponsePair } from "./pairs.js";
import { clonePolicy, type Policy } from "./policy.js";
import type { CurvePoint } from "./sft.js";

/**
 * The policy as a `@rl/rewards` {@link Encoder}, from a *copy* of the policy (the reward model is
 * initialised from the SFT model, as in InstructGPT), so training the reward model never moves the
 * policy. Per position t the features are the trunk's hidden state plus two language-model
 * features — the token's log-prob `ℓ_t = log π(x_t | x_<t)` and the running sum `Σ_{s≤t} ℓ_s·M_s`
 * — so the head at the last token sees the sequence likelihood under the (trainable) trunk.
 * Causal, so right padding does not change earlier positions. `hiddenSize = dModel + 2`.
 */
export function policyEncoder(policy: Policy): Encoder {
  const trunk = clonePolicy(policy);
  return {
    hiddenSize: trunk.config.dModel + 2,
    variables: trunk.variables,
    encode: (ids, mask) =>
      tf.tidy(() => {
        const idsI = tf.cast(ids, "int32") as tf.Tensor2D;
        const [B, T] = idsI.shape;
        const h = trunk.hidden(idsI);
        const logits = trunk.readout(h);
        const V = trunk.config.vocabSize;
        const lpNext = T > 1 ? gatherLogProbs(tf.slice(logits, [0, 0, 0], [B, T - 1, V]), tf.slice(idsI, [0, 1], [B, T - 1])) : tf.zeros([B, 0]);
        const lp = tf.mul(tf.concat([tf.zeros([B, 1]), lpNext], 1), tf.cast(mask, "float32"));
        const cum = tf.cumsum(lp, 1);
        return tf.concat([h, tf.expandDims(lp, -1), tf.expandDims(cum, -1)], -1);
      }),
    dispose: () => trunk.dispose(),
  };
}

/** Options of {@link trainRewardModel}. */
export interface RewardModelOptions {
  /** Epochs over the train pairs. Default 6. */
  epochs?: number;
  /** Pairs per step. Default 32. */
  batchSize?: number;
  /** Adam learning rate. Default 1e-3. */
  learningRate?: number;
  /** Fraction of the train pairs used for early stopping (best-epoch weights are restored); ignored below 40 pairs. Default 0 (off: with ~100 validation pairs the stopping epoch is noise). */
  validationSplit?: number;
  /** Epochs without a lower validation loss before stopping. Default 3. */
  patience?: number;
  seed?: number;
  /** Called after every epoch. */
  onEpoch?: (epoch: number, epochs: number, loss: number) => void;
}

/** What {@link trainRewardModel} returns. */
export interface RewardModelResult {
  heldOutPairwiseAccuracy: number;
  /** Train loss per epoch. */
  loss: CurvePoint[];
  trainPairs: number;
  heldOutPairs: number;
}

const sequences = (pairs: readonly ResponsePair[], which: "chosen" | "rejected") =>
  pairs.map((p) => {
    const mask = which === "chosen" ? p.chosenMask : p.rejectedMask;
    const ids = which === "chosen" ? p.chosen : p.rejected;
    return [...p.problem.promptIds, ...ids.slice(0, mask.lastIndexOf(1) + 1)];
  });

/**
 * A Bradley–Terry reward model (`@rl/rewards` `createRewardModel`, objective `bradleyTerry`) on
 * prompt ⊕ response sequences of the policy's own sample pairs, initialised from the policy's
 * trunk; reports `pairwiseAccuracy` on held-out pairs (pairs of held-out prompts).
 *
 * @example
 * const rm = await trainRewardModel(sft, trainPairs, heldOutPairs);
 * rm.heldOutPairwiseAccuracy; // e.g. 0.9
 */
export async function trainRewardModel(
  policy: Policy,
  trainPairs: readonly ResponsePair[],
  heldOutPairs: readonly ResponsePair[],
  options: RewardModelOptions = {},
): Promise<RewardModelResult> {
  if (trainPairs.length === 0 || heldOutPairs.length === 0) {
    // Nothing to learn from or nothing to score: accuracy 0 by convention (never NaN).
    return { heldOutPairwiseAccuracy: 0, loss: [], trainPairs: trainPairs.length, heldOutPairs: heldOutPairs.length };
  }
  const rm = createRewardModel(policyEncoder(policy), { objective: "bradleyTerry", seed: options.seed ?? 0 });
  try {
    const chosen = sequences(trainPairs, "chosen");
    const rejected = sequences(trainPairs, "rejected");
    // Early stopping needs a few validation pairs; tiny (--quick) runs train on everything.
    const split = trainPairs.length >= 40 ? (options.validationSplit ?? 0) : 0;
    const data: PreferenceExample[] = chosen.map((c, i) => ({ chosenIds: c, rejectedIds: rejected[i] as number[] }));
    const fit = await rm.fit(data, {
      epochs: options.epochs ?? 6,
      batchSize: options.batchSize ?? 32,
      learningRate: options.learningRate ?? 1e-3,
      seed: options.seed ?? 0,
      validationSplit: split,
      ...(split > 0 ? { patience: options.patience ?? 3 } : {}),
      onProgress: (p) => options.onEpoch?.(p.epoch, p.epochs, p.trainLoss),
    });
    const rc = rm.score(sequences(heldOutPairs, "chosen"));
    const rr = rm.score(sequences(heldOutPairs, "rejected"));
    return {
      heldOutPairwiseAccuracy: pairwiseAccuracy(rc, rr).accuracy ?? 0,
      loss: fit.history.map((h) => ({ step: h.epoch, value: h.trainLoss })),
      trainPairs: trainPairs.length,
      heldOutPairs: heldOutPairs.length,
    };
  } finally {
    rm.dispose();
  }
}

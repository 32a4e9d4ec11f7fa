import { Matrix, RLError, parseConfig, type MatrixLike, describeValue } from "@rl/core/arrays";
import { z } from "zod";

/**
 * Input of {@link igpoTurnRewards}, for B multi-turn trajectories of K_i ≥ 1 turns each.
 * - `answerLogProbs[i][k]`: the per-token log-probabilities of the ground-truth answer, teacher-forced
 *   by the policy after trajectory i's context before turn k (k = 0: the prompt alone; k = 1: the
 *   prompt, turn 0 and its tool output; …), for k = 0 … K_i − 1. Every entry has the same answer
 *   tokens, so the lengths agree within a trajectory.
 * - `rewards[i]`: the trajectory's outcome reward (F1 or exact match of the final answer), given to its last turn.
 */
export interface IgpoInput {
  readonly answerLogProbs: readonly (readonly (readonly number[])[])[];
  readonly rewards: MatrixLike | readonly number[];
}

/**
 * Config of {@link igpoTurnRewards} (IGPO's code defaults).
 * - `form` ("probability"): the quantity whose gain is the reward. `"probability"`: the
 *   length-normalised answer probability p = exp(mean_j log π(a_j | ·)) (the official code);
 *   `"logProbability"`: its log, mean_j log π(a_j | ·), so the reward is Δ log p.
 * - `outcomeWeight` (1, `alpha` in the official `info_gain.py`): scale of the outcome reward on
 *   the last turn.
 */
export const igpoConfig = z.object({
  /** What the information gain is measured on: `"probability"` (exp of the mean answer-token log-prob, official) or `"logProbability"` (its log). */
  form: z.enum(["probability", "logProbability"]).default("probability"),
  /** Scale of the outcome reward on the last turn (`alpha` in the official code). */
  outcomeWeight: z.number().default(1),
});
export type IgpoConfig = z.input<typeof igpoConfig>;

/** Output of {@link igpoTurnRewards}: one reward per turn, padded to the longest trajectory. */
export interface IgpoTurnRewards {
  /** `[B, K]` turn rewards (0 past a trajectory's last turn): the `stepRewards` of {@link placeStepRewards}. */
  readonly stepRewards: Matrix;
  /** `[B, K]` 1 for a real turn. */
  readonly stepMask: Matrix;
  /** `[B, K]` the answer score f_k = p_k or log p_k measured before turn k (0 on padding), for logging. */
  readonly answerScores: Matrix;
}

// A log-probability a little above 0 (float32 round-off of a log-softmax) is accepted.
const LOGPROB_SLACK = 1e-4;

/**
 * IGPO turn-level information-gain rewards ("Information Gain-based Policy Optimization: A Simple
 * and Effective Approach for Multi-Turn LLM Agents", arXiv:2510.14967; official code
 * GuoqingWang1/IGPO at commit bff163b72718a8b8f9175ce019ec7114ad6bd59a, `scrl/llm_agent/generation.py`
 * and `verl/utils/reward_score/info_gain.py`). Each turn is rewarded by how much it raised the
 * policy's belief in the ground-truth answer a; the final (answer) turn gets the outcome:
 *
 *   f_{i,k} = exp( (1/|a|) Σ_j log π(a_j | q, o_{<k}) )      ("probability"; "logProbability" drops the exp)
 *   r_{i,k} = f_{i,k+1} − f_{i,k}            for k = 0 … K_i − 2
 *   r_{i,K_i−1} = outcomeWeight · outcome_i
 *
 * A trajectory of one turn gets only its outcome. Spread the turn rewards on tokens with
 * {@link placeStepRewards} (`spread: "end"`, each turn's last token: the official placement), then
 * use a group estimator over the token rewards. Defaults: `"probability"`, `outcomeWeight` 1.
 * Bad input (no turn, an empty answer, lengths that differ within a trajectory, a non-finite or
 * positive log-probability) throws `RLError`.
 *
 * @example
 * const r = igpoTurnRewards({
 *   answerLogProbs: [[[Math.log(0.1), Math.log(0.1)], [Math.log(0.4), Math.log(0.4)], [Math.log(0.5), Math.log(0.5)]]],
 *   rewards: [1],
 * });
 * r.stepRewards.toArray()[0].map((x) => +x.toFixed(4)); // [0.3, 0.1, 1]
 */
export function igpoTurnRewards(input: IgpoInput, config: IgpoConfig = {}): IgpoTurnRewards {
  const fn = "igpoTurnRewards";
  const { form, outcomeWeight } = parseConfig(igpoConfig, config, fn);
  if (typeof input !== "object" || input === null) throw new RLError("INVALID_INPUT", `${fn}: input must be an object { answerLogProbs, rewards }`);
  const lp = input.answerLogProbs;
  if (!Array.isArray(lp) || lp.length === 0) throw new RLError("INVALID_INPUT", `${fn}: answerLogProbs must be a non-empty array [B][K][answer tokens]`);
  if (input.rewards === undefined || input.rewards === null) throw new RLError("INVALID_INPUT", `${fn}: rewards is required`);
  const rewardM = Matrix.from(input.rewards, { name: "rewards", fn });
  if (rewardM.shape.length !== 1 || rewardM.size !== lp.length) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: rewards has shape [${rewardM.shape.join(",")}], answerLogProbs has ${lp.length} trajectories`);
  }
  const B = lp.length;
  let K = 0;
  for (let i = 0; i < B; i++) {
    const turns = lp[i];
    if (!Array.isArray(turns) || turns.length === 0) throw new RLError("INVALID_INPUT", `${fn}: answerLogProbs[${i}] must hold one entry per turn (at least one)`);
    K = Math.max(K, turns.length);
  }
  const turnRewards = new Float64Array(B * K);
  const stepMask = new Float64Array(B * K);
  const scores = new Float64Array(B * K);
  for (let i = 0; i < B; i++) {
    const turns = lp[i] as readonly (readonly number[])[];
    const L = (turns[0] as readonly number[] | undefined)?.length ?? 0;
    for (let k = 0; k < turns.length; k++) {
      const tok = turns[k];
      if (!Array.isArray(tok) || tok.length === 0) throw new RLError("INVALID_INPUT", `${fn}: answerLogProbs[${i}][${k}] must be a non-empty array of answer-token log-probabilities`);
      if (tok.length !== L) throw new RLError("SHAPE_MISMATCH", `${fn}: answerLogProbs[${i}][${k}] has ${tok.length} tokens, answerLogProbs[${i}][0] has ${L}; the answer is the same at every turn`);
      let sum = 0;
      for (let j = 0; j < L; j++) {
        const v = tok[j] as number;
        if (typeof v !== "number" || !Number.isFinite(v)) throw new RLError("NON_FINITE", `${fn}: answerLogProbs[${i}][${k}][${j}] is ${describeValue(v)}; expected a finite log-probability`);
        if (v > LOGPROB_SLACK) throw new RLError("INVALID_INPUT", `${fn}: answerLogProbs[${i}][${k}][${j}] is ${v}; a log-probability is ≤ 0`);
        sum += v;
      }
      const mean = sum / L;
      scores[i * K + k] = form === "probability" ? Math.exp(mean) : mean;
      stepMask[i * K + k] = 1;
    }
    for (let k = 0; k + 1 < turns.length; k++) turnRewards[i * K + k] = (scores[i * K + k + 1] as number) - (scores[i * K + k] as number);
    const last = outcomeWeight * (rewardM.data[i] as number);
    if (!Number.isFinite(last)) throw new RLError("NON_FINITE", `${fn}: outcomeWeight · rewards[${i}] is ${last}`);
    turnRewards[i * K + turns.length - 1] = last;
  }
  return { stepRewards: new Matrix(turnRewards, [B, K]), stepMask: new Matrix(stepMask, [B, K]), answerScores: new Matrix(scores, [B, K]) };
}

import { RLError, createRng, parseConfig, type MatrixLike } from "@rl/core/arrays";
import { z } from "zod";
import { droppedRows, finiteVector, type SelectionResult } from "./types.js";

/**
 * Config of {@link pfPpoWeights} and {@link pfPpoResample} (verl `algorithm.pf_ppo` defaults).
 * - `reweightMethod` ("pow"): `"pow"` w = |s|^weightPow; `"max_min"` w = 1 for the best and the
 *   worst score of the batch, 0 otherwise (the paper's BW, best-and-worst); `"max_random"`
 *   w = 0.4 for the best score, 0.1 otherwise (the paper's BR, best-plus-random).
 * - `weightPow` (2): the exponent of `"pow"`.
 * - `seed` (0): seed of core's `createRng` for the multinomial draw of {@link pfPpoResample}.
 */
export const pfPpoConfig = z.object({
  /** How a row's reward becomes its sampling weight: `"pow"` |s|^p, `"max_min"` best and worst, `"max_random"` best 0.4, others 0.1 (verl). */
  reweightMethod: z.enum(["pow", "max_min", "max_random"]).default("pow"),
  /** The exponent p of `"pow"` weights. */
  weightPow: z.number().nonnegative().default(2),
  /** Seed of the multinomial draw (core's `createRng`). */
  seed: z.number().int().default(0),
});
export type PfPpoConfig = z.input<typeof pfPpoConfig>;

// verl: weights = clamp(weights + 1e-8, min=1e-8), so every row keeps a tiny chance.
const WEIGHT_FLOOR = 1e-8;

function weightsOf(rewards: Float64Array, method: "pow" | "max_min" | "max_random", weightPow: number, fn: string): Float64Array {
  let max = -Infinity;
  let min = Infinity;
  for (const s of rewards) {
    max = Math.max(max, s);
    min = Math.min(min, s);
  }
  const w = new Float64Array(rewards.length);
  for (let i = 0; i < rewards.length; i++) {
    const s = rewards[i] as number;
    let v: number;
    if (method === "pow") v = Math.abs(s) ** weightPow;
    else if (method === "max_min") v = s === max || s === min ? 1 : 0;
    else v = s === max ? 0.4 : 0.1;
    v = Math.max(v + WEIGHT_FLOOR, WEIGHT_FLOOR);
    if (!Number.isFinite(v)) throw new RLError("NON_FINITE", `${fn}: weight of row ${i} is ${v} (|${s}|^${weightPow} overflows)`);
    w[i] = v;
  }
  return w;
}

/**
 * PF-PPO sampling weights (Policy Filtration for PPO, "Policy Filtration in RLHF to Fine-Tune
 * LLM for Code Generation", arXiv:2409.06957; verl `compute_pf_ppo_reweight_data`,
 * `verl/trainer/ppo/core_algos.py` at commit b178a3cd56f58b2d502255daba591e92833930a7). One weight
 * per row from its sequence score s (verl: `token_level_scores.sum(-1)`), over the whole batch:
 *
 *   pow:        w = |s|^p            max_min: w = 1[s = max ∨ s = min]          max_random: w = 0.4 if s = max else 0.1
 *   then        w ← max(w + 1e-8, 1e-8)
 *
 * Defaults: `"pow"`, p = 2 (verl). Ties all get the weight of the extreme they share.
 *
 * @example
 * Array.from(pfPpoWeights([0.5, -1, 2, 0], { reweightMethod: "max_min" })); // [1e-8, 1.00000001, 1.00000001, 1e-8]
 */
export function pfPpoWeights(rewards: MatrixLike | readonly number[], config: PfPpoConfig = {}): Float64Array {
  const fn = "pfPpoWeights";
  const { reweightMethod, weightPow } = parseConfig(pfPpoConfig, config, fn);
  return weightsOf(finiteVector(rewards, "rewards", fn), reweightMethod, weightPow, fn);
}

/** Result of {@link pfPpoResample}. */
export interface PfPpoResampleResult extends SelectionResult<"not-drawn"> {
  /** The sampling weight of every row ({@link pfPpoWeights}). */
  readonly weights: Float64Array;
}

/**
 * PF-PPO resampling (arXiv:2409.06957; verl `compute_pf_ppo_reweight_data` at commit
 * b178a3cd56f58b2d502255daba591e92833930a7): draws B rows with replacement, each with probability
 * w_i / Σ_j w_j ({@link pfPpoWeights}), and returns them as the new batch. `kept` holds the B
 * drawn row indices in draw order (repeats included: train on `kept.map((i) => rows[i])`); every
 * row never drawn is dropped with reason `"not-drawn"`.
 *
 * The draw uses core's seeded `createRng(seed)`, not torch's generator: the same weights, not the
 * same indices as verl for a given seed. Defaults: `"pow"`, p = 2, seed 0.
 *
 * @example
 * const r = pfPpoResample([1, 0, 0, 0], { seed: 1 }); // w = [1 + 1e-8, 1e-8, 1e-8, 1e-8]
 * r.kept; // [0, 0, 0, 0]
 * r.dropped.map((d) => d.row); // [1, 2, 3]
 */
export function pfPpoResample(rewards: MatrixLike | readonly number[], config: PfPpoConfig = {}): PfPpoResampleResult {
  const fn = "pfPpoResample";
  const { reweightMethod, weightPow, seed } = parseConfig(pfPpoConfig, config, fn);
  const s = finiteVector(rewards, "rewards", fn);
  const weights = weightsOf(s, reweightMethod, weightPow, fn);
  const rng = createRng(seed);
  const kept: number[] = [];
  const drawn = new Uint8Array(s.length);
  for (let k = 0; k < s.length; k++) {
    const i = rng.categorical(weights);
    kept.push(i);
    drawn[i] = 1;
  }
  const reasons = Array.from(drawn, (d) => (d === 1 ? undefined : ("not-drawn" as const)));
  return { kept, dropped: droppedRows(reasons), weights };
}

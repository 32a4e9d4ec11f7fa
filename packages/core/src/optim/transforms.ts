import { z } from "zod";
import { RLError } from "../errors.js";
import { parseConfig } from "../config.js";
import { tf } from "../tf.js";
import { describeValue } from "../validate.js";
import { clipTensorsByGlobalNorm } from "../math/clip.js";
import { checkUpdates, zerosVariable, type GradientTransformation } from "./transform.js";

/** State of a transformation that keeps none. */
export type EmptyState = Record<string, never>;
/** State of a transformation that only counts its steps. */
export interface CountState {
  /** Updates done so far. */
  count: number;
}

function checkCount(fn: string, state: unknown): number {
  const c = (state as CountState | null)?.count;
  if (typeof c !== "number" || !Number.isInteger(c) || c < 0) {
    throw new RLError("INVALID_INPUT", `${fn}: state.count must be an integer ≥ 0, got ${String(c)} (use init())`);
  }
  return c;
}

/** Config of {@link clipByGlobalNorm}. */
export const clipByGlobalNormConfig = z.object({
  /** Largest global L2 norm of the updates (TRL `max_grad_norm`, default 1.0). */
  maxNorm: z.number().positive().default(1),
});
export type ClipByGlobalNormConfig = z.input<typeof clipByGlobalNormConfig>;

/**
 * Clips the updates by their global L2 norm, as PyTorch's `clip_grad_norm_` (Pascanu et al.,
 * arXiv:1211.5063): `u ← u · min(1, maxNorm / (‖u‖₂ + 1e-6))`, the norm over every update
 * together. `info.gradNorm` is the norm before clipping; a non-finite norm throws `NON_FINITE`.
 * Stateless. Default `maxNorm` 1 (TRL's `max_grad_norm`).
 *
 * @example
 * const t = clipByGlobalNorm({ maxNorm: 1 });
 * const r = t.update([tf.tensor1d([3, 4])], t.init([]));
 * r.info.gradNorm; // 5   (updates become [0.6, 0.8])
 * @remarks arXiv:1211.5063; optax `clip_by_global_norm`
 */
export function clipByGlobalNorm(config: ClipByGlobalNormConfig = {}): GradientTransformation<EmptyState> {
  const { maxNorm } = parseConfig(clipByGlobalNormConfig, config, "clipByGlobalNorm");
  return {
    init: () => ({}),
    update(updates, state, params) {
      checkUpdates("clipByGlobalNorm", updates, params);
      const present = updates.filter((u): u is tf.Tensor => u !== null);
      if (present.length === 0) return { updates: [...updates], state, info: { gradNorm: 0 } };
      const { clipped, norm } = clipTensorsByGlobalNorm(present, maxNorm);
      let k = 0;
      return { updates: updates.map((u) => (u === null ? null : (clipped[k++] as tf.Tensor))), state, info: { gradNorm: norm } };
    },
    dispose: () => undefined,
  };
}

/** Config of {@link scaleByAdam}. */
export const scaleByAdamConfig = z.object({
  /** β₁, the first-moment decay. Default 0.9. */
  beta1: z.number().min(0).lt(1).default(0.9),
  /** β₂, the second-moment decay. Default 0.999. */
  beta2: z.number().min(0).lt(1).default(0.999),
  /** ε added to √v̂. Default 1e-8. */
  epsilon: z.number().positive().default(1e-8),
});
export type ScaleByAdamConfig = z.input<typeof scaleByAdamConfig>;

/** State of {@link scaleByAdam}: the step count and the moments (one variable per parameter). */
export interface ScaleByAdamState {
  count: number;
  mu: tf.Variable[];
  nu: tf.Variable[];
}

/**
 * Adam's rescaling (Kingma & Ba, arXiv:1412.6980; `optax.scale_by_adam`). At step `t` (1-based):
 *
 *   m ← β₁m + (1 − β₁)u;   v ← β₂v + (1 − β₂)u²;   u ← (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 *
 * Moments of a parameter whose update is `null` are left untouched. Defaults β = (0.9, 0.999),
 * ε = 1e-8 (PyTorch). Follow with {@link scaleByLearningRate} (and {@link addDecayedWeights} in
 * between for AdamW).
 *
 * @example
 * const t = scaleByAdam();
 * const s = t.init([tf.zeros([2])]);
 * t.update([tf.tensor1d([0.5, -2])], s).updates; // [[1, -1]]  (≈ sign(u) at step 1)
 * @remarks arXiv:1412.6980
 */
export function scaleByAdam(config: ScaleByAdamConfig = {}): GradientTransformation<ScaleByAdamState> {
  const cfg = parseConfig(scaleByAdamConfig, config, "scaleByAdam");
  return {
    init: (params) => ({ count: 0, mu: params.map(zerosVariable), nu: params.map(zerosVariable) }),
    update(updates, state) {
      const count = checkCount("scaleByAdam", state);
      if (!Array.isArray(state.mu) || !Array.isArray(state.nu) || state.mu.length !== state.nu.length) {
        throw new RLError("INVALID_INPUT", "scaleByAdam: state.mu and state.nu must be arrays of one variable per parameter (use init())");
      }
      checkUpdates("scaleByAdam", updates, state.mu);
      const t = count + 1;
      const bc1 = 1 - cfg.beta1 ** t;
      const bc2 = 1 - cfg.beta2 ** t;
      const out = updates.map((u, i) => {
        if (u === null) return null;
        const m = state.mu[i] as tf.Variable;
        const v = state.nu[i] as tf.Variable;
        return tf.tidy(() => {
          m.assign(tf.add(tf.mul(m, cfg.beta1), tf.mul(u, 1 - cfg.beta1)));
          v.assign(tf.add(tf.mul(v, cfg.beta2), tf.mul(tf.square(u), 1 - cfg.beta2)));
          return tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), cfg.epsilon));
        });
      });
      return { updates: out, state: { count: t, mu: state.mu, nu: state.nu }, info: {} };
    },
    dispose(state) {
      for (const x of [...(state?.mu ?? []), ...(state?.nu ?? [])]) x.dispose();
    },
  };
}

/** Config of {@link addDecayedWeights}. */
export const addDecayedWeightsConfig = z.object({
  /** Decoupled weight decay λ. Default 0.01 (PyTorch `AdamW`). */
  weightDecay: z.number().min(0).default(0.01),
});
export type AddDecayedWeightsConfig = z.input<typeof addDecayedWeightsConfig>;

/**
 * Decoupled weight decay (Loshchilov & Hutter, arXiv:1711.05101; `optax.add_decayed_weights`):
 * `u ← u + λ·p`. Put it after {@link scaleByAdam} and before {@link scaleByLearningRate}: the
 * chain then gives `p ← p − lr·(adam + λp)`, PyTorch's `AdamW` step. Needs `params` in `update`.
 * Stateless. Default λ = 0.01.
 *
 * @example
 * const t = addDecayedWeights({ weightDecay: 0.1 });
 * t.update([tf.tensor1d([1, 1])], {}, [tf.tensor1d([2, -2])]).updates; // [[1.2, 0.8]]
 * @remarks arXiv:1711.05101
 */
export function addDecayedWeights(config: AddDecayedWeightsConfig = {}): GradientTransformation<EmptyState> {
  const { weightDecay } = parseConfig(addDecayedWeightsConfig, config, "addDecayedWeights");
  return {
    init: () => ({}),
    update(updates, state, params) {
      if (params === undefined) throw new RLError("INVALID_INPUT", "addDecayedWeights: update needs the parameters (third argument)");
      checkUpdates("addDecayedWeights", updates, params);
      if (weightDecay === 0) return { updates: [...updates], state, info: {} };
      const out = updates.map((u, i) => (u === null ? null : tf.tidy(() => tf.add(u, tf.mul(params[i] as tf.Tensor, weightDecay)))));
      return { updates: out, state, info: {} };
    },
    dispose: () => undefined,
  };
}

/** A learning rate: a constant, or a schedule `step → rate` (0-based step, e.g. `warmupCosineSchedule`). */
export type LearningRate = number | ((step: number) => number);

/** Config of {@link scaleByLearningRate}. */
export interface ScaleByLearningRateConfig {
  /** A constant rate or a schedule of the 0-based step. */
  learningRate: LearningRate;
}

function rateAt(fn: string, lr: LearningRate, step: number): number {
  const r = typeof lr === "number" ? lr : lr(step);
  if (typeof r !== "number" || !Number.isFinite(r) || r < 0) {
    throw new RLError("INVALID_INPUT", `${fn}: learning rate at step ${step} must be a finite number ≥ 0, got ${String(r)}`);
  }
  return r;
}

/**
 * Scales by a schedule (`optax.scale_by_schedule`): `u ← s(count)·u`, with `count` the steps done
 * so far (0 on the first update). `info.scale` is the factor used.
 *
 * @example
 * const t = scaleBySchedule((step) => 1 / (step + 1));
 * let s = t.init([]);
 * ({ state: s } = t.update([tf.scalar(1)], s)); // × 1
 * t.update([tf.scalar(1)], s).info.scale; // 0.5
 * @remarks optax `scale_by_schedule`
 */
export function scaleBySchedule(schedule: (step: number) => number): GradientTransformation<CountState> {
  if (typeof schedule !== "function") throw new RLError("INVALID_CONFIG", "scaleBySchedule: schedule must be a function step → factor");
  return {
    init: () => ({ count: 0 }),
    update(updates, state, params) {
      const count = checkCount("scaleBySchedule", state);
      checkUpdates("scaleBySchedule", updates, params);
      const f = schedule(count);
      if (typeof f !== "number" || !Number.isFinite(f)) throw new RLError("NON_FINITE", `scaleBySchedule: schedule(${count}) is ${String(f)}`);
      const out = updates.map((u) => (u === null ? null : tf.tidy(() => tf.mul(u, f))));
      return { updates: out, state: { count: count + 1 }, info: { scale: f } };
    },
    dispose: () => undefined,
  };
}

/**
 * Gradient descent's step (`optax.scale_by_learning_rate`): `u ← −lr(count)·u`, so that
 * {@link applyUpdates} moves against the gradient. `learningRate` is a constant or a schedule of
 * the 0-based step (e.g. `warmupCosineSchedule` from @rl/alignment). `info.learningRate` is the
 * rate used (TRL's `learning_rate` metric).
 *
 * @example
 * const t = scaleByLearningRate({ learningRate: 0.1 });
 * t.update([tf.tensor1d([1, -2])], t.init([])).updates; // [[-0.1, 0.2]]
 * @remarks optax `scale_by_learning_rate`
 */
export function scaleByLearningRate(config: ScaleByLearningRateConfig): GradientTransformation<CountState> {
  if (typeof config !== "object" || config === null) {
    throw new RLError("INVALID_CONFIG", `scaleByLearningRate: config must be { learningRate }, got ${describeValue(config)}`);
  }
  const lr = (config as Partial<ScaleByLearningRateConfig>).learningRate;
  if (typeof lr !== "function" && typeof lr !== "number") {
    throw new RLError("INVALID_CONFIG", `scaleByLearningRate: learningRate must be a number or a schedule (step) => number, got ${describeValue(lr)}`);
  }
  if (typeof lr !== "function") rateAt("scaleByLearningRate", lr as number, 0);
  return {
    init: () => ({ count: 0 }),
    update(updates, state, params) {
      const count = checkCount("scaleByLearningRate", state);
      checkUpdates("scaleByLearningRate", updates, params);
      const r = rateAt("scaleByLearningRate", lr as LearningRate, count);
      const out = updates.map((u) => (u === null ? null : tf.tidy(() => tf.mul(u, -r))));
      return { updates: out, state: { count: count + 1 }, info: { learningRate: r } };
    },
    dispose: () => undefined,
  };
}

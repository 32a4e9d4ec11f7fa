import { RLError, adamWTransform, applyUpdates, assertInteger, assertTensor, parseConfig, scaleByAdamConfig, tf, type Stateful } from "@rl/core";
import { z } from "zod";

/** Config of {@link adamW} (PyTorch `torch.optim.AdamW` defaults): core's `scaleByAdamConfig` (β₁, β₂, ε) plus the rate and the decay. */
export const adamWConfig = scaleByAdamConfig.extend({
  /** Learning rate (used when an update passes none). Default 1e-3. */
  learningRate: z.number().positive().default(1e-3),
  /** Decoupled weight decay λ (applied as `p ← p·(1 − lr·λ)`). Default 0.01 (PyTorch AdamW). */
  weightDecay: z.number().min(0).default(0.01),
});
export type AdamWConfig = z.input<typeof adamWConfig>;

/** State of {@link adamW}: the step count and the moment estimates (one variable per parameter). */
export interface AdamWState {
  /** Updates done so far. */
  step: number;
  /** First moments `m`. */
  m: tf.Variable[];
  /** Second moments `v`. */
  v: tf.Variable[];
}

/** Input of one optimizer update (e.g. {@link adamW}): one gradient per parameter (`null` = no gradient, the parameter is left alone). */
export interface OptimizerInput {
  grads: readonly (tf.Tensor | null)[];
  /** This step's learning rate (from a schedule); default the config's. */
  learningRate?: number;
}

/** An optimizer over fixed parameters: `Stateful` plus `dispose(state)` for the moment variables. */
export interface ParameterOptimizer<S extends { step: number }> extends Stateful<S, OptimizerInput, { learningRate: number }> {
  /** The parameters it updates (in place). */
  readonly params: readonly tf.Variable[];
  /** Frees the state's tensors. */
  dispose(state: S): void;
}

/**
 * Adam with decoupled weight decay — AdamW (Loshchilov & Hutter, arXiv:1711.05101; Adam
 * arXiv:1412.6980), as PyTorch's `AdamW`: an `{ init, update }` object over the given
 * `tf.Variable`s, a thin recipe over core's `adamWTransform` (`chain(scaleByAdam,
 * addDecayedWeights, scaleByLearningRate)`) and `applyUpdates`. For each parameter with a
 * gradient, at step `t` (1-based):
 *
 *   m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²
 *   p ← p − lr · ( (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε) + λ·p )
 *
 * The parameters and the moment variables are updated **in place** (tfjs memory); the returned state
 * `{ step, m, v }` carries the new step count and the same moment variables (`m`, `v` are the
 * `mu`, `nu` of core's `scaleByAdam`). `dispose(state)` frees the moments. The state is checked
 * before any weight is touched: a bad `step` or a moment that is not a live tensor of the
 * parameter's shape (e.g. a state that went through `JSON.stringify`: save it with
 * `saveCheckpoint` instead) throws `RLError`, never NaN weights.
 * Defaults: lr 1e-3, β = (0.9, 0.999), ε = 1e-8, λ = 0.01. `weightDecay: 0` is Adam ({@link adam}).
 *
 * @example
 * const vars = [tf.variable(tf.zeros([2]))], grads = [tf.ones([2])];
 * const opt = adamW(vars, { learningRate: 1e-3 });
 * let state = opt.init();
 * ({ state } = opt.update({ grads }, state));
 * opt.dispose(state);
 * @remarks arXiv:1711.05101, arXiv:1412.6980; torch/optim/adamw.py
 */
export function adamW(params: readonly tf.Variable[], config: AdamWConfig = {}): ParameterOptimizer<AdamWState> {
  const { learningRate, ...rest } = parseConfig(adamWConfig, config, "adamW");
  if (!Array.isArray(params)) throw new RLError("INVALID_INPUT", "adamW: params must be an array of tf.Variable");
  params.forEach((p, i) => {
    assertTensor(p, "adamW", `params[${i}]`);
    if (!(p instanceof tf.Variable)) throw new RLError("INVALID_INPUT", `adamW: params[${i}] must be a tf.Variable (tf.variable(...))`);
  });
  const ps = [...params];
  // The rate of the update in progress: the chain's `scaleByLearningRate` reads it.
  let rate = learningRate;
  const transform = adamWTransform({ ...rest, learningRate: () => rate });
  return {
    params: ps,
    init(): AdamWState {
      const [adamState] = transform.init(ps);
      const { mu, nu } = adamState as { mu: tf.Variable[]; nu: tf.Variable[] };
      return { step: 0, m: mu, v: nu };
    },
    update(input: OptimizerInput, state: AdamWState) {
      if (typeof input !== "object" || input === null || !Array.isArray(input.grads)) {
        throw new RLError("INVALID_INPUT", "adamW: update input must be { grads: (tf.Tensor | null)[] }");
      }
      assertAdamWState(state, ps);
      const { grads } = input;
      if (grads.length !== ps.length) {
        throw new RLError("SHAPE_MISMATCH", `adamW: ${grads.length} gradients for ${ps.length} parameters`);
      }
      const lr = input.learningRate ?? learningRate;
      if (typeof lr !== "number" || !(lr >= 0) || !Number.isFinite(lr)) throw new RLError("INVALID_INPUT", `adamW: learningRate must be a finite number ≥ 0, got ${lr}`);
      grads.forEach((grad, i) => {
        const p = ps[i] as tf.Variable;
        if (grad === null) return;
        assertTensor(grad as unknown, "adamW", `grads[${i}]`);
        const g = grad;
        if ((g.shape.length !== p.shape.length || g.shape.some((s: number, k: number) => s !== p.shape[k]))) {
          throw new RLError("SHAPE_MISMATCH", `adamW: gradient ${i} has shape [${g.shape.join(",")}], parameter [${p.shape.join(",")}]`);
        }
      });
      rate = lr;
      if (fusedBackend()) {
        fusedAdamWUpdate(ps, grads, state, lr, rest);
        return { output: { learningRate: lr }, state: { step: state.step + 1, m: state.m, v: state.v } };
      }
      const chainState: [unknown, unknown, unknown] = [{ count: state.step, mu: state.m, nu: state.v }, {}, { count: state.step }];
      const { updates } = transform.update(grads, chainState as never, ps);
      try {
        applyUpdates(ps, updates);
      } finally {
        updates.forEach((u, i) => {
          if (u !== null && u !== grads[i]) u.dispose();
        });
      }
      return { output: { learningRate: lr }, state: { step: state.step + 1, m: state.m, v: state.v } };
    },
    dispose(state: AdamWState): void {
      for (const x of [...state.m, ...state.v]) x.dispose();
    },
  };
}

/** The backends whose tensors live in JS-reachable memory (the fused update reads them back cheaply). */
function fusedBackend(): boolean {
  const b = tf.getBackend();
  return b === "wasm" || b === "cpu";
}

/**
 * The update of `adamWTransform`'s chain + `applyUpdates` in one plain-JS pass per parameter, with
 * every intermediate rounded to float32 where the chain's tfjs ops round it (`Math.fround`), so the
 * weights and moments are those of the chain, bit for bit on wasm and cpu (tested):
 *
 *   m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  u = (m/(1 − β₁ᵗ)) / (√(v/(1 − β₂ᵗ)) + ε) (+ λp);  p ← p + (−lr)·u
 *
 * The chain is ~15 tfjs kernels per parameter (28 parameters: ~450 kernels per step for the demo);
 * this is three uploads and three assigns per parameter (docs/core-decisions.md, "trainStep").
 */
function fusedAdamWUpdate(
  ps: readonly tf.Variable[],
  grads: readonly (tf.Tensor | null)[],
  state: AdamWState,
  lr: number,
  cfg: { beta1: number; beta2: number; epsilon: number; weightDecay: number },
): void {
  const f = Math.fround;
  const t = state.step + 1;
  const b1 = f(cfg.beta1);
  const c1 = f(1 - cfg.beta1);
  const b2 = f(cfg.beta2);
  const c2 = f(1 - cfg.beta2);
  const bc1 = f(1 - cfg.beta1 ** t);
  const bc2 = f(1 - cfg.beta2 ** t);
  const eps = f(cfg.epsilon);
  const wd = f(cfg.weightDecay);
  const decay = cfg.weightDecay !== 0;
  const negLr = f(-lr);
  grads.forEach((grad, i) => {
    if (grad === null) return;
    const p = ps[i] as tf.Variable;
    const mv = state.m[i] as tf.Variable;
    const vv = state.v[i] as tf.Variable;
    const g = grad.dataSync() as Float32Array;
    const pd = p.dataSync() as Float32Array;
    const md = mv.dataSync() as Float32Array;
    const vd = vv.dataSync() as Float32Array;
    const n = g.length;
    const pOut = new Float32Array(n);
    const mOut = new Float32Array(n);
    const vOut = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const gk = g[k] as number;
      const m = f(f((md[k] as number) * b1) + f(gk * c1));
      const v = f(f((vd[k] as number) * b2) + f(f(gk * gk) * c2));
      let u = f(f(m / bc1) / f(f(Math.sqrt(f(v / bc2))) + eps));
      if (decay) u = f(u + f((pd[k] as number) * wd));
      mOut[k] = m;
      vOut[k] = v;
      pOut[k] = f((pd[k] as number) + f(u * negLr));
    }
    for (const [variable, values] of [[mv, mOut], [vv, vOut], [p, pOut]] as const) {
      const next = tf.tensor(values, variable.shape, "float32");
      variable.assign(next);
      next.dispose();
    }
  });
}

/**
 * Checks an AdamW state before any weight is touched: `step` a non-negative integer (a NaN,
 * negative, fractional or string step would turn the bias corrections into NaN and the weights
 * with them), and one live float32 moment variable per parameter of the same shape.
 */
function assertAdamWState(state: unknown, ps: readonly tf.Variable[]): asserts state is AdamWState {
  if (typeof state !== "object" || state === null) throw new RLError("INVALID_INPUT", "adamW: state must be the object from init() or a previous update");
  const s = state as Partial<AdamWState>;
  assertInteger(s.step, "adamW", "state.step");
  for (const key of ["m", "v"] as const) {
    const xs = s[key];
    if (!Array.isArray(xs) || xs.length !== ps.length) {
      throw new RLError("INVALID_INPUT", `adamW: state.${key} must hold one variable per parameter (${ps.length})`);
    }
    xs.forEach((x, i) => {
      assertTensor(x, "adamW", `state.${key}[${i}]`, { dtypes: ["float32"] });
      if (!(x instanceof tf.Variable)) throw new RLError("INVALID_INPUT", `adamW: state.${key}[${i}] must be a tf.Variable (from init() or restoreCheckpoint; a JSON copy of the state has none)`);
      const p = ps[i] as tf.Variable;
      if (x.shape.length !== p.shape.length || x.shape.some((d, k) => d !== p.shape[k])) {
        throw new RLError("SHAPE_MISMATCH", `adamW: state.${key}[${i}] has shape [${x.shape.join(",")}], parameter [${p.shape.join(",")}]`);
      }
    });
  }
}

/**
 * Adam (Kingma & Ba, arXiv:1412.6980): {@link adamW} with `weightDecay` 0 by default.
 * @example
 * const vars = [tf.variable(tf.zeros([2]))];
 * const opt = adam(vars, { learningRate: 1e-2 });
 * @remarks arXiv:1412.6980
 */
export function adam(params: readonly tf.Variable[], config: AdamWConfig = {}): ParameterOptimizer<AdamWState> {
  return adamW(params, { weightDecay: 0, ...config });
}

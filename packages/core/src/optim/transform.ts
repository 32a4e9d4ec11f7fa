import { RLError } from "../errors.js";
import { describeValue } from "../validate.js";
import { tf } from "../tf.js";

/** One update per parameter; `null` = this parameter has no gradient and is left alone. */
export type Updates = readonly (tf.Tensor | null)[];

/**
 * A gradient transformation in optax's shape (Babuschkin et al., "The DeepMind JAX Ecosystem",
 * 2020; `optax.GradientTransformation`): `init(params) → state` and
 * `update(updates, state, params) → { updates, state }`. Transformations compose with
 * {@link chain}; {@link applyUpdates} adds the final updates to the parameters.
 *
 * Ownership (tfjs has no garbage collector for tensors): `update` never disposes the `updates`
 * it is given; the tensors it returns are new and owned by the caller (a transformation that
 * leaves an update unchanged returns the same tensor object, so compare with `===` before
 * disposing). State tensors are `tf.Variable`s assigned **in place**, so the state can be saved
 * with `saveCheckpoint` and restored with `restoreCheckpoint`; `dispose(state)` frees them.
 * `info` carries scalar diagnostics (e.g. `gradNorm`), merged by {@link chain}.
 * @remarks optax (github.com/google-deepmind/optax)
 */
export interface GradientTransformation<S = unknown> {
  /** The initial state for these parameters. */
  init(params: readonly tf.Tensor[]): S;
  /** One step: transformed updates and the next state. */
  update(updates: Updates, state: S, params?: readonly tf.Tensor[]): TransformResult<S>;
  /** Frees the state's tensors. */
  dispose(state: S): void;
}

/** What {@link GradientTransformation.update} returns. */
export interface TransformResult<S> {
  readonly updates: (tf.Tensor | null)[];
  readonly state: S;
  /** Scalar diagnostics (e.g. `gradNorm` from {@link clipByGlobalNorm}). */
  readonly info: Readonly<Record<string, number>>;
}

/** Throws unless `updates` has one entry per parameter, each of the parameter's shape. */
export function checkUpdates(fn: string, updates: Updates, params: readonly tf.Tensor[] | undefined, count?: number): void {
  if (!Array.isArray(updates)) throw new RLError("INVALID_INPUT", `${fn}: updates must be an array of tensors or null`);
  updates.forEach((u, i) => {
    if (u !== null && !(u instanceof tf.Tensor)) throw new RLError("INVALID_INPUT", `${fn}: updates[${i}] is not a tensor or null`);
    if (u !== null && u.isDisposed) throw new RLError("INVALID_INPUT", `${fn}: updates[${i}] is disposed`);
    if (u !== null && u.dtype !== "float32") throw new RLError("INVALID_INPUT", `${fn}: updates[${i}] has dtype ${u.dtype}, expected float32`);
  });
  const n = count ?? params?.length;
  if (n !== undefined && updates.length !== n) {
    throw new RLError("SHAPE_MISMATCH", `${fn}: ${updates.length} updates for ${n} parameters`);
  }
  if (params !== undefined) {
    if (params.length !== updates.length) throw new RLError("SHAPE_MISMATCH", `${fn}: ${updates.length} updates for ${params.length} parameters`);
    updates.forEach((u, i) => {
      const p = params[i] as tf.Tensor;
      if (u !== null && (u.rank !== p.rank || u.shape.some((s: number, k: number) => s !== p.shape[k]))) {
        throw new RLError("SHAPE_MISMATCH", `${fn}: updates[${i}] has shape [${u.shape.join(",")}], parameter [${p.shape.join(",")}]`);
      }
    });
  }
}

/** A zero-filled, non-trainable state variable shaped like `p`. */
export function zerosVariable(p: tf.Tensor): tf.Variable {
  return tf.tidy(() => tf.variable(tf.zerosLike(p), false));
}

/**
 * Composes transformations left to right (`optax.chain`): each one's output updates are the next
 * one's input. The state is the array of the parts' states; `info` merges the parts' `info`.
 * Intermediate update tensors are disposed as soon as the next part has consumed them.
 *
 * @example
 * const p = [tf.variable(tf.tensor1d([1, 2]))];
 * const opt = chain(clipByGlobalNorm({ maxNorm: 1 }), scaleByAdam(), scaleByLearningRate({ learningRate: 0.1 }));
 * let state = opt.init(p);
 * const r = opt.update([tf.tensor1d([3, 4])], state, p);
 * applyUpdates(p, r.updates);
 * r.info.gradNorm; // 5
 * @remarks optax `chain`
 */
export function chain(...parts: readonly GradientTransformation<unknown>[]): GradientTransformation<unknown[]> {
  parts.forEach((t, i) => {
    if (t === null || typeof t !== "object" || typeof t.init !== "function" || typeof t.update !== "function" || typeof t.dispose !== "function") {
      throw new RLError("INVALID_CONFIG", `chain: part ${i} is not a gradient transformation ({ init, update, dispose })`);
    }
  });
  return {
    init: (params) => parts.map((t) => t.init(params)),
    update(updates, state, params) {
      if (!Array.isArray(state) || state.length !== parts.length) {
        throw new RLError("INVALID_INPUT", `chain: state must be the array of ${parts.length} part states (from init)`);
      }
      let current: (tf.Tensor | null)[] = [...updates];
      const owned = new Set<tf.Tensor>();
      const next: unknown[] = [];
      const info: Record<string, number> = {};
      try {
        parts.forEach((t, i) => {
          const r = t.update(current, state[i], params);
          for (const u of current) if (u !== null && owned.has(u) && !r.updates.includes(u)) { u.dispose(); owned.delete(u); }
          for (const u of r.updates) if (u !== null && !updates.includes(u)) owned.add(u);
          current = r.updates;
          next.push(r.state);
          Object.assign(info, r.info);
        });
      } catch (e) {
        for (const u of owned) u.dispose();
        throw e;
      }
      return { updates: current, state: next, info };
    },
    dispose(state) {
      if (!Array.isArray(state)) return;
      parts.forEach((t, i) => t.dispose(state[i]));
    },
  };
}

/**
 * Adds the updates to the parameters in place (`optax.apply_updates`): `p ← p + u`. A `null`
 * update leaves its parameter alone. Does not dispose the updates.
 *
 * @example
 * const p = [tf.variable(tf.tensor1d([1, 2]))];
 * applyUpdates(p, [tf.tensor1d([0.5, -1])]); // p = [1.5, 1]
 * @remarks optax `apply_updates`
 */
export function applyUpdates(params: readonly tf.Variable[], updates: Updates): void {
  if (!Array.isArray(params)) throw new RLError("INVALID_INPUT", `applyUpdates: params must be an array of tf.Variable, got ${describeValue(params)}`);
  params.forEach((p, i) => {
    if (!(p instanceof tf.Variable)) throw new RLError("INVALID_INPUT", `applyUpdates: params[${i}] must be a tf.Variable, got ${describeValue(p)}`);
    if (p.isDisposed) throw new RLError("INVALID_INPUT", `applyUpdates: params[${i}] is a disposed variable`);
  });
  checkUpdates("applyUpdates", updates, params);
  updates.forEach((u, i) => {
    if (u === null) return;
    const p = params[i] as tf.Variable;
    tf.tidy(() => p.assign(tf.add(p, u)));
  });
}

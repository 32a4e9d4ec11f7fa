/**
 * Test utilities for `@rl/*` packages and plugins (the `@rl/core/testing` entry point):
 * tensor-leak checks and finite-difference gradient checks. Framework-free: they throw
 * `Error`s that any test runner reports.
 * @module @rl/core/testing
 */
import { RLError } from "../errors.js";
import { tf, isTensor } from "../tf.js";

/**
 * Runs `fn` and names how it failed: the `RLError` code it threw, `"no error"` when it returned,
 * or `"not an RLError: …"` for any other throw. For asserting error codes in one line:
 * `expect(rlErrorCode(() => f(bad))).toBe("SHAPE_MISMATCH")`.
 */
export function rlErrorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return RLError.isInstance(e) ? e.code : `not an RLError: ${String(e)}`;
  }
  return "no error";
}

/**
 * Runs `fn` and returns the `RLError` it throws; throws a descriptive `Error` (failing the test in
 * any framework) when `fn` returns normally, throws something other than an `RLError`, or throws
 * one whose message does not match `pattern`.
 *
 * @example
 * expectRLError(() => parseConfig(z.object({ n: z.number() }), { n: "x" }, "f"), /n/).code; // "INVALID_CONFIG"
 */
export function expectRLError(fn: () => unknown, pattern?: RegExp): RLError {
  try {
    fn();
  } catch (e) {
    if (!RLError.isInstance(e)) throw new Error(`expected an RLError, got ${String(e)}`, { cause: e });
    if (pattern !== undefined && !pattern.test(e.message)) throw new Error(`expected an RLError matching ${String(pattern)}, got "${e.message}"`, { cause: e });
    return e;
  }
  throw new Error("expected a throw");
}

/** Disposes every tensor found in a (nested) result: tensors, arrays and plain objects. */
export function disposeDeep(value: unknown, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== "object" || seen.has(value)) return;
  seen.add(value);
  if (isTensor(value)) {
    value.dispose();
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) disposeDeep(v, seen);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) disposeDeep(v, seen);
}

/**
 * Runs `fn`, disposes the tensors it returns (the caller's), and throws when the engine holds a
 * different number of tensors than before: the function leaked (or freed what it did not own).
 * Returns `fn`'s result (already disposed tensors inside it are unusable; read values in `fn`).
 *
 * @example
 * await expectNoTensorLeak(() => grpoLoss(batch)); // throws "leaked 3 tensors"
 */
export async function expectNoTensorLeak<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  disposeDeep(result);
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new Error(`tensor leak: ${after - before > 0 ? `leaked ${after - before}` : `freed ${before - after} extra`} tensors (${before} before, ${after} after)`);
  }
  return result;
}

/** Options of {@link checkGradient}. */
export interface GradientCheckOptions {
  /** Finite-difference step. Default 1e-2 (float32 needs a large step). */
  step?: number;
  /** Allowed `|analytic − numeric| ≤ abs + rel·|numeric|`. Defaults abs 2e-3, rel 2e-2. */
  abs?: number;
  rel?: number;
}

/**
 * Central finite differences of a scalar function of one tensor:
 * `∂f/∂x_k ≈ (f(x + h e_k) − f(x − h e_k)) / 2h`, evaluated in float32 by tfjs.
 */
export function numericGradient(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, step = 1e-2): Float64Array {
  const base = Float32Array.from(x.dataSync());
  const out = new Float64Array(base.length);
  const evalAt = (data: Float32Array): number => {
    const v = tf.tidy(() => f(tf.tensor(data, x.shape, "float32")));
    const r = (v.dataSync() as Float32Array)[0] as number;
    v.dispose();
    return r;
  };
  for (let k = 0; k < base.length; k++) {
    const plus = Float32Array.from(base);
    const minus = Float32Array.from(base);
    plus[k] = (plus[k] as number) + step;
    minus[k] = (minus[k] as number) - step;
    out[k] = (evalAt(plus) - evalAt(minus)) / (2 * step);
  }
  return out;
}

/**
 * Compares `tf.grad(f)(x)` with central finite differences; throws naming the worst entry when
 * they disagree. `f` must return a scalar. Returns the largest absolute difference.
 *
 * @example
 * checkGradient((x) => tf.sum(logSigmoid(x)), tf.tensor1d([-2, 0, 3]));
 */
export function checkGradient(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, options: GradientCheckOptions = {}): number {
  const step = options.step ?? 1e-2;
  const abs = options.abs ?? 2e-3;
  const rel = options.rel ?? 2e-2;
  const g = tf.grad((t: tf.Tensor) => f(t) as tf.Scalar)(x);
  const analytic = Float64Array.from(g.dataSync());
  g.dispose();
  const numeric = numericGradient(f, x, step);
  let worst = 0;
  for (let k = 0; k < analytic.length; k++) {
    const a = analytic[k] as number;
    const n = numeric[k] as number;
    const diff = Math.abs(a - n);
    worst = Math.max(worst, diff);
    if (!(diff <= abs + rel * Math.abs(n))) {
      throw new Error(`gradient check failed at index ${k}: analytic ${a}, numeric ${n}`);
    }
  }
  return worst;
}

/**
 * Throws unless `got` and `want` (numbers or nested arrays) agree within
 * `|got − want| ≤ abs + rel·|want|` (defaults: the conformance tolerance, 2e-4 / 2e-4).
 */
export function assertClose(got: unknown, want: unknown, abs = 2e-4, rel = 2e-4, path = "value"): void {
  if (typeof want === "number") {
    if (typeof got !== "number" || !(Math.abs(got - want) <= abs + rel * Math.abs(want))) {
      throw new Error(`${path}: expected ${want}, got ${String(got)}`);
    }
    return;
  }
  const w = Array.from(want as ArrayLike<unknown>);
  const g = Array.from(got as ArrayLike<unknown>);
  if (w.length !== g.length) throw new Error(`${path}: expected ${w.length} entries, got ${g.length}`);
  w.forEach((v, k) => assertClose(g[k], v, abs, rel, `${path}[${k}]`));
}
export {
  checkCreditAssignerProperties,
  checkLossProperties,
  checkPluginConfig,
  checkRewardFunctionProperties,
  fuzzPlugin,
  type KitCreditBatch,
  type PluginKitOptions,
  type PluginKitReport,
  testPlugin,
} from "./plugin-kit.js";
export { conformanceDir, loadConformanceCases, type ConformanceCase } from "./conformance.js";

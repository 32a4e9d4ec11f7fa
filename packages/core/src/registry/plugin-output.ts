import { RLError } from "../errors.js";
import { Matrix, type MatrixLike } from "../matrix/matrix.js";
import { isTensor } from "../tf-slot.js";
import { describeValue } from "../validate.js";
import type { AnyDefinition, Definition } from "./registry.js";
import type { z } from "zod";

/** What {@link checkPluginOutput} compares an output with. Every field is optional. */
export interface PluginOutputExpectations {
  /** The plugin's `namespace/name`, used in error messages. Default `"plugin"`. */
  plugin?: string;
  /** credit-assigner: the batch's mask `[B, T]`; outputs must have its shape and be 0 where it is 0. */
  mask?: MatrixLike;
  /** credit-assigner: the expected output shape when no mask is given. */
  shape?: readonly number[];
  /** reward-function: when the output is an array, its expected length (the batch size). */
  length?: number;
}

const GUARDED = Symbol.for("@rl/guarded-definition");

const fail = (plugin: string, what: string): never => {
  throw new RLError("PLUGIN_OUTPUT", `plugin ${plugin}: ${what}`);
};

function describeShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** Reads a Matrix-like output field without validating finiteness (we report the position ourselves). */
function outputMatrix(value: unknown, field: string, plugin: string): Matrix {
  if (value instanceof Matrix) return value;
  if (isTensor(value)) return fail(plugin, `${field} is a tf.Tensor; a credit assigner returns Matrix (or number[][])`);
  try {
    return Matrix.from(value as MatrixLike, { name: field, fn: `plugin ${plugin}`, finite: false });
  } catch (e) {
    return fail(plugin, `${field} is not a matrix (${e instanceof Error ? e.message : String(e)})`);
  }
}

function checkCreditMatrix(m: Matrix, field: string, plugin: string, shape: readonly number[] | undefined, mask: Matrix | undefined): void {
  if (shape !== undefined && (m.shape.length !== shape.length || m.shape.some((s, k) => s !== shape[k]))) {
    fail(plugin, `${field} has shape ${describeShape(m.shape)}, the batch has ${describeShape(shape)}`);
  }
  const cols = m.shape.length >= 2 ? m.cols : m.size;
  const d = m.data;
  for (let k = 0; k < d.length; k++) {
    const v = d[k] as number;
    const pos = m.shape.length >= 2 ? `[${Math.floor(k / cols)}][${k % cols}]` : `[${k}]`;
    if (!Number.isFinite(v)) fail(plugin, `${field}${pos} is ${v}; expected a finite number`);
    if (mask !== undefined && (mask.data[k] as number) === 0 && v !== 0) {
      fail(plugin, `${field}${pos} is ${v} on padding (mask 0); expected 0`);
    }
  }
}

function checkCredit(output: unknown, e: PluginOutputExpectations, plugin: string): void {
  if (typeof output !== "object" || output === null || !("advantages" in output)) {
    fail(plugin, "a credit assigner must return { advantages, returns }");
  }
  const mask = e.mask !== undefined ? Matrix.from(e.mask, { name: "mask", fn: `plugin ${plugin}` }) : undefined;
  const shape = mask?.shape ?? e.shape;
  const o = output as { advantages: unknown; returns?: unknown };
  checkCreditMatrix(outputMatrix(o.advantages, "advantages", plugin), "advantages", plugin, shape, mask);
  if (o.returns !== undefined) checkCreditMatrix(outputMatrix(o.returns, "returns", plugin), "returns", plugin, shape, mask);
}

function checkReward(output: unknown, e: PluginOutputExpectations, plugin: string): void {
  const checkOne = (v: unknown, where: string): void => {
    if (v === null) return;
    if (typeof v !== "number" || !Number.isFinite(v)) fail(plugin, `${where} is ${String(v)}; expected a finite number or null`);
  };
  if (Array.isArray(output)) {
    if (e.length !== undefined && output.length !== e.length) fail(plugin, `returned ${output.length} rewards for a batch of ${e.length}`);
    output.forEach((v, k) => checkOne(v, `reward[${k}]`));
    return;
  }
  checkOne(output, "reward");
}

function checkLoss(output: unknown, plugin: string): void {
  const loss = isTensor(output) ? output : typeof output === "object" && output !== null && "loss" in output ? output.loss : undefined;
  if (!isTensor(loss)) return fail(plugin, "a loss must return { loss } with loss a scalar tf.Tensor");
  if (loss.isDisposed) fail(plugin, "loss tensor is already disposed");
  if (loss.rank !== 0) fail(plugin, `loss has shape ${describeShape(loss.shape)}; expected a scalar (shape [])`);
  const v = (loss.dataSync() as Float32Array)[0] as number;
  if (!Number.isFinite(v)) fail(plugin, `loss is ${v}; expected a finite number`);
}

/**
 * Checks what a plugin returned against its kind's contract and throws `RLError("PLUGIN_OUTPUT")`
 * naming the plugin and the offending entry, so a plugin bug surfaces as an error instead of NaNs
 * downstream. Returns `output` unchanged.
 *
 * - `"credit-assigner"`: `{ advantages, returns? }` (Matrix or number[][]), shape = the mask's
 *   shape (or `expectations.shape`), every entry finite, exactly 0 where the mask is 0.
 * - `"reward-function"`: a finite number or `null` (no signal), or an array of them (of length
 *   `expectations.length` when given).
 * - `"loss"`: a scalar (rank-0) tensor, or `{ loss, ... }` with one, whose value is finite (the check
 *   reads the scalar back synchronously; metrics are not checked).
 * - any other kind: returned unchecked.
 *
 * @example
 * checkPluginOutput("credit-assigner", { advantages: [[1, 0]] }, { plugin: "acme/x", mask: [[1, 0]] }); // ok
 * checkPluginOutput("reward-function", NaN, { plugin: "acme/len" }); // throws "plugin acme/len: reward is NaN; …"
 */
export function checkPluginOutput<T>(kind: string, output: T, expectations: PluginOutputExpectations = {}): T {
  if (typeof expectations !== "object" || expectations === null) throw new RLError("INVALID_INPUT", `checkPluginOutput: expectations must be an object, got ${describeValue(expectations)}`);
  if (expectations.plugin !== undefined && typeof expectations.plugin !== "string") throw new RLError("INVALID_INPUT", `checkPluginOutput: expectations.plugin must be a string, got ${describeValue(expectations.plugin)}`);
  const plugin = expectations.plugin ?? "plugin";
  if (kind === "credit-assigner") checkCredit(output, expectations, plugin);
  else if (kind === "reward-function") checkReward(output, expectations, plugin);
  else if (kind === "loss") checkLoss(output, plugin);
  return output;
}

function disposeTensors(value: unknown): void {
  if (isTensor(value)) {
    if (!value.isDisposed) value.dispose();
    return;
  }
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) if (isTensor(v) && !v.isDisposed) v.dispose();
  }
}

/** Runs the plugin; an exception that is not an RLError is a plugin bug: `PLUGIN_OUTPUT` naming it. */
function callPlugin(plugin: string, f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    if (RLError.isInstance(e)) throw e;
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new RLError("PLUGIN_OUTPUT", `plugin ${plugin}: threw ${what}`, { cause: e });
  }
}

function guardCredit(plugin: string, impl: (batch: unknown) => unknown): (batch: unknown) => unknown {
  return (batch) => {
    if (typeof batch !== "object" || batch === null) throw new RLError("INVALID_INPUT", `plugin ${plugin}: batch must be an object`);
    const b = batch as { mask?: unknown; tokenRewards?: unknown; groups?: unknown };
    if (b.mask === undefined) throw new RLError("INVALID_INPUT", `plugin ${plugin}: batch.mask is required`);
    const mask = Matrix.from(b.mask as MatrixLike, { name: "mask", fn: `plugin ${plugin}` });
    if (mask.shape.length !== 2) throw new RLError("SHAPE_MISMATCH", `plugin ${plugin}: mask must be 2-D [B, T], got ${describeShape(mask.shape)}`);
    if (b.tokenRewards !== undefined) {
      const r = Matrix.from(b.tokenRewards as MatrixLike, { name: "tokenRewards", fn: `plugin ${plugin}` });
      if (r.shape.length !== 2 || r.shape[0] !== mask.shape[0] || r.shape[1] !== mask.shape[1]) {
        throw new RLError("SHAPE_MISMATCH", `plugin ${plugin}: tokenRewards has shape ${describeShape(r.shape)}, mask has ${describeShape(mask.shape)}`);
      }
    }
    if (b.groups !== undefined && (!Array.isArray(b.groups) || b.groups.length !== mask.rows)) {
      const n = Array.isArray(b.groups) ? `${b.groups.length} entries` : "not an array";
      throw new RLError("SHAPE_MISMATCH", `plugin ${plugin}: groups has ${n}, mask has ${mask.rows} rows`);
    }
    const out = callPlugin(plugin, () => impl(batch));
    return checkPluginOutput("credit-assigner", out, { plugin, mask });
  };
}

function guardReward(plugin: string, impl: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  return (...args) => {
    const first = args[0];
    const length = Array.isArray(first) ? first.length : undefined;
    const out = callPlugin(plugin, () => impl(...args));
    const check = (v: unknown): unknown => checkPluginOutput("reward-function", v, length !== undefined && Array.isArray(v) ? { plugin, length } : { plugin });
    return out instanceof Promise ? out.then(check) : check(out);
  };
}

function guardLoss(plugin: string, impl: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  return (...args) => {
    const out = callPlugin(plugin, () => impl(...args));
    try {
      return checkPluginOutput("loss", out, { plugin });
    } catch (e) {
      disposeTensors(out);
      throw e;
    }
  };
}

/**
 * True when `def` was made by {@link guardedDefinition} (a `Symbol.for` marker, so it is recognised
 * across copies of `@rl/core`).
 * @example
 * const def = creditDefinitions[0]; // any definition, here the first one of @rl/credit
 * isGuardedDefinition(guardedDefinition(def)); // true
 */
export function isGuardedDefinition(def: unknown): boolean {
  return typeof def === "object" && def !== null && GUARDED in def;
}

/**
 * Wraps a definition so the implementation it creates checks its inputs and outputs (see
 * {@link checkPluginOutput}): a plugin's bug becomes `RLError("PLUGIN_OUTPUT")` naming the plugin
 * instead of NaNs in a training run. Register the wrapped definition like any other:
 * `creditRegistry().register(guardedDefinition(plugin))`.
 *
 * - `"credit-assigner"`: the batch's `mask` (required, finite, 2-D), `tokenRewards` (when given,
 *   same shape) and `groups` (when given, one id per row) are validated first (`INVALID_INPUT`,
 *   `SHAPE_MISMATCH`, `NON_FINITE`); the output must match the mask's shape, be finite and 0 on
 *   padding.
 * - `"reward-function"`: each result (or each entry of an array result, whose length must equal the
 *   first argument's when that is an array) is a finite number or `null`; promises are checked
 *   when they resolve.
 * - `"loss"`: the loss is a finite scalar tensor; on failure the output's tensors are disposed.
 * - other kinds: the implementation is unchanged.
 *
 * An exception thrown by the plugin that is not an `RLError` (a `TypeError`, …) is re-thrown as
 * `PLUGIN_OUTPUT` with the original as `cause`; `RLError`s (the plugin's own input validation)
 * pass through. Idempotent: guarding a guarded definition returns it unchanged. The result is
 * frozen, with the same kind, name, version, spec version and config schema.
 *
 * @example
 * const registry = creditRegistry().register(guardedDefinition(rankAdvantagesDefinition));
 * assignCredit("example/rank-advantages", batch, {}, registry); // outputs checked
 */
export function guardedDefinition<K extends string, C extends z.ZodType, I>(def: Definition<K, C, I>): Definition<K, C, I>;
export function guardedDefinition(def: AnyDefinition): AnyDefinition;
export function guardedDefinition(def: AnyDefinition): AnyDefinition {
  if (typeof def !== "object" || def === null || typeof def.name !== "string") throw new RLError("INVALID_INPUT", `guardedDefinition: def must be a plugin definition, got ${describeValue(def)}`);
  if (isGuardedDefinition(def)) return def;
  const plugin = def.name;
  const create = (config: unknown): unknown => {
    const impl = def.create(config);
    if (typeof impl !== "function") return impl;
    const f = impl as (...args: unknown[]) => unknown;
    if (def.kind === "credit-assigner") return guardCredit(plugin, f);
    if (def.kind === "reward-function") return guardReward(plugin, f);
    if (def.kind === "loss") return guardLoss(plugin, f);
    return impl;
  };
  return Object.freeze({ ...def, create, [GUARDED]: true });
}

import { z } from "zod";
import { Matrix, RLError, describeValue, parseConfig, toVector, type MatrixData, type MatrixLike } from "@rl/core/arrays";
import { rowCutpoints, spoChainConfig, type SpoChainOptions } from "./spo-chain-cutpoints.js";
import { outputArray, outputDtype } from "../output.js";
import { requireObject } from "../args.js";
import { FLOAT32_MAX } from "../group/parse-batch.js";

/**
 * Config of {@link spoChainAdvantages} and `spoChainBatchAdvantages` (and of the registry's
 * `rl/spo-chain`): {@link spoChainConfig} (`threshold` ρ 0.9, `interval` 5, `maxSegments` unset)
 * plus
 * - `dtype` ("float32"): storage of `advantages`, `returns` (batch form) and `lossMask` (see
 *   `outputDtype`); `"float64"` keeps every bit of the float64 arithmetic. Cutpoints stay
 *   `Int32Array`. Pass `"float64"` when the advantages go on into more float64 math (`spoWhiten`)
 *   rather than straight to a loss.
 */
export const spoChainAdvantagesConfig = spoChainConfig.extend({ dtype: outputDtype });
/** Input type of {@link spoChainAdvantagesConfig}. */
export type SpoChainAdvantagesConfig = z.input<typeof spoChainAdvantagesConfig>;

/** Values of cut states: a Map from state to value, or a record keyed by the state as a string (JSON). */
export type CutValues = ReadonlyMap<number, number> | Readonly<Record<string, number>>;

/** Input of {@link spoChainAdvantages}: one response. */
export interface SpoChainInput {
  /** Probability of every sampled token `[T]` under the behaviour policy. */
  readonly probs: MatrixLike;
  /** Monte-Carlo value of every cutpoint of {@link spoChainCutpoints} (state −1 = the prompt). */
  readonly cutValues: CutValues;
  /** Outcome of the response: the value of the terminal state `T − 1`. */
  readonly score: number;
}

/** Result of {@link spoChainAdvantages}; vectors `[T]` (storage: the config's `dtype`). */
export interface SpoChainResult {
  /** Segment advantage on every low-probability token (`p ≤ ρ`), 0 elsewhere. */
  readonly advantages: Matrix;
  /** `[p_t < ρ]`: the tokens that carry gradient (the probability mask). */
  readonly lossMask: Matrix;
  /** The cutpoints used. */
  readonly cutpoints: Int32Array;
}

/**
 * SPO-chain segment advantages for one response (SPO, arXiv:2505.23564, §SPO-chain):
 *
 *   known states K = C ∪ {T − 1},  V(T − 1) = score,  V(c) = cutValues[c]
 *   A[c] = V(c) − V(previous known state)      (the first known state c ≥ 0 gets 0)
 *   A[t] = A[next known state ≥ t]              (segment (c_{k−1}, c_k] shares one advantage)
 *   A[t] = 0 where p_t > ρ;   lossMask_t = [p_t < ρ]
 *
 * Only low-probability tokens keep credit ("assign segment advantages to the cutpoints"). With
 * `interval = k` each segment holds k low-probability tokens. Edge cases: no low-probability
 * token → all 0; a first token with `p < ρ` makes state −1 a cutpoint (the prompt value);
 * `p_t = ρ` is neither zeroed nor in the loss mask (reference quirk: `>` vs `<`).
 * A missing or unexpected cut value throws `RLError` naming the state.
 *
 * Defaults: ρ = 0.9, `interval` = 5, `dtype` = "float32" (each advantage is the float64
 * difference `V(c) − V(prev)` rounded once on store; see {@link spoChainAdvantagesConfig}).
 *
 * @example
 * const r = spoChainAdvantages(
 *   { probs: [0.95, 0.5, 0.99, 0.7, 0.97, 0.3, 0.98, 0.6], cutValues: new Map([[0, 0.4], [4, 0.9]]), score: 1 },
 *   { interval: 2 },
 * );
 * r.advantages.toFlatArray(); // [0, 0.5, 0, 0.5, 0, 0.1, 0, 0.1]
 * @remarks arXiv:2505.23564
 */
export function spoChainAdvantages(input: SpoChainInput, config: SpoChainAdvantagesConfig = {}): SpoChainResult {
  const fn = "spoChainAdvantages";
  const options = parseConfig(spoChainAdvantagesConfig, config, fn);
  requireObject(input, "input", fn);
  const empty = Array.isArray(input.probs) && input.probs.length === 0;
  const p = empty ? new Float64Array(0) : toVector(input.probs, "probs", fn).data;
  if (p.length === 0) throw new RLError("INVALID_INPUT", `${fn}: probs is empty`);
  const valid = new Uint8Array(p.length).fill(1);
  const adv = outputArray(p.length, options.dtype);
  const lossMask = outputArray(p.length, options.dtype);
  const cutpoints = rowCutpoints(p, valid, options, fn, "probs");
  fillRowAdvantages(p, valid, cutpoints, input.cutValues, input.score, options, adv, lossMask, 0, fn, "cutValues");
  return { advantages: new Matrix(adv, [p.length]), lossMask: new Matrix(lossMask, [p.length]), cutpoints };
}

/** Reads a cut value from a Map or a string-keyed record. @remarks internal */
export function readCutValue(values: CutValues, state: number): number | undefined {
  if (values instanceof Map) return values.get(state);
  return (values as Readonly<Record<string, number>>)[String(state)];
}

function cutValueKeys(values: CutValues): number[] {
  if (values instanceof Map) return [...values.keys()];
  return Object.keys(values).map(Number);
}

/**
 * Writes one row's advantages and loss mask at `offset` (row coordinates: `valid` marks the
 * response tokens; the terminal state is the last valid token). The state advantages are float64;
 * each output entry is written once (rounded there when `adv` is a Float32Array) and never read.
 * @remarks internal
 */
export function fillRowAdvantages(
  p: ArrayLike<number>,
  valid: ArrayLike<number>,
  cutpoints: Int32Array,
  cutValues: CutValues,
  score: number,
  options: SpoChainOptions,
  adv: MatrixData,
  lossMask: MatrixData,
  offset: number,
  fn: string,
  name: string,
): void {
  requireObject(cutValues, name, fn);
  if (typeof score !== "number" || !Number.isFinite(score)) throw new RLError("NON_FINITE", `${fn}: score is ${describeValue(score)}; expected a finite number`);
  const cuts = new Set(cutpoints);
  for (const key of cutValueKeys(cutValues)) {
    if (!cuts.has(key)) {
      throw new RLError(
        "INVALID_INPUT",
        `${fn}: ${name} has a value for state ${key}, which is not a cutpoint (cutpoints: ${[...cutpoints].join(", ") || "none"})`,
      );
    }
  }
  let terminal = -1;
  for (let t = p.length - 1; t >= 0; t--) {
    if ((valid[t] as number) !== 0) {
      terminal = t;
      break;
    }
  }
  if (terminal < 0) return; // no valid token: nothing to credit
  // Advantage at every known state (cutpoints, then the terminal state).
  const states: number[] = [...cutpoints, terminal];
  const stateAdv = new Float64Array(states.length);
  const f32 = !(adv instanceof Float64Array);
  let prevValue: number | undefined;
  for (let k = 0; k < states.length; k++) {
    const c = states[k] as number;
    let v: number;
    if (k === states.length - 1) v = score;
    else {
      const got = readCutValue(cutValues, c);
      if (got === undefined) throw new RLError("INVALID_INPUT", `${fn}: ${name} has no value for cutpoint ${c}`);
      if (!Number.isFinite(got)) throw new RLError("NON_FINITE", `${fn}: ${name}[${c}] is ${got}; expected a finite number`);
      v = got;
    }
    const d = prevValue === undefined ? 0 : v - prevValue;
    if (!Number.isFinite(d) || (f32 && Math.abs(d) > FLOAT32_MAX)) {
      throw new RLError("NON_FINITE", `${fn}: the advantage at state ${c} is ${d} (${name} / score differ by more than the ${f32 ? "float32" : "float64"} output holds); rescale the values`);
    }
    stateAdv[k] = d;
    prevValue = v;
  }
  // Backfill: token t takes the advantage of the first known state ≥ t.
  let k = states.length - 1;
  for (let t = terminal; t >= 0; t--) {
    while (k > 0 && (states[k - 1] as number) >= t) k--;
    if ((valid[t] as number) === 0) continue;
    const pt = p[t] as number;
    const a = stateAdv[k] as number;
    adv[offset + t] = pt > options.threshold ? 0 : a;
    lossMask[offset + t] = pt < options.threshold ? 1 : 0;
  }
}

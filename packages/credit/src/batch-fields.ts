// Internal: batch fields renamed to the glossary (docs/glossary.md) in round 2, read under either
// name for one release. Not re-exported from the package.
import { RLError } from "@rl/core/arrays";

/**
 * Flat row-major values of a batch field (nested arrays, a `Matrix` or `{ data, shape }`, a typed
 * array), with `null` kept; undefined when the value has none of these forms (it is then compared
 * by identity and validated by the caller as usual).
 */
function flatValues(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value.flat(Infinity);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === "object" && value !== null && "data" in value) {
    const data = (value as { data: unknown }).data;
    if (Array.isArray(data) || ArrayBuffer.isView(data)) return Array.from(data as ArrayLike<unknown>);
  }
  return undefined;
}

/** Index of the first entry where `given` and `old` disagree (−1 when none); `agree` decides one entry. */
function firstDifference(given: unknown, old: unknown, agree: (a: unknown, b: unknown) => boolean): number {
  if (given === old) return -1;
  const a = flatValues(given);
  const b = flatValues(old);
  if (a === undefined || b === undefined) return 0;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (i >= a.length || i >= b.length || !agree(a[i], b[i])) return i;
  return -1;
}

function bothGiven(name: string, old: string, at: number, fn: string): RLError {
  return new RLError("INVALID_INPUT", `${fn}: ${name} and ${old} (its deprecated name) are both given and differ at entry ${at}; give only ${name}`);
}

/**
 * The batch field `name`, or its deprecated name `old` when only that is given. Both given: they
 * must hold the same values (the same object, or equal entries in row-major order), else
 * `RLError("INVALID_INPUT")` naming both fields. No deprecation warning is printed. `agree`
 * decides whether an entry of `name` and one of `old` hold the same value (default: `===`).
 */
export function renamedField<T>(batch: object, name: string, old: string, fn: string, agree: (given: unknown, old: unknown) => boolean = (a, b) => a === b): T | undefined {
  const given = (batch as Record<string, unknown>)[name];
  const previous = (batch as Record<string, unknown>)[old];
  if (previous === undefined) return given as T | undefined;
  if (given === undefined) return previous as T;
  const at = firstDifference(given, previous, agree);
  if (at >= 0) throw bothGiven(name, old, at, fn);
  return given as T;
}

/**
 * The per-row scores `rewards [B]` of a batch, or its deprecated name `outcomes`. Both given: an
 * entry agrees when equal, or when `outcomes` holds `null` ("no signal") and `rewards` 0, the pair
 * `rolloutGroupsToBatch` writes; the `null`s are then kept. Otherwise `RLError("INVALID_INPUT")`
 * naming both fields.
 */
export function rowRewardsOf<T>(batch: object, fn: string): T | undefined {
  const rewards = renamedField<T>(batch, "rewards", "outcomes", fn, (r, o) => r === o || (o === null && r === 0));
  const previous = (batch as Record<string, unknown>).outcomes;
  return Array.isArray(previous) && previous.flat(Infinity).includes(null) ? (previous as T) : rewards;
}

import { RLError, describeValue } from "@rl/core/arrays";

/**
 * Throws `RLError("INVALID_INPUT")` naming the function and the field unless `value` is a string
 * (the verifiable rewards' texts; a number or `undefined` used to give a `TypeError`). @internal
 */
export function requireText(value: unknown, fn: string, field: string): asserts value is string {
  if (typeof value !== "string") throw new RLError("INVALID_INPUT", `${fn}: ${field} must be a string, got ${describeValue(value)}`);
}

/** Same for a list of strings (e.g. BLEU references). @internal */
export function requireTexts(value: unknown, fn: string, field: string): asserts value is readonly string[] {
  if (!Array.isArray(value)) throw new RLError("INVALID_INPUT", `${fn}: ${field} must be an array of strings, got ${describeValue(value)}`);
  value.forEach((v, k) => requireText(v, fn, `${field}[${k}]`));
}

/**
 * Small helpers that give JavaScript strings Python's semantics where the verl graders depend
 * on them (code-point slicing, `str.strip`, `str.isdigit`, `\s`). Internal to `verifiable/`.
 */

/** The characters Python's `str.isspace()` (and `\s` in a str pattern) accepts. */
export const PY_WHITESPACE =
  "\\t\\n\\u000b\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

const PY_WS_SET = new RegExp(`[${PY_WHITESPACE}]`, "u");

/** Python `s[-n:]`: the last `n` code points (JS `slice` counts UTF-16 units). */
export function lastCodePoints(s: string, n: number): string {
  // Fast path: without surrogates, code points and UTF-16 units coincide.
  if (!/[\uD800-\uDFFF]/.test(s)) return s.length > n ? s.slice(s.length - n) : s;
  const cps = Array.from(s);
  return cps.length > n ? cps.slice(cps.length - n).join("") : s;
}

/** Python `len(s)`: the number of code points. */
export function codePointLength(s: string): number {
  return /[\uD800-\uDFFF]/.test(s) ? Array.from(s).length : s.length;
}

/** Python `str.strip()` with no argument (Unicode whitespace as Python defines it). */
export function pyStrip(s: string): string {
  const cps = Array.from(s);
  let a = 0;
  let b = cps.length;
  while (a < b && PY_WS_SET.test(cps[a] as string)) a++;
  while (b > a && PY_WS_SET.test(cps[b - 1] as string)) b--;
  return cps.slice(a, b).join("");
}

/** Python `str.split()` with no argument: split on runs of whitespace, drop empty pieces. */
export function pySplitWhitespace(s: string): string[] {
  return s.split(new RegExp(`[${PY_WHITESPACE}]+`, "u")).filter((t) => t.length > 0);
}

// Digits with Numeric_Type=Digit that are not decimal digits (\p{Nd}): superscripts, subscripts
// and the circled / parenthesised / full-stop digit blocks. Python's isdigit() accepts them.
const EXTRA_DIGITS = "\\u00b2\\u00b3\\u00b9\\u2070\\u2074-\\u2079\\u2080-\\u2089\\u2460-\\u2468\\u2474-\\u247c\\u2488-\\u2490\\u24ea\\u24f5-\\u24fd\\u24ff\\u2776-\\u277e\\u2780-\\u2788\\u278a-\\u2792";
const PY_ISDIGIT = new RegExp(`^[\\p{Nd}${EXTRA_DIGITS}]+$`, "u");

/** Python `str.isdigit()` (false on the empty string). */
export function pyIsDigit(s: string): boolean {
  return PY_ISDIGIT.test(s);
}

/** Python `str.replace(a, b)` (all occurrences; an empty `a` inserts `b` between code points). */
export function pyReplace(s: string, a: string, b: string): string {
  if (a.length === 0) return b + Array.from(s).join(b) + b;
  return s.split(a).join(b);
}

/** Python `str.isdigit`-free check that a string is `int(x)`'s canonical spelling (`-?(0|[1-9]\d*)`). */
export function isCanonicalInt(s: string): boolean {
  return /^-?(0|[1-9][0-9]*)$/.test(s) && s !== "-0";
}

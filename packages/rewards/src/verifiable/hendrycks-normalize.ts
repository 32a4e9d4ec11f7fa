import { codePointLength, isCanonicalInt, pyReplace } from "./python-text.js";
import { requireText } from "./require-text.js";

/** Thrown where the Python reference raises (an assert or an IndexError); callers fall back. */
class StripFailure extends Error {}

function fixFracs(s: string): string {
  const parts = s.split("\\frac");
  let out = parts[0] as string;
  for (const sub of parts.slice(1)) {
    out += "\\frac";
    if (sub.length === 0) throw new StripFailure("fix_fracs: empty tail after \\frac");
    if (sub[0] === "{") {
      out += sub;
      continue;
    }
    const cps = Array.from(sub);
    if (cps.length < 2) return s;
    const a = cps[0] as string;
    const b = cps[1] as string;
    const rest = cps.slice(2).join("");
    out += b !== "{" ? `{${a}}{${b}}${rest}` : `{${a}}${b}${rest}`;
  }
  return out;
}

function fixSqrt(s: string): string {
  if (!s.includes("\\sqrt")) return s;
  const parts = s.split("\\sqrt");
  let out = parts[0] as string;
  for (const part of parts.slice(1)) {
    if (part.length === 0) throw new StripFailure("fix_sqrt: empty tail after \\sqrt");
    const head = String.fromCodePoint(part.codePointAt(0) as number);
    out += head !== "{" ? `\\sqrt{${head}}${part.slice(head.length)}` : `\\sqrt${part}`;
  }
  return out;
}

function fixSlash(s: string): string {
  const parts = s.split("/");
  if (parts.length !== 2) return s;
  const [a, b] = parts as [string, string];
  return isCanonicalInt(a) && isCanonicalInt(b) ? `\\frac{${a}}{${b}}` : s;
}

function removeRightUnits(s: string): string {
  if (!s.includes("\\text{ ")) return s;
  const parts = s.split("\\text{ ");
  if (parts.length !== 2) throw new StripFailure("remove_right_units: more than one \\text{ ");
  return parts[0] as string;
}

function stripOrThrow(input: string): string {
  let s = input;
  s = pyReplace(s, "\n", "");
  s = pyReplace(s, "\\!", "");
  s = pyReplace(s, "\\\\", "\\");
  s = pyReplace(s, "tfrac", "frac");
  s = pyReplace(s, "dfrac", "frac");
  s = pyReplace(s, "\\left", "");
  s = pyReplace(s, "\\right", "");
  s = pyReplace(s, "^{\\circ}", "");
  s = pyReplace(s, "^\\circ", "");
  s = pyReplace(s, "\\$", "");
  s = removeRightUnits(s);
  s = pyReplace(s, "\\\\%", "");
  s = pyReplace(s, "\\%", "");
  s = pyReplace(s, " .", " 0.");
  s = pyReplace(s, "{.", "{0.");
  if (s.length === 0) return s;
  if (s[0] === ".") s = "0" + s;
  const eq = s.split("=");
  if (eq.length === 2 && codePointLength(eq[0] as string) <= 2) s = eq[1] as string;
  s = fixSqrt(s);
  s = pyReplace(s, " ", "");
  s = fixFracs(s);
  if (s === "0.5") s = "\\frac{1}{2}";
  s = fixSlash(s);
  return s;
}

/**
 * Hendrycks-MATH answer normalisation (`strip_string`), as used by verl's `math_reward.py`
 * and as the first stage of OpenRLHF's `grade_answer` (docs/rewards/verifiable.md).
 *
 * Steps, in order: drop newlines and `\!`; `\\`→`\`; `tfrac`/`dfrac`→`frac`; drop `\left`,
 * `\right`, `^{\circ}`, `^\circ`, `\$`; cut a right-hand `\text{ …}` unit; drop `\%`;
 * `" ."`→`" 0."`, `"{."`→`"{0."`, a leading `.`→`0.`; `k=v` with a lhs of ≤ 2 characters keeps
 * `v`; `\sqrt3`→`\sqrt{3}`; remove spaces; `\frac12`→`\frac{1}{2}`; exactly `0.5`→`\frac{1}{2}`;
 * `a/b` (canonical integers) → `\frac{a}{b}`.
 *
 * Edge cases: returns `null` where the Python reference raises (two `\text{ ` units, a trailing
 * `\sqrt` or `\frac`); {@link hendrycksEquivalent} then compares the raw strings, as verl does.
 *
 * @example
 * stripMathString("\\dfrac12"); // "\\frac{1}{2}"
 * stripMathString("x = 5");     // "5"
 * @remarks Hendrycks et al., MATH (arXiv:2103.03874)
 */
export function stripMathString(s: string): string | null {
  requireText(s, "stripMathString", "s");
  try {
    return stripOrThrow(s);
  } catch (e) {
    if (e instanceof StripFailure) return null;
    throw e;
  }
}

/**
 * verl's `is_equiv`: both strings through {@link stripMathString}, then string equality; if the
 * normalisation fails on either side, the raw strings are compared.
 *
 * @example
 * hendrycksEquivalent("\\frac{1}{2}", "0.5"); // true
 * hendrycksEquivalent("1,000", "1000");       // false (verl keeps the comma)
 * @remarks Hendrycks et al., MATH (arXiv:2103.03874)
 */
export function hendrycksEquivalent(a: string, b: string): boolean {
  requireText(a, "hendrycksEquivalent", "a");
  requireText(b, "hendrycksEquivalent", "b");
  const sa = stripMathString(a);
  const sb = stripMathString(b);
  if (sa === null || sb === null) return a === b;
  return sa === sb;
}

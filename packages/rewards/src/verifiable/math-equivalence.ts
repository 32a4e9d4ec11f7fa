import { z } from "zod";
import { parseConfig } from "@rl/core/arrays";
import { stripMathString } from "./hendrycks-normalize.js";
import { requireText } from "./require-text.js";

/**
 * A pluggable symbolic-equivalence backend (stage 3): gets two normalised plain-text expressions
 * (`2*x+1`, `sqrt(2)/2`) and answers `true` / `false`, or `null` when it cannot decide. Wrap a CAS
 * (mathjs, compute-engine) or use {@link randomEvaluationEquivalence}.
 */
export type SymbolicEquivalence = (pred: string, gold: string) => boolean | null;

/** Config schema of {@link mathAnswersEqual} (zod; the defaults are the reference defaults). */
export const mathAnswersEqualConfig = z.object({
  /** Stage 3 backend; without one, stages 1–2 decide and `symbolic` is reported `"unavailable"`. */
  symbolic: z.custom<SymbolicEquivalence>((v) => typeof v === "function", "a function (pred, gold) => boolean | null").optional(),
});
/** Input type of `mathAnswersEqualConfig` (every field optional where it has a default). */
export type MathAnswersEqualConfig = z.input<typeof mathAnswersEqualConfig>;

/** Result of {@link mathAnswersEqual}: the verdict and the stage that decided it. */
export interface MathEquivalenceResult {
  equal: boolean;
  /** `string` (Hendrycks strings equal), `normalized`, `numeric` (exact rationals), `symbolic`, or `none`. */
  stage: "string" | "normalized" | "numeric" | "symbolic" | "none";
  symbolic: "used" | "unavailable" | "not-needed";
}

const UNIT =
  "(?:units?|cm|centimeters?|mm|millimeters?|meters?|km|kilometers?|inches|inch|feet|foot|ft|yards?|miles?|mph|degrees?|dollars?|cents?|hours?|minutes?|seconds?|days?|weeks?|months?|years?|kg|grams?|pounds?|lbs?|square|sq|cubic)";
// A unit word after a number (`5cm`, `5 cm^2`); one-letter units (`m`, `g`) only after a space.
const TRAILING_UNIT = new RegExp(`(?<=[\\d}).])\\s*(?:${UNIT}|\\s(?:m|g))(?:\\^\\{?[23]\\}?)?\\s*$`, "i");

function unwrapText(s: string): string {
  let t = s.trim();
  for (;;) {
    const m = /^\\(?:text|textbf|mathrm|mbox)\{(.*)\}$/s.exec(t);
    if (m === null) return t;
    t = (m[1] as string).trim();
  }
}

/** Plain-text normal form used by stage 2 (exported for tests and logging). */
export function normalizeMathAnswer(input: string): string {
  requireText(input, "normalizeMathAnswer", "input");
  let s = unwrapText(input);
  s = s.replace(/\\(?:text|textbf|mathrm|mbox)\{([^{}]*)\}/g, "$1");
  s = s.replace(/\\[!,;: ]/g, " ").replace(/\\left|\\right/g, "");
  s = s.replace(/\\[dt]frac/g, "\\frac");
  s = s.replace(/\^\{?\\circ\}?|°/g, "");
  s = s.replace(/\\?\$/g, "").replace(/\\?%/g, "");
  for (let k = 0; k < 3; k++) s = s.replace(TRAILING_UNIT, "");
  const eq = /^\s*[A-Za-z](?:_\{?\w+\}?)?\s*=\s*(.+)$/s.exec(s);
  if (eq !== null) s = eq[1] as string;
  s = s.replace(/(^|[^\d])(\d{1,3}(?:,\d{3})+)(?![\d])/g, (_m, p: string, n: string) => p + n.replaceAll(",", ""));
  s = s.trim().toLowerCase().replace(/\s+/g, "");
  s = s.replace(/\\(?:cdot|times)/g, "*").replace(/\\pi/g, "pi").replace(/\\infty/g, "inf");
  // LaTeX → text: innermost \frac{a}{b} and \sqrt{a} first.
  for (let k = 0; k < 20; k++) {
    const before = s;
    s = s.replace(/\\frac\{([^{}]*)\}\{([^{}]*)\}/g, (_m, a: string, b: string) =>
      /^-?[\w.]+$/.test(a) && /^[\w.]+$/.test(b) ? `${a}/${b}` : `(${a})/(${b})`,
    );
    s = s.replace(/\\frac(\d)(\d)/g, "$1/$2");
    s = s.replace(/\\sqrt\{([^{}]*)\}/g, "sqrt($1)").replace(/\\sqrt(\w)/g, "sqrt($1)");
    if (s === before) break;
  }
  s = s.replace(/[{}]/g, "");
  if (/^-?\d+\.0+$/.test(s)) s = s.replace(/\.0+$/, "");
  return s;
}

interface Rational {
  num: bigint;
  den: bigint;
}

function parseDecimal(s: string): Rational | null {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(s);
  if (m === null) return null;
  const int = m[2] ?? "";
  const frac = m[3] ?? "";
  if (int.length === 0 && frac.length === 0) return null;
  const sign = m[1] === "-" ? -1n : 1n;
  return { num: sign * BigInt((int || "0") + frac), den: 10n ** BigInt(frac.length) };
}

function stripParens(s: string): string {
  return /^\([^()]*\)$/.test(s) ? s.slice(1, -1) : s;
}

/** Exact rational value of an integer, decimal or `a/b` string (after normalisation), else null. */
function parseRational(s: string): Rational | null {
  let t = s;
  let sign = 1n;
  if (t.startsWith("-(") && t.endsWith(")")) {
    sign = -1n;
    t = t.slice(1);
  }
  const parts = t.split("/");
  if (parts.length === 1) {
    const d = parseDecimal(stripParens(t));
    return d === null ? null : { num: sign * d.num, den: d.den };
  }
  if (parts.length !== 2) return null;
  const a = parseDecimal(stripParens(parts[0] as string));
  const b = parseDecimal(stripParens(parts[1] as string));
  if (a === null || b === null || b.num === 0n) return null;
  return { num: sign * a.num * b.den, den: a.den * b.num };
}

function sameRational(a: Rational, b: Rational): boolean {
  return a.num * b.den === b.num * a.den;
}

/** PRM800K's tuple / interval split: `(a,b)` → ["a","b"] with its delimiters. */
function splitTuple(s: string): { open: string; close: string; items: string[] } {
  if (s.length > 2 && "([".includes(s[0] as string) && ")]".includes(s[s.length - 1] as string)) {
    const inner = s.slice(1, -1);
    if (!/[()[\]]/.test(inner)) return { open: s[0] as string, close: s[s.length - 1] as string, items: inner.split(",") };
  }
  return { open: "", close: "", items: [s] };
}

/**
 * Math answer equivalence in three stages (docs/rewards/verifiable.md):
 * 1. `string`: Hendrycks {@link stripMathString} of both sides (after unwrapping a whole
 *    `\text{…}`) are equal — OpenRLHF's `mathd` check;
 * 2. `normalized` / `numeric`: a plain-text normal form (units, `$`, `%`, `x=` prefixes and
 *    thousands separators removed, `\frac`/`\sqrt` rewritten), split into tuple / interval
 *    elements (delimiters must match); each element equal as a string or as an exact rational
 *    (integers, decimals, fractions, BigInt arithmetic, no rounding). As in PRM800K's grader, two
 *    plain fractions must match as written (`2/4` ≠ `1/2`);
 * 3. `symbolic`: the pluggable {@link SymbolicEquivalence}, per element, for what stages 1–2
 *    cannot decide (`2x+1` vs `1+2x`).
 *
 * Reproduces the OpenRLHF column of the grading table in docs/rewards/verifiable.md except rows that need a CAS.
 *
 * @example
 * mathAnswersEqual("1,000", "1000").equal;   // true
 * mathAnswersEqual("0.333", "1/3").equal;    // false
 * mathAnswersEqual("2x+1", "1+2x").symbolic; // "unavailable"
 * @remarks Lightman et al., PRM800K grader (arXiv:2305.20050); MATH (arXiv:2103.03874)
 */
export function mathAnswersEqual(pred: string, gold: string, config: MathAnswersEqualConfig = {}): MathEquivalenceResult {
  requireText(pred, "mathAnswersEqual", "pred");
  requireText(gold, "mathAnswersEqual", "gold");
  const { symbolic } = parseConfig(mathAnswersEqualConfig, config, "mathAnswersEqual");
  const sp = stripMathString(unwrapText(pred));
  const sg = stripMathString(unwrapText(gold));
  if (sp !== null && sp === sg) return { equal: true, stage: "string", symbolic: "not-needed" };
  const np = normalizeMathAnswer(pred);
  const ng = normalizeMathAnswer(gold);
  if (np.length === 0 || ng.length === 0) return { equal: false, stage: "none", symbolic: "not-needed" };
  if (np === ng) return { equal: true, stage: "normalized", symbolic: "not-needed" };
  const tp = splitTuple(np);
  const tg = splitTuple(ng);
  if (tp.items.length !== tg.items.length) return { equal: false, stage: "normalized", symbolic: "not-needed" };
  if (tg.items.length > 1 && (tp.open !== tg.open || tp.close !== tg.close)) {
    return { equal: false, stage: "normalized", symbolic: "not-needed" };
  }
  let stage: MathEquivalenceResult["stage"] = "normalized";
  let usedSymbolic: MathEquivalenceResult["symbolic"] = "not-needed";
  for (let k = 0; k < tg.items.length; k++) {
    const a = tp.items[k] as string;
    const b = tg.items[k] as string;
    if (a === b) continue;
    if (/^-?\d+\/\d+$/.test(a) && /^-?\d+\/\d+$/.test(b)) return { equal: false, stage: "normalized", symbolic: usedSymbolic };
    const ra = parseRational(a);
    const rb = parseRational(b);
    if (ra !== null && rb !== null) {
      if (!sameRational(ra, rb)) return { equal: false, stage: "numeric", symbolic: usedSymbolic };
      stage = "numeric";
      continue;
    }
    if (symbolic === undefined) return { equal: false, stage: "none", symbolic: "unavailable" };
    usedSymbolic = "used";
    if (symbolic(a, b) !== true) return { equal: false, stage: "symbolic", symbolic: usedSymbolic };
    stage = "symbolic";
  }
  return { equal: true, stage, symbolic: usedSymbolic };
}

import { z } from "zod";
import { createRng, parseConfig } from "@rl/core/arrays";
import type { SymbolicEquivalence } from "./math-equivalence.js";

type Node =
  | { kind: "num"; value: number }
  | { kind: "var"; name: string }
  | { kind: "neg"; arg: Node }
  | { kind: "bin"; op: "+" | "-" | "*" | "/" | "^"; left: Node; right: Node }
  | { kind: "call"; fn: string; arg: Node };

const FUNCTIONS: Readonly<Record<string, (x: number) => number>> = {
  sqrt: Math.sqrt,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  log: Math.log,
  ln: Math.log,
  exp: Math.exp,
  abs: Math.abs,
};
const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, e: Math.E };

class ParseFailure extends Error {}

/** Tokens: numbers, names (functions / constants / one-letter variables), operators, parentheses. */
function tokenize(s: string): string[] {
  const out: string[] = [];
  const re = /\s*(\d+(?:\.\d*)?|\.\d+|[A-Za-z]+|\*\*|[-+*/^()])/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < s.length && (m = re.exec(s)) !== null) {
    const t = m[1] as string;
    if (/^[A-Za-z]+$/.test(t) && !(t in FUNCTIONS) && !(t in CONSTANTS)) out.push(...t.split(""));
    else out.push(t === "**" ? "^" : t);
    at = re.lastIndex;
  }
  if (s.slice(at).trim().length > 0) throw new ParseFailure(`unexpected input at ${at}`);
  return out;
}

/** Recursive-descent parser with implicit multiplication (`2x`, `2(x+1)`, `(a)(b)`). */
function parse(tokens: readonly string[]): Node {
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const startsAtom = (t: string | undefined): boolean => t !== undefined && (t === "(" || /^[\dA-Za-z.]/.test(t));
  const expr = (): Node => {
    let left = term();
    while (peek() === "+" || peek() === "-") {
      const op = tokens[i++] as "+" | "-";
      left = { kind: "bin", op, left, right: term() };
    }
    return left;
  };
  const term = (): Node => {
    let left = unary();
    for (;;) {
      if (peek() === "*" || peek() === "/") {
        const op = tokens[i++] as "*" | "/";
        left = { kind: "bin", op, left, right: unary() };
      } else if (startsAtom(peek())) {
        left = { kind: "bin", op: "*", left, right: power() };
      } else return left;
    }
  };
  const unary = (): Node => {
    if (peek() === "-") {
      i++;
      return { kind: "neg", arg: unary() };
    }
    if (peek() === "+") {
      i++;
      return unary();
    }
    return power();
  };
  const power = (): Node => {
    const base = atom();
    if (peek() === "^") {
      i++;
      return { kind: "bin", op: "^", left: base, right: unary() };
    }
    return base;
  };
  const atom = (): Node => {
    const t = tokens[i++];
    if (t === undefined) throw new ParseFailure("unexpected end");
    if (t === "(") {
      const e = expr();
      if (tokens[i++] !== ")") throw new ParseFailure("missing )");
      return e;
    }
    if (/^[\d.]/.test(t)) return { kind: "num", value: Number(t) };
    if (t in FUNCTIONS) return { kind: "call", fn: t, arg: power() };
    if (t in CONSTANTS) return { kind: "num", value: CONSTANTS[t] as number };
    if (/^[A-Za-z]$/.test(t)) return { kind: "var", name: t };
    throw new ParseFailure(`unexpected ${t}`);
  };
  const root = expr();
  if (i !== tokens.length) throw new ParseFailure("trailing tokens");
  return root;
}

function variables(n: Node, out: Set<string>): Set<string> {
  if (n.kind === "var") out.add(n.name);
  else if (n.kind === "neg" || n.kind === "call") variables(n.arg, out);
  else if (n.kind === "bin") {
    variables(n.left, out);
    variables(n.right, out);
  }
  return out;
}

function evaluate(n: Node, env: ReadonlyMap<string, number>): number {
  switch (n.kind) {
    case "num":
      return n.value;
    case "var":
      return env.get(n.name) as number;
    case "neg":
      return -evaluate(n.arg, env);
    case "call":
      return (FUNCTIONS[n.fn] as (x: number) => number)(evaluate(n.arg, env));
    case "bin": {
      const a = evaluate(n.left, env);
      const b = evaluate(n.right, env);
      return n.op === "+" ? a + b : n.op === "-" ? a - b : n.op === "*" ? a * b : n.op === "/" ? a / b : a ** b;
    }
  }
}

/** Config schema of {@link randomEvaluationEquivalence} (zod; the defaults are the reference defaults). */
export const randomEvaluationEquivalenceConfig = z.object({
  /** Random points per comparison. */
  points: z.number().int().positive().default(8),
  /** Relative tolerance of each comparison. */
  relTol: z.number().positive().default(1e-9),
  /** Seed of the point sampler (deterministic). */
  seed: z.number().int().default(0),
  /** At most this many distinct variables (PRM800K's guard allows 2). */
  maxVariables: z.number().int().nonnegative().default(2),
});
/** Input type of `randomEvaluationEquivalenceConfig` (every field optional where it has a default). */
export type RandomEvaluationEquivalenceConfig = z.input<typeof randomEvaluationEquivalenceConfig>;

/**
 * A dependency-free stage-3 backend for {@link mathAnswersEqual}: parses both plain-text
 * expressions (`+ - * / ^`, parentheses, implicit multiplication, one-letter variables, `pi`, `e`,
 * `sqrt sin cos tan log ln exp abs`) and compares them at `points` random points in [0.5, 2.5]
 * (relative tolerance `relTol`). This is probabilistic identity testing (Schwartz–Zippel), not a
 * CAS: it decides `2x+1 = 1+2x` and `(x+1)^2 = x^2+2x+1`, but cannot simplify symbolically.
 *
 * Returns `null` (undecided) when either side does not parse, has more than `maxVariables`
 * variables, or never evaluates to a finite number; `false` if the variable sets differ.
 *
 * @example
 * const symbolic = randomEvaluationEquivalence();
 * mathAnswersEqual("2x+1", "1+2x", { symbolic }).equal; // true
 * @remarks Schwartz (1980) / Zippel (1979) identity testing
 */
export function randomEvaluationEquivalence(config: RandomEvaluationEquivalenceConfig = {}): SymbolicEquivalence {
  const { points, relTol, seed, maxVariables } = parseConfig(randomEvaluationEquivalenceConfig, config, "randomEvaluationEquivalence");
  return (pred, gold) => {
    let a: Node;
    let b: Node;
    try {
      a = parse(tokenize(pred));
      b = parse(tokenize(gold));
    } catch (e) {
      if (e instanceof ParseFailure) return null;
      throw e;
    }
    const va = variables(a, new Set());
    const vb = variables(b, new Set());
    const names = new Set([...va, ...vb]);
    if (names.size > maxVariables) return null;
    if (va.size !== vb.size || [...va].some((v) => !vb.has(v))) return false;
    const rng = createRng(seed);
    let compared = 0;
    for (let k = 0; k < points; k++) {
      const env = new Map([...names].map((v) => [v, 0.5 + 2 * rng.uniform()] as const));
      const x = evaluate(a, env);
      const y = evaluate(b, env);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      compared++;
      if (Math.abs(x - y) > relTol * Math.max(1, Math.abs(x), Math.abs(y))) return false;
    }
    return compared > 0 ? true : null;
  };
}

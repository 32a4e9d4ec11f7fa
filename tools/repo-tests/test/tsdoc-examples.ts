/**
 * Pure helpers for tsdoc-examples.test.ts: extract the `@example` blocks of a TypeScript
 * source, find the statements whose value the example shows in a comment, rewrite them to
 * record that value, and compare a recorded value with the shown one.
 */

export interface TsdocExample {
  /** 1-based line of the `@example` tag. */
  line: number;
  /** The example code: comment prefixes and ``` fences removed. */
  code: string;
}

/** The `@example` blocks of a source file (up to the next `@tag` or the end of the comment). */
export function extractExamples(source: string): TsdocExample[] {
  const out: TsdocExample[] = [];
  const lines = source.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*\*\s*@example\b(.*)$/.exec(lines[i] ?? "");
    if (m === null) continue;
    const body: string[] = [];
    const first = (m[1] ?? "").trim();
    if (first !== "") body.push(first);
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j] ?? "";
      if (/^\s*\*\//.test(l)) break;
      const c = /^\s*\* ?(.*)$/.exec(l);
      if (c === null) break;
      const text = c[1] ?? "";
      if (/^@\w/.test(text.trim())) break;
      if (/^```/.test(text.trim())) continue;
      if (/\*\/\s*$/.test(text)) {
        body.push(text.replace(/\s*\*\/\s*$/, ""));
        break;
      }
      body.push(text);
    }
    while (body.length > 0 && (body[body.length - 1] ?? "").trim() === "") body.pop();
    out.push({ line: i + 1, code: body.join("\n") });
    i = j - 1;
  }
  return out;
}

export interface ShownStatement {
  /** The statement, without its `;`. */
  text: string;
  /** Offsets of the statement (text start, index just after the `;`) in the code. */
  start: number;
  end: number;
  /** The comment that shows its value (raw text after `//`). */
  comment: string;
  /** 0-based line (in the code) of the comment. */
  commentLine: number;
}

interface Scanned {
  stmts: { text: string; start: number; end: number }[];
  /** For each line: code part and comment part (undefined when the line has no // comment). */
  lines: { code: string; comment: string | undefined; start: number }[];
}

/** Splits code into top-level statements (ended by `;` at bracket depth 0, or by a block's `}` at the end of a line). */
function scan(code: string): Scanned {
  const stmts: Scanned["stmts"] = [];
  const lines: Scanned["lines"] = [];
  let depth = 0;
  let quote: string | null = null;
  let blockComment = false;
  let stmtStart = -1;
  let lineStart = 0;
  let commentAt = -1;
  let lastSig = "";
  const closeLine = (end: number): void => {
    const codeEnd = commentAt >= 0 ? commentAt : end;
    lines.push({ code: code.slice(lineStart, codeEnd), comment: commentAt >= 0 ? code.slice(commentAt + 2, end) : undefined, start: lineStart });
  };
  for (let i = 0; i < code.length; i++) {
    const ch = code[i] as string;
    if (ch === "\n") {
      closeLine(i);
      // a block statement (`for (…) { … }`) that ends a line ends the statement
      if (quote !== "`") quote = null;
      if (depth === 0 && lastSig === "}" && stmtStart >= 0 && commentAt < 0) {
        const rest = code.slice(i + 1).trimStart();
        if (!/^[.)\],?:;]|^(else|catch|finally|while)\b/.test(rest)) {
          stmts.push({ text: code.slice(stmtStart, i).trim(), start: stmtStart, end: i });
          stmtStart = -1;
        }
      }
      lineStart = i + 1;
      commentAt = -1;
      continue;
    }
    if (commentAt >= 0) continue;
    if (blockComment) {
      if (ch === "*" && code[i + 1] === "/") {
        blockComment = false;
        i++;
      }
      continue;
    }
    if (quote !== null) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === "/" && code[i + 1] === "/") {
      commentAt = i;
      continue;
    }
    if (ch === "/" && code[i + 1] === "*") {
      blockComment = true;
      i++;
      continue;
    }
    if (/\s/.test(ch)) continue;
    if (stmtStart < 0) stmtStart = i;
    lastSig = ch;
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth = Math.max(0, depth - 1);
    else if (ch === ";" && depth === 0) {
      stmts.push({ text: code.slice(stmtStart, i).trim(), start: stmtStart, end: i + 1 });
      stmtStart = -1;
    }
  }
  closeLine(code.length);
  return { stmts, lines };
}

function lineOf(lines: Scanned["lines"], offset: number): number {
  let k = 0;
  while (k + 1 < lines.length && (lines[k + 1] as { start: number }).start <= offset) k++;
  return k;
}

/** `a; // 1      b; // 2` (two spaces or more between): each statement on its own line. */
export function splitChained(code: string): string {
  return code
    .split("\n")
    .flatMap((l) => {
      const parts: string[] = [];
      let rest = l;
      for (;;) {
        const m = /^(.*?;\s*\/\/\s*\S.*?)\s{2,}(\S[^]*?;\s*\/\/.*)$/.exec(rest);
        if (m === null || parseShown((m[1] ?? "").replace(/^.*?;\s*\/\//, "")) === undefined) break;
        parts.push(m[1] as string);
        rest = m[2] as string;
      }
      parts.push(rest);
      return parts;
    })
    .join("\n");
}

/**
 * The statements of an example whose value is shown: `stmt; // value` (the comment ends the line
 * the statement ends on), or `stmt;` followed by a line that is only `// value` (several such lines
 * are joined while the value is incomplete). `a; // 1      b; // 2` on one line shows both values.
 */
export function shownStatements(code: string): ShownStatement[] {
  const norm = splitChained(code);
  const { stmts, lines } = scan(norm);
  const out: ShownStatement[] = [];
  for (const s of stmts) {
    const k = lineOf(lines, s.end - 1);
    const line = lines[k];
    if (line === undefined) continue;
    const after = norm.slice(s.end, line.start + line.code.length);
    if (after.trim() !== "") continue; // another statement follows on this line
    if (line.comment !== undefined) {
      out.push({ text: s.text, start: s.start, end: s.end, comment: line.comment, commentLine: k });
      continue;
    }
    // following lines that are only comments
    let joined = "";
    for (let j = k + 1; j < lines.length; j++) {
      const l = lines[j] as Scanned["lines"][number];
      if (l.code.trim() !== "" || l.comment === undefined) break;
      joined = joined === "" ? l.comment : `${joined} ${l.comment}`;
      if (parseShown(joined) !== undefined) {
        out.push({ text: s.text, start: s.start, end: s.end, comment: joined, commentLine: j });
        break;
      }
      if (j - k >= 12) break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shown values

export type Shown =
  | { kind: "number"; value: number; decimals: number | null; integer: boolean; truncated?: boolean }
  | { kind: "map"; entries: [Shown, Shown][]; more: boolean }
  /** `throws`, `throws RLError INVALID_INPUT "message…"`: the statement throws (that code, a message starting so). */
  | { kind: "throws"; code?: string; message?: string; prefix: boolean }
  | { kind: "string"; value: string }
  | { kind: "literal"; value: boolean | null | undefined }
  | { kind: "array"; items: Shown[]; more: boolean }
  | { kind: "object"; entries: [string, Shown][]; more: boolean };

class Parser {
  i = 0;
  constructor(readonly s: string) {}
  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i] as string)) this.i++;
  }
  peek(): string {
    this.ws();
    return this.s[this.i] ?? "";
  }
  isMore(): boolean {
    this.ws();
    if (this.s.startsWith("...", this.i)) {
      this.i += 3;
      return true;
    }
    if (this.s[this.i] === "…") {
      this.i += 1;
      return true;
    }
    return false;
  }
  value(): Shown {
    const c = this.peek();
    // `Int32Array [0, 4]`, `Matrix [[1, 2]]`: the shown entries of a typed array or Matrix
    const typed = /^(?:Int8|Uint8|Uint8Clamped|Int16|Uint16|Int32|Uint32|Float32|Float64)Array\s*(?=\[)|^Matrix\s*(?=\[)/.exec(this.s.slice(this.i));
    if (typed !== null) {
      this.i += typed[0].length;
      return this.array();
    }
    if (this.s.startsWith("Map {", this.i) || this.s.startsWith("Map(", this.i)) return this.map();
    if (c === "[") return this.array();
    if (c === "{") return this.object();
    if (c === '"' || c === "'") return { kind: "string", value: this.string() };
    const lit = /^(true|false|null|undefined)\b/.exec(this.s.slice(this.i));
    if (lit !== null) {
      this.i += (lit[1] as string).length;
      const v = lit[1] === "true" ? true : lit[1] === "false" ? false : lit[1] === "null" ? null : undefined;
      return { kind: "literal", value: v };
    }
    return this.number();
  }
  number(): Shown {
    const rest = this.s.slice(this.i);
    const special = /^([-−+]?)(NaN|Infinity|∞)/.exec(rest);
    if (special !== null) {
      this.i += special[0].length;
      const neg = special[1] === "-" || special[1] === "−";
      const v = special[2] === "NaN" ? Number.NaN : neg ? -Infinity : Infinity;
      return { kind: "number", value: v, decimals: null, integer: false };
    }
    const m = /^([-−+]?)(\d+(?:_\d+)*)(?:\.(\d*))?(?:[eE]([-+−]?\d+))?/.exec(rest);
    if (m === null) throw new Error(`not a value at ${this.i}`);
    this.i += m[0].length;
    const sign = m[1] === "-" || m[1] === "−" ? -1 : 1;
    const frac = m[3] ?? "";
    const exp = m[4] !== undefined ? Number((m[4] as string).replace("−", "-")) : 0;
    const v = sign * Number(`${(m[2] as string).replace(/_/g, "")}.${frac || "0"}e${exp}`);
    // `1/3`-style fraction
    const f = /^\s*\/\s*(\d+(?:\.\d+)?)/.exec(this.s.slice(this.i));
    if (f !== null && m[3] === undefined && m[4] === undefined) {
      this.i += f[0].length;
      return { kind: "number", value: v / Number(f[1]), decimals: null, integer: false };
    }
    const integer = m[3] === undefined && exp >= 0;
    // `−0.693147…`: truncated, not rounded
    if (!integer && /^(…|\.\.\.)/.test(this.s.slice(this.i))) {
      this.i += this.s[this.i] === "…" ? 1 : 3;
      return { kind: "number", value: v, decimals: frac.length - exp, integer, truncated: true };
    }
    return { kind: "number", value: v, decimals: integer ? null : frac.length - exp, integer };
  }
  string(): string {
    const q = this.s[this.i] as string;
    let out = "";
    this.i++;
    while (this.i < this.s.length && this.s[this.i] !== q) {
      if (this.s[this.i] === "\\") {
        const n = this.s[this.i + 1] ?? "";
        out += n === "n" ? "\n" : n === "t" ? "\t" : n;
        this.i += 2;
      } else out += this.s[this.i++];
    }
    if (this.s[this.i] !== q) throw new Error("unterminated string");
    this.i++;
    return out;
  }
  array(): Shown {
    this.i++;
    const items: Shown[] = [];
    let more = false;
    for (;;) {
      if (this.peek() === "]") {
        this.i++;
        return { kind: "array", items, more };
      }
      if (this.isMore()) more = true;
      else {
        if (more) throw new Error("value after …");
        items.push(this.value());
      }
      const c = this.peek();
      if (c === ",") this.i++;
      else if (c !== "]") throw new Error(`expected , or ] at ${this.i}`);
    }
  }
  map(): Shown {
    this.i += this.s.indexOf("{", this.i) - this.i + 1;
    const entries: [Shown, Shown][] = [];
    let more = false;
    for (;;) {
      if (this.peek() === "}") {
        this.i++;
        return { kind: "map", entries, more };
      }
      if (this.isMore()) more = true;
      else {
        const k = this.value();
        this.ws();
        if (!this.s.startsWith("=>", this.i)) throw new Error(`expected => at ${this.i}`);
        this.i += 2;
        entries.push([k, this.value()]);
      }
      const d = this.peek();
      if (d === ",") this.i++;
      else if (d !== "}") throw new Error(`expected , or } at ${this.i}`);
    }
  }
  object(): Shown {
    this.i++;
    const entries: [string, Shown][] = [];
    let more = false;
    for (;;) {
      const c = this.peek();
      if (c === "}") {
        this.i++;
        return { kind: "object", entries, more };
      }
      if (this.isMore()) more = true;
      else {
        if (more) throw new Error("entry after …");
        let key: string;
        if (c === '"' || c === "'") key = this.string();
        else {
          const m = /^[A-Za-z_$][\w$]*/.exec(this.s.slice(this.i));
          if (m === null) throw new Error(`bad key at ${this.i}`);
          key = m[0];
          this.i += key.length;
        }
        if (this.peek() !== ":") throw new Error(`expected : at ${this.i}`);
        this.i++;
        entries.push([key, this.value()]);
      }
      const d = this.peek();
      if (d === ",") this.i++;
      else if (d !== "}") throw new Error(`expected , or } at ${this.i}`);
    }
  }
}

/**
 * Parses a shown value leniently: JSON-like arrays / objects (bare keys allowed) / numbers /
 * strings / booleans / null / undefined, `1/3` fractions, `…` / `...` for "more entries follow";
 * trailing prose in parentheses, or after `—` / `--` / `;` / `,`, is ignored. Returns undefined
 * for prose (the comment is not a value).
 */
export function parseShown(comment: string): Shown | undefined {
  const text = comment.trim().replace(/^≈\s*/, "");
  if (text === "") return undefined;
  const t = /^throws\b(?:\s+\w*Error\b)?(?:\s+([A-Z][A-Z0-9_]+)\b)?(?:\s+"((?:[^"\\]|\\.)*)")?/.exec(text);
  if (t !== null) {
    const shown: Shown = { kind: "throws", prefix: false };
    if (t[1] !== undefined) shown.code = t[1];
    if (t[2] !== undefined) {
      const m = t[2].replace(/\\(.)/g, "$1");
      shown.prefix = /(…|\.\.\.)$/.test(m);
      shown.message = m.replace(/\s*(…|\.\.\.)$/, "");
    }
    return shown;
  }
  const p = new Parser(text);
  let v: Shown;
  try {
    v = p.value();
  } catch {
    return undefined;
  }
  const rest = text.slice(p.i).trim();
  if (rest === "" || /^(\(|—|–|--|;|,\s|←|<-|#)/.test(rest)) return v;
  // an array / object / string followed by words: the words are prose about it
  if (v.kind !== "number" && v.kind !== "literal" && /^[A-Za-z]/.test(rest)) return v;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Comparison

/** Decodes the JSON the runner writes ({ $num: "NaN" }, { $undef: true }, …). */
export function decodeActual(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeActual);
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if ("$num" in o) return Number(o.$num);
    if ("$undef" in o) return undefined;
    if ("$map" in o) return { $map: decodeActual(o.$map) };
    if ("$threw" in o || "$noThrow" in o) return o;
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decodeActual(x)]));
  }
  return v;
}

function describe(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "number" && !Number.isFinite(x) ? String(x) : x === undefined ? "undefined" : x));
}

/** Undefined when `actual` prints as `shown` (rounded to the decimals shown); else why not. */
export function compareShown(actual: unknown, shown: Shown, path = "value"): string | undefined {
  switch (shown.kind) {
    case "number": {
      // a one-entry array or nested [[x]] shows as x too? no: the shown shape must match
      if (typeof actual !== "number") return `${path}: expected number ${shown.value}, got ${describe(actual)}`;
      const s = shown.value;
      if (Number.isNaN(s)) return Number.isNaN(actual) ? undefined : `${path}: expected NaN, got ${actual}`;
      if (!Number.isFinite(s)) return actual === s ? undefined : `${path}: expected ${s}, got ${actual}`;
      if (!Number.isFinite(actual)) return `${path}: expected ${s}, got ${actual}`;
      const tol =
        shown.decimals === null ? 1e-6 * Math.max(1, Math.abs(s)) : (shown.truncated === true ? 1 : 0.5) * 10 ** -shown.decimals + 1e-9 * Math.abs(s);
      return Math.abs(actual - s) <= tol ? undefined : `${path}: expected ${s}, got ${actual}`;
    }
    case "string":
      return actual === shown.value ? undefined : `${path}: expected ${JSON.stringify(shown.value)}, got ${describe(actual)}`;
    case "literal":
      return actual === shown.value ? undefined : `${path}: expected ${String(shown.value)}, got ${describe(actual)}`;
    case "array": {
      if (!Array.isArray(actual)) return `${path}: expected an array, got ${describe(actual)}`;
      if (shown.more ? actual.length < shown.items.length : actual.length !== shown.items.length) {
        return `${path}: expected ${shown.more ? "at least " : ""}${shown.items.length} entries, got ${actual.length}: ${describe(actual)}`;
      }
      for (let k = 0; k < shown.items.length; k++) {
        const r = compareShown(actual[k], shown.items[k] as Shown, `${path}[${k}]`);
        if (r !== undefined) return r;
      }
      return undefined;
    }
    case "throws": {
      // the runner records { $threw: { name, message, code } } or { $noThrow: true }
      const threw = actual !== null && typeof actual === "object" && "$threw" in actual ? (actual as { $threw: { message: string; code?: string } }).$threw : undefined;
      if (threw === undefined) return `${path}: expected a throw, got ${describe(actual)}`;
      if (shown.code !== undefined && threw.code !== shown.code) return `${path}: expected error code ${shown.code}, got ${String(threw.code)} (${threw.message})`;
      if (shown.message !== undefined && !(shown.prefix ? threw.message.startsWith(shown.message) : threw.message === shown.message)) {
        return `${path}: expected the message ${JSON.stringify(shown.message)}${shown.prefix ? "…" : ""}, got ${JSON.stringify(threw.message)}`;
      }
      return undefined;
    }
    case "map": {
      // the runner writes a Map as { $map: [[key, value], …] }
      const entries = actual !== null && typeof actual === "object" && "$map" in actual ? (actual as { $map: unknown[][] }).$map : undefined;
      if (entries === undefined) return `${path}: expected a Map, got ${describe(actual)}`;
      if (shown.more ? entries.length < shown.entries.length : entries.length !== shown.entries.length) {
        return `${path}: expected ${shown.entries.length} Map entries, got ${describe(entries)}`;
      }
      for (let k = 0; k < shown.entries.length; k++) {
        const [sk, sv] = shown.entries[k] as [Shown, Shown];
        const r = compareShown((entries[k] as unknown[])[0], sk, `${path} key ${k}`) ?? compareShown((entries[k] as unknown[])[1], sv, `${path} value ${k}`);
        if (r !== undefined) return r;
      }
      return undefined;
    }
    case "object": {
      if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return `${path}: expected an object, got ${describe(actual)}`;
      const o = actual as Record<string, unknown>;
      for (const [k, v] of shown.entries) {
        if (!(k in o)) return `${path}: no key ${JSON.stringify(k)} in ${describe(actual)}`;
        const r = compareShown(o[k], v, `${path}.${k}`);
        if (r !== undefined) return r;
      }
      if (!shown.more) {
        const extra = Object.keys(o).filter((k) => o[k] !== undefined && !shown.entries.some(([s]) => s === k));
        if (extra.length > 0) return `${path}: unexpected keys ${extra.join(", ")} in ${describe(actual)}`;
      }
      return undefined;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Rewriting

export type CheckKind = "expression" | "declaration" | "throws";

export interface RewrittenExample {
  /** The example code with each checked statement recording its value via `__rec(id, value)`. */
  code: string;
  /** The example's own `import` lines (hoisted out of it). */
  imports: string[];
  /** The checks, indexed by id. */
  checks: { id: number; statement: string; comment: string; commentLine: number; kind: CheckKind }[];
  /** Shown-value comments that could not be checked (destructuring, control flow). */
  unchecked: { statement: string; comment: string; reason: string }[];
}

/** Index of the `)` that closes the `(` just before `from` (bracket depth only; strings are rare here). */
function closingParen(text: string, from: number): number {
  let depth = 1;
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote !== null) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

const notExpression = /^(if|for|while|do|return|throw|function|class|import|export|try|switch|type|interface|async\s+function|\{)\b|^\{/;

/** Rewrites the statements that show a parseable value to record it. */
export function rewriteExample(source: string): RewrittenExample {
  // `import … from "…"` lines go to the top of the module; `export const` is a plain declaration
  const imports: string[] = [];
  const code = source
    .split("\n")
    .map((l) => {
      if (/^import\s[^;]*\sfrom\s+["'][^"']+["'];?\s*(\/\/.*)?$/.test(l.trim())) {
        imports.push(l.trim().replace(/\s*\/\/.*$/, ""));
        return "";
      }
      // `{ ... }`: an elided block body
      return l.replace(/^(\s*)export\s+(?=(const|let|var|function|class|async)\b)/, "$1").replace(/\{\s*(\.\.\.|…)\s*\}/g, "{}");
    })
    .join("\n");
  const shown = shownStatements(code);
  // shownStatements works on a normalized copy (one statement per line); rewrite that copy
  const norm = splitChained(code);
  const checks: RewrittenExample["checks"] = [];
  const unchecked: RewrittenExample["unchecked"] = [];
  let out = "";
  let at = 0;
  for (const s of shown) {
    if (parseShown(s.comment) === undefined) continue;
    // `const x = …` or `const { x } = …` / `const [x] = …` (one name): check the declared name
    const decl = /^(const|let|var)\s+(?:\{\s*([A-Za-z_$][\w$]*)\s*\}|\[\s*([A-Za-z_$][\w$]*)\s*\]|([A-Za-z_$][\w$]*))\s*(?::[^=]+)?=/.exec(s.text);
    const declared = decl === null ? undefined : (decl[2] ?? decl[3] ?? decl[4]);
    let replacement: string;
    const id = checks.length;
    if (parseShown(s.comment)?.kind === "throws") {
      if (/^(const|let|var)\b/.test(s.text) || notExpression.test(s.text)) {
        unchecked.push({ statement: s.text, comment: s.comment, reason: "a throw shown on a declaration" });
        continue;
      }
      replacement = `try { ${s.text}; __rec(${id}, { $noThrow: true }); } catch (__e) { if (__e instanceof ReferenceError) throw __e; __rec(${id}, { $threw: __e }); }`;
      checks.push({ id, statement: s.text, comment: s.comment, commentLine: s.commentLine, kind: "throws" });
    } else if (declared !== undefined) {
      replacement = `${s.text}; __rec(${id}, ${declared});`;
      checks.push({ id, statement: s.text, comment: s.comment, commentLine: s.commentLine, kind: "declaration" });
    } else if (/^(const|let|var)\b/.test(s.text)) {
      unchecked.push({ statement: s.text, comment: s.comment, reason: "destructuring declaration" });
      continue;
    } else if (notExpression.test(s.text)) {
      unchecked.push({ statement: s.text, comment: s.comment, reason: "not an expression statement" });
      continue;
    } else if (/^console\.(log|info)\(/.test(s.text) && closingParen(s.text, s.text.indexOf("(") + 1) === s.text.length - 1) {
      // `console.log(x); // shown`: the shown value is what it prints, x
      const open = s.text.indexOf("(");
      replacement = `${s.text.slice(0, open + 1)}__rec(${id}, (${s.text.slice(open + 1, -1)})));`;
      checks.push({ id, statement: s.text, comment: s.comment, commentLine: s.commentLine, kind: "expression" });
    } else {
      replacement = `__rec(${id}, (${s.text}));`;
      checks.push({ id, statement: s.text, comment: s.comment, commentLine: s.commentLine, kind: "expression" });
    }
    out += norm.slice(at, s.start) + replacement;
    at = s.end;
  }
  out += norm.slice(at);
  return { code: out, imports, checks, unchecked };
}

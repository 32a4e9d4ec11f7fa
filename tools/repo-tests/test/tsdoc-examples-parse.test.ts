import { describe, expect, it } from "vitest";
import { compareShown, extractExamples, parseShown, rewriteExample, shownStatements, type Shown } from "./tsdoc-examples.js";

const shown = (text: string): Shown => {
  const s = parseShown(text);
  if (s === undefined) throw new Error(`not a value: ${text}`);
  return s;
};
const matches = (actual: unknown, text: string): boolean => compareShown(actual, shown(text)) === undefined;

describe("extractExamples", () => {
  it("takes the comment lines after @example up to the next tag, without ` * ` and ``` fences", () => {
    const src = [
      "/**",
      " * Does things.",
      " * @example",
      " * ```ts",
      " * f(1); // 2",
      " *   g(2);",
      " * ```",
      " * @remarks arXiv:1707.06347",
      " */",
      "export function f() {}",
      "/** One line. @param x",
      " * @example h(3); // 4",
      " */",
    ].join("\n");
    expect(extractExamples(src)).toEqual([
      { line: 3, code: "f(1); // 2\n  g(2);" },
      { line: 12, code: "h(3); // 4" },
    ]);
  });

  it("ends at the end of the comment", () => {
    expect(extractExamples("/**\n * @example\n * a(); // 1\n */\nconst b = 2;").map((e) => e.code)).toEqual(["a(); // 1"]);
  });
});

describe("shownStatements", () => {
  it("finds `stmt; // value` and `stmt;` followed by a `// value` line, for multi-line statements too", () => {
    const code = ["const x = f({", "  a: 1 }); // 3", "g(x)", "  .h();", "// [1, 2]", "k(); // prose here"].join("\n");
    expect(shownStatements(code).map((s) => [s.text, s.comment.trim()])).toEqual([
      ["const x = f({\n  a: 1 })", "3"],
      ["g(x)\n  .h()", "[1, 2]"],
      ["k()", "prose here"],
    ]);
  });

  it("joins a value that continues over several comment lines", () => {
    expect(shownStatements("f();\n// [[1, 2],\n//  [3, 4]]").map((s) => s.comment)).toEqual([" [[1, 2],   [3, 4]]"]);
  });

  it("splits `a; // 1      b; // 2` and gives a line's comment to its last statement only", () => {
    expect(shownStatements("lr(5); // 5e-4      lr(110); // 0").map((s) => [s.text, s.comment.trim()])).toEqual([
      ["lr(5)", "5e-4"],
      ["lr(110)", "0"],
    ]);
    expect(shownStatements("a(); b(); // 7").map((s) => s.text)).toEqual(["b()"]);
  });

  it("ignores `//` and `;` inside strings and brackets", () => {
    expect(shownStatements('f("http://x; y", [1; 2]); // "ok"').map((s) => [s.text, s.comment.trim()])).toEqual([['f("http://x; y", [1; 2])', '"ok"']]);
  });
});

describe("parseShown", () => {
  it("parses JSON-like values, bare keys, single quotes, fractions and … / ...", () => {
    expect(shown("[1, -0.25, 1/3, …]")).toEqual({
      kind: "array",
      more: true,
      items: [
        { kind: "number", value: 1, decimals: null, integer: true },
        { kind: "number", value: -0.25, decimals: 2, integer: false },
        { kind: "number", value: 1 / 3, decimals: null, integer: false },
      ],
    });
    expect(shown("{ mean: 0, 'a/b': \"x\", ... }")).toMatchObject({ kind: "object", more: true, entries: [["mean", { value: 0 }], ["a/b", { value: "x" }]] });
    expect(shown("5e-4")).toMatchObject({ value: 5e-4, decimals: 4 });
    expect(shown("−0.5")).toMatchObject({ value: -0.5 });
    expect(shown('"\\\\frac{1}{2}"')).toEqual({ kind: "string", value: "\\frac{1}{2}" });
    expect(shown("null")).toEqual({ kind: "literal", value: null });
    expect(shown("Int32Array [0, 4]")).toMatchObject({ kind: "array", items: [{ value: 0 }, { value: 4 }] });
    expect(shown("Map { 0 => 0.5 }")).toMatchObject({ kind: "map", entries: [[{ value: 0 }, { value: 0.5 }]] });
  });

  it("ignores trailing prose in parentheses or after a separator, and a leading ≈", () => {
    expect(shown("[0.75, 0]   (b = 0.25)")).toMatchObject({ kind: "array" });
    expect(shown("1.6667 (unbiased)")).toMatchObject({ value: 1.6667, decimals: 4 });
    expect(shown("[3], not [6]")).toMatchObject({ kind: "array" });
    expect(shown("≈ 0.489")).toMatchObject({ value: 0.489 });
    expect(shown("{ hits: 3 } for 3 criteria")).toMatchObject({ kind: "object" });
  });

  it("returns undefined for prose", () => {
    for (const prose of ["spec E5: loss 0.97", "[1, 2, V]", "tf.Tensor2D [B, T]", "entropy 0.83", "Right", "2 tokens", "ok", ""]) {
      expect(parseShown(prose), prose).toBeUndefined();
    }
  });

  it("parses `throws` with an optional error code and message (… = prefix)", () => {
    expect(shown('throws RLError INVALID_INPUT "parse: line 3: …"')).toEqual({ kind: "throws", code: "INVALID_INPUT", message: "parse: line 3:", prefix: true });
    expect(shown('throws "leaked 3 tensors"')).toEqual({ kind: "throws", message: "leaked 3 tensors", prefix: false });
  });
});

describe("compareShown", () => {
  it("compares numbers by the decimals shown", () => {
    expect(matches(0.8999999761581421, "0.9")).toBe(true);
    expect(matches(0.866024, "0.866025")).toBe(false);
    expect(matches(0.8660245, "0.866025")).toBe(true);
    expect(matches(0.8660256, "0.866025")).toBe(false);
    expect(matches(0.94, "0.9")).toBe(true);
    expect(matches(0.96, "0.9")).toBe(false);
    expect(matches(5.4e-4, "5e-4")).toBe(true);
    expect(matches(5.6e-4, "5e-4")).toBe(false);
  });

  it("reads an integer as exact up to float noise", () => {
    expect(matches(2.0000001, "2")).toBe(true);
    expect(matches(2.4, "2")).toBe(false);
    expect(matches(0, "0")).toBe(true);
    expect(matches(1e-9, "0")).toBe(true);
  });

  it("reads a truncated number (…) as truncated, a fraction as exact", () => {
    expect(matches(-0.6931472, "−0.693147…")).toBe(true);
    expect(matches(1 / 3, "1/3")).toBe(true);
    expect(matches(0.3333, "1/3")).toBe(false);
  });

  it("compares arrays entry by entry, a … array by its prefix", () => {
    expect(matches([[1, 0.5]], "[[1, 0.5]]")).toBe(true);
    expect(matches([1, 0.5, 3], "[1, 0.5]")).toBe(false);
    expect(matches([1, 0.5, 3], "[1, 0.5, …]")).toBe(true);
    expect(matches([1], "[1, 0.5, ...]")).toBe(false);
    expect(matches([1, null], "[1, null]")).toBe(true);
    expect(matches(1, "[1]")).toBe(false);
  });

  it("compares objects by their keys (all of them unless …)", () => {
    expect(matches({ a: 1, b: "x" }, '{ a: 1, b: "x" }')).toBe(true);
    expect(matches({ a: 1, b: "x" }, "{ a: 1 }")).toBe(false);
    expect(matches({ a: 1, b: "x" }, "{ a: 1, … }")).toBe(true);
    expect(matches({ a: 1 }, "{ a: 2, … }")).toBe(false);
  });

  it("compares strings and literals exactly", () => {
    expect(matches("4", '"4"')).toBe(true);
    expect(matches(4, '"4"')).toBe(false);
    expect(matches(true, "true")).toBe(true);
    expect(matches(undefined, "null")).toBe(false);
  });

  it("checks a throw's code and message", () => {
    const threw = { $threw: { name: "RLError", code: "PARSE", message: "parse: line 3: bad" } };
    expect(matches(threw, 'throws RLError PARSE "parse: line 3: …"')).toBe(true);
    expect(matches(threw, "throws INVALID_INPUT")).toBe(false);
    expect(matches(threw, 'throws "parse: line 3"')).toBe(false);
    expect(matches({ $noThrow: true }, "throws")).toBe(false);
  });
});

describe("rewriteExample", () => {
  it("records expression statements, declared names and console.log arguments", () => {
    const r = rewriteExample("const x = f(); // 3\ng(x); // [1]\nconsole.log(h(x)); // 2\nk(); // prose");
    expect(r.code).toBe("const x = f(); __rec(0, x); // 3\n__rec(1, (g(x))); // [1]\nconsole.log(__rec(2, (h(x)))); // 2\nk(); // prose");
    expect(r.checks.map((c) => c.kind)).toEqual(["declaration", "expression", "expression"]);
  });

  it("checks a one-name destructuring, leaves other destructuring unchecked, wraps `// throws` statements", () => {
    const r = rewriteExample('const { a, b } = f(); // 1\nconst { c } = f(); // 2\ng(); // throws "no"');
    expect(r.unchecked).toEqual([{ statement: "const { a, b } = f()", comment: " 1", reason: "destructuring declaration" }]);
    expect(r.code).toContain("const { c } = f(); __rec(0, c); // 2");
    expect(r.code).toContain('try { g(); __rec(1, { $noThrow: true }); } catch (__e) { if (__e instanceof ReferenceError) throw __e; __rec(1, { $threw: __e }); } // throws "no"');
  });

  it("reads `{ ... }` as an elided block and leaves a spread alone", () => {
    expect(rewriteExample("it(c.id, () => { ... });\nf({ ...pairs, x });").code).toBe("it(c.id, () => {});\nf({ ...pairs, x });");
  });

  it("hoists import lines and turns `export const` into a declaration", () => {
    const r = rewriteExample('import { ready } from "@rl/core";\nawait ready();\nexport const y = 1;');
    expect(r.imports).toEqual(['import { ready } from "@rl/core";']);
    expect(r.code).toBe("\nawait ready();\nconst y = 1;");
  });
});

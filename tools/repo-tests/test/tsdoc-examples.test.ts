import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { filesUnder, runModule } from "./run-node.js";
import { compareShown, decodeActual, extractExamples, parseShown, rewriteExample, type RewrittenExample, type Shown } from "./tsdoc-examples.js";

/**
 * Placeholder names: what an example uses for the caller's own data or objects, which one short
 * line of a doc example cannot build. An example that stops at `<name> is not defined` for one of
 * these (or at a missing file of that name) is reported as skipped; the values it showed before
 * that point are still checked. Any other throw fails. Keep this list short: an example that one
 * short line makes self-contained gets that line instead.
 */
const PLACEHOLDERS = new Set<string>([
  // the caller's tensors: the spec's worked examples (E1 pairs, E5 / E8 policy and value batches)
  // take four tensors or more, more than one short line
  "logProbs", "values", "policyChosen", "pairs", "logitsC", "batch",
  // the caller's model, its variables, its checkpoint
  "model", "refModel", "vars", "ckpt",
  // the caller's plugin (the definition another example or plugins/example-rank-advantages writes)
  "rankAdvantagesDefinition", "lengthPenalty", "myPluginDefinition", "myLoss",
  // the caller's rubric, judge server and sampler
  "rubric", "baseUrl", "sampleReturns", "sampleGroups",
  // the caller's tokenizer files (a model folder, or its parsed tokenizer.json)
  "modelDir", "tokenizerJson",
  // no network (the runner replaces `fetch` with a stub that throws "fetch is not defined"),
  // no user files, no test framework
  "fetch", "prefs.jsonl", "train-00000-of-00001.parquet", "it",
]);

/** The minimum number of examples whose shown values are checked (so the test cannot silently check nothing). */
const MIN_CHECKED = 150;

const here = new URL("..", import.meta.url).pathname;
const root = new URL("../../..", import.meta.url).pathname;
const packages = ["core", "credit", "alignment", "rewards"] as const;
/** Every entry point an example may use, lowest priority first (the example's own package wins on a clash). */
const entryPoints = ["@rl/core/testing", "@rl/core/data", "@rl/core/clients", "@rl/core/runs", "@rl/core/tokenizers", "@rl/core", "@rl/rewards/recipes", "@rl/rewards/verifiable", "@rl/rewards/transforms", "@rl/rewards/rubric", "@rl/rewards/models", "@rl/rewards/evaluation", "@rl/rewards", "@rl/alignment/recipes", "@rl/alignment/parallel", "@rl/alignment", "@rl/credit"];
// Besides these, the prelude brings zod's `z` (the schema library of the packages' config examples).
const perExampleTimeoutMs = 20_000;

interface Example {
  index: number;
  file: string;
  line: number;
  /** Entry points of the example's own package, lowest priority first. */
  own: string[];
  rewritten: RewrittenExample;
  shown: (Shown | undefined)[];
  /** The example as ES module code (TypeScript removed), or the transpile error. */
  js: string | { error: string };
}

function sourceFiles(): string[] {
  const isSource = (name: string): boolean => name.endsWith(".ts") && !name.endsWith(".d.ts") && !/\.(test|spec)\.ts$/.test(name);
  return packages.flatMap((pkg) => filesUnder(join(root, "packages", pkg, "src"), isSource)).sort();
}

function ownEntryPoints(file: string): string[] {
  const m = /packages\/(\w+)\/src\/(?:(\w+)\/)?/.exec(file);
  const pkg = `@rl/${m?.[1] ?? ""}`;
  const sub = `${pkg}/${m?.[2] ?? ""}`;
  return entryPoints.includes(sub) ? [pkg, sub] : [pkg];
}

function transpile(code: string): string | { error: string } {
  const out = ts.transpileModule(`${code}\nexport {};\n`, {
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) return { error: errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ") };
  return out.outputText.replace(/^export \{\};\s*$/m, "");
}

const examples: Example[] = [];
for (const file of sourceFiles()) {
  for (const ex of extractExamples(readFileSync(file, "utf8"))) {
    const rewritten = rewriteExample(ex.code);
    examples.push({
      index: examples.length,
      file: relative(root, file),
      line: ex.line,
      own: ownEntryPoints(file),
      rewritten,
      shown: rewritten.checks.map((c) => parseShown(c.comment)),
      js: transpile(rewritten.code),
    });
  }
}

/** Runs in the child: turns tensors, Matrices, typed arrays and Maps into JSON-able plain values. */
const runnerPrelude = (cwd: string): string => `
import { Matrix, isTensor, ready } from "@rl/core";
import { mkdirSync, writeFileSync } from "node:fs";
await ready();
// examples write and read relative paths ("prefs.jsonl"): give them an empty scratch directory
mkdirSync(${JSON.stringify(cwd)}, { recursive: true });
process.chdir(${JSON.stringify(cwd)});
// no network: a request stops the example as the placeholder \`fetch\` (see PLACEHOLDERS)
globalThis.fetch = () => { throw new ReferenceError("fetch is not defined"); };
// a client that reads its API key first gets a dummy one, so it gets as far as its request
process.env.OPENAI_API_KEY = "sk-placeholder";
function toPlain(v, depth = 0) {
  if (depth > 12) return "[too deep]";
  if (v === undefined) return { $undef: true };
  if (typeof v === "number") return Number.isFinite(v) ? v : { $num: String(v) };
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "function") return { $fn: v.name };
  if (typeof v === "symbol") return String(v);
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => toPlain(x, depth + 1));
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v, (x) => toPlain(typeof x === "bigint" ? Number(x) : x, depth + 1));
  if (v instanceof Map) return { $map: [...v].map(([k, x]) => [toPlain(k, depth + 1), toPlain(x, depth + 1)]) };
  if (v instanceof Set) return [...v].map((x) => toPlain(x, depth + 1));
  if (isTensor(v)) return v.isDisposed ? "[disposed tensor]" : toPlain(v.arraySync(), depth + 1);
  if (v instanceof Matrix) return toPlain(v.shape.length === 2 ? v.toArray() : Array.from(v.data), depth + 1);
  if (v instanceof Error) return { $error: String(v), name: v.name, message: v.message, code: v.code };
  if (typeof v.then === "function") return { $promise: true };
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x, depth + 1)]));
}
const records = new Map();
globalThis.__tsdocRec = (index) => (id, value) => {
  let plain;
  try { plain = toPlain(value); } catch (e) { plain = { $error: "could not read the value: " + String(e) }; }
  (records.get(index) ?? records.set(index, []).get(index)).push([id, plain]);
  return value;
};
`;

interface RunResult {
  index: number;
  records: [number, unknown][];
  error?: { name: string; message: string; stack?: string; chain?: string[] };
}

const results = new Map<number, RunResult>();

beforeAll(async () => {
  const names = new Map<string, string[]>();
  for (const spec of entryPoints) names.set(spec, Object.keys((await import(spec)) as Record<string, unknown>).filter((n) => n !== "default"));
  const dir = join(here, ".tmp", "tsdoc-examples");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const runnable = examples.filter((ex) => typeof ex.js === "string");
  for (const ex of runnable) {
    const from = new Map<string, string>();
    const order = [...entryPoints.filter((e) => !ex.own.includes(e)), ...ex.own];
    for (const spec of order) for (const n of names.get(spec) ?? []) from.set(n, spec);
    const bySpec = new Map<string, string[]>();
    for (const [n, spec] of from) bySpec.set(spec, [...(bySpec.get(spec) ?? []), n]);
    // the example's own import lines win over the prelude
    const own = new Set(ex.rewritten.imports.flatMap((l) => /\{([^}]*)\}/.exec(l)?.[1]?.split(",").map((n) => n.trim().split(/\s+as\s+/).pop() ?? "") ?? []));
    for (const [spec, ns] of bySpec) bySpec.set(spec, ns.filter((n) => !own.has(n)));
    if (!own.has("z")) bySpec.set("zod", ["z"]);
    // `tfl` in an example is the caller's @tensorflow/tfjs-layers namespace (it shares @rl/core's engine)
    const layers = /\btfl\./.test(ex.js as string) && !own.has("tfl") ? ['import * as tfl from "@tensorflow/tfjs-layers";'] : [];
    const imports = [...ex.rewritten.imports, ...layers, ...[...bySpec].filter(([, ns]) => ns.length > 0).map(([spec, ns]) => `import { ${ns.join(", ")} } from "${spec}";`)].join("\n");
    const src = `${imports}\nconst __rec = globalThis.__tsdocRec(${ex.index});\n{\n${ex.js as string}\n}\n`;
    writeFileSync(join(dir, `ex${ex.index}.mjs`), src);
  }
  const resultFile = join(dir, "results.json");
  const driver =
    runnerPrelude(join(dir, "cwd")) +
    `
const results = [];
for (const index of ${JSON.stringify(runnable.map((ex) => ex.index))}) {
  let error;
  let timer;
  try {
    // a fresh scratch directory per example: one example's files are not another's
    mkdirSync(${JSON.stringify(join(dir, "cwd"))} + "/ex" + index, { recursive: true });
    process.chdir(${JSON.stringify(join(dir, "cwd"))} + "/ex" + index);
    await Promise.race([
      import(${JSON.stringify(dir)} + "/ex" + index + ".mjs"),
      new Promise((_, reject) => { timer = setTimeout(() => reject(Object.assign(new Error("timed out after ${perExampleTimeoutMs} ms"), { name: "Timeout" })), ${perExampleTimeoutMs}); }),
    ]);
  } catch (e) {
    const chain = [];
    for (let c = e, k = 0; c != null && k < 5; c = c.cause, k++) chain.push(String(c?.message ?? c));
    error = { name: e?.name ?? "Error", message: String(e?.message ?? e), stack: String(e?.stack ?? ""), chain };
  } finally {
    clearTimeout(timer);
  }
  results.push({ index, records: records.get(index) ?? [], error });
}
writeFileSync(${JSON.stringify(resultFile)}, JSON.stringify(results));
process.exit(0);
`;
  await runModule(driver, "tsdoc-examples-runner");
  for (const r of JSON.parse(readFileSync(resultFile, "utf8")) as RunResult[]) results.set(r.index, r);
  rmSync(dir, { recursive: true, force: true });
}, 180_000);

/**
 * The placeholder an example stopped at, when it stopped at one: `<name> is not defined` (also
 * inside an error that wraps it, as a client wraps the `fetch` stub's error), or a missing file
 * `<name>` (ENOENT).
 */
function placeholder(r: RunResult | undefined): string | undefined {
  if (r?.error === undefined) return undefined;
  for (const message of r.error.chain ?? [r.error.message]) {
    for (const m of message.matchAll(/(?:^|[\s:])([\w$.-]+) is not defined\b|ENOENT\b[^']*'([^']+)'/g)) {
      const name = m[1] ?? m[2];
      if (name !== undefined && PLACEHOLDERS.has(name)) return name;
    }
  }
  return undefined;
}

function failures(ex: Example): string[] {
  const out: string[] = [];
  if (typeof ex.js !== "string") return [`does not parse: ${ex.js.error}`];
  const r = results.get(ex.index);
  if (r === undefined) return ["did not run"];
  const stoppedAt = placeholder(r);
  if (r.error !== undefined && stoppedAt === undefined) out.push(`throws ${r.error.name}: ${r.error.message}\n${r.error.stack ?? ""}`);
  for (const check of ex.rewritten.checks) {
    const rec = r.records.find(([id]) => id === check.id);
    const where = `line ${ex.line + 1 + check.commentLine}: ${check.statement.replace(/\s+/g, " ")}; // ${check.comment.trim()}`;
    if (rec === undefined) {
      if (r.error === undefined) out.push(`${where}\n  was not reached`);
      continue;
    }
    const why = compareShown(decodeActual(rec[1]), ex.shown[check.id] as Shown);
    if (why !== undefined) out.push(`${where}\n  ${why}`);
  }
  return out;
}

describe("every TSDoc @example in packages/*/src prints the values its comments show", () => {
  for (const ex of examples) {
    it(`${ex.file}:${ex.line}`, (ctx) => {
      const failed = failures(ex);
      expect(failed, failed.join("\n\n")).toEqual([]);
      const stoppedAt = placeholder(results.get(ex.index));
      if (stoppedAt !== undefined) ctx.skip(`uses the placeholder \`${stoppedAt}\``);
    });
  }

  it(`checks the shown values of at least ${MIN_CHECKED} examples`, () => {
    const checked = examples.filter((ex) => {
      const r = results.get(ex.index);
      return ex.rewritten.checks.length > 0 && r !== undefined && ex.rewritten.checks.some((c) => r.records.some(([id]) => id === c.id));
    });
    const skipped = examples.filter((ex) => placeholder(results.get(ex.index)) !== undefined);
    const values = checked.reduce((n, ex) => n + (results.get(ex.index)?.records.length ?? 0), 0);
    console.info(
      `tsdoc examples: ${examples.length} found, ${checked.length} with shown values checked (${values} values), ` +
        `${skipped.length} stopped at a placeholder (${[...new Set(skipped.map((ex) => placeholder(results.get(ex.index))))].join(", ")}), ` +
        `${examples.reduce((n, ex) => n + ex.rewritten.unchecked.length, 0)} shown values on declarations not checked`,
    );
    expect(checked.length).toBeGreaterThanOrEqual(MIN_CHECKED);
    expect(existsSync(join(here, ".tmp", "tsdoc-examples"))).toBe(false);
  });
});

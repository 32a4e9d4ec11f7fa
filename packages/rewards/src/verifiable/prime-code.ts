import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { z } from "zod";
import { parseConfig, RLError } from "@rl/core/arrays";
import type { CodeExecutionResult, CodeExecutor } from "./code-execution.js";
import { runSandboxed, type SandboxIsolation, type SandboxRun } from "./sandbox.js";

/**
 * One test case in verl's `prime_code` (APPS) format, split per case. `fnName` absent: standard-input
 * mode (`input` is fed to stdin, `output` is compared with stdout). `fnName` present: call-based mode
 * (`input` holds one JSON value per line, the arguments; `output` is the JSON of the return value).
 */
export interface PrimeCodeCase {
  input: string;
  output: string;
  fnName?: string;
}

/** What happened to one test case. */
export type PrimeCodeCaseStatus =
  | "passed"
  | "wrong_answer"
  | "compile_error"
  | "runtime_error"
  | "timeout"
  | "memory_limit"
  | "output_limit"
  | "skipped";

/** Per-case result of {@link subprocessCodeExecutor}. */
export interface PrimeCodeCaseResult {
  status: PrimeCodeCaseStatus;
  /** stdout (standard-input mode) or the JSON return value (call-based mode), cut at 2000 chars. */
  actual: string;
  /** stderr or the error the harness caught, cut at 2000 chars. */
  error: string;
  durationMs: number;
}

/** {@link CodeExecutionResult} with per-case results and the isolation that was applied. */
export interface SandboxedExecutionResult extends CodeExecutionResult {
  cases: PrimeCodeCaseResult[];
  isolation: SandboxIsolation;
}

const caseSchema = z.object({ input: z.string(), output: z.string(), fnName: z.string().regex(/^[A-Za-z_$][\w$]*$/).optional() });
const testCasesSchema = z.object({
  inputs: z.array(z.union([z.string(), z.array(z.string())])),
  outputs: z.array(z.union([z.string(), z.array(z.string())])),
  fn_name: z.string().regex(/^[A-Za-z_$][\w$]*$/).nullish(),
});

/**
 * Splits verl's `prime_code` test cases `{ "inputs": [...], "outputs": [...], "fn_name"?: "f" }` (an
 * object or its JSON string) into one {@link PrimeCodeCase} per pair. A list input or output is joined
 * with `"\n"`, as verl's `run_test` does.
 *
 * @example
 * primeCodeCases({ inputs: ["1 2\n"], outputs: ["3\n"] }); // [{ input: "1 2\n", output: "3\n" }]
 * primeCodeCases('{"inputs":["[1, 2]"],"outputs":["3"],"fn_name":"add"}'); // [{ input: "[1, 2]", output: "3", fnName: "add" }]
 * @remarks verl `verl/utils/reward_score/prime_code/testing_util.py` (`run_test`) at b178a3cd
 */
export function primeCodeCases(testCases: unknown): PrimeCodeCase[] {
  let raw = testCases;
  if (typeof raw === "string") {
    try {
      raw = JSON.parse(raw);
    } catch (e) {
      throw new RLError("PARSE", `primeCodeCases: testCases is a string but not JSON (${(e as Error).message})`);
    }
  }
  const parsed = testCasesSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RLError("INVALID_INPUT", "primeCodeCases: testCases must be { inputs: string[], outputs: string[], fn_name?: string }", { issues: parsed.error.issues });
  }
  const { inputs, outputs, fn_name } = parsed.data;
  if (inputs.length !== outputs.length) {
    throw new RLError("SHAPE_MISMATCH", `primeCodeCases: inputs has ${inputs.length} entries, outputs has ${outputs.length}`);
  }
  const join = (v: string | string[]): string => (Array.isArray(v) ? v.join("\n") : v);
  return inputs.map((inp, i) => ({ input: join(inp), output: join(outputs[i]!), ...(fn_name ? { fnName: fn_name } : {}) }));
}

const INT_RE = /^\d+$/;
function pyFloat(s: string): number | null {
  const t = s.trim().toLowerCase().replace(/_/g, "");
  if (/^[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf|infinity|nan)$/.test(t)) {
    const sign = t.startsWith("-") ? -1 : 1;
    const body = t.replace(/^[+-]/, "");
    if (body === "inf" || body === "infinity") return sign * Infinity;
    if (body === "nan") return NaN;
    return Number(t);
  }
  return null;
}
function splitLines(s: string): string[] {
  const lines = s.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * verl's standard-input comparison (`run_test`, stdin branch): stdout matches when, in order, (1) the
 * stripped texts are equal, or with every line stripped; (2) stdout's lines equal the expected text's
 * non-empty stripped lines (also after dropping empty stdout lines); (3) both are line lists of numbers
 * of the same length, not all integers, and `np.allclose` (rtol 1e-5, atol 1e-8). verl's final
 * whitespace-token-set step compares a list with a set and never passes, so it is omitted.
 *
 * @example
 * primeCodeStdoutMatches("3 \n\n", "3"); // true
 * primeCodeStdoutMatches("0.333333\n", "0.3333333"); // true (allclose)
 * primeCodeStdoutMatches("4\n", "3"); // false
 * @remarks verl `verl/utils/reward_score/prime_code/testing_util.py` (`custom_compare_`, `run_test`) at b178a3cd
 */
export function primeCodeStdoutMatches(actual: string, expected: string): boolean {
  if (typeof actual !== "string" || typeof expected !== "string") {
    throw new RLError("INVALID_INPUT", "primeCodeStdoutMatches: actual and expected must be strings");
  }
  const out = splitLines(actual);
  if (out.join("\n").trim() === expected.trim()) return true;
  if (out.map((l) => l.trim()).join("\n").trim() === expected.trim()) return true;
  const eq = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  if (eq(out, [expected])) return true;
  const exp = expected.split("\n").filter((l) => l.length > 0).map((l) => l.trim());
  if (eq(out, exp)) return true;
  const outNonEmpty = out.filter((l) => l.length > 0);
  if (eq(outNonEmpty, exp)) return true;
  if (outNonEmpty.length === exp.length && outNonEmpty.length > 0) {
    const allInts = outNonEmpty.every((o, i) => INT_RE.test(o) && INT_RE.test(exp[i]!));
    if (!allInts) {
      const a = outNonEmpty.map(pyFloat);
      const b = exp.map(pyFloat);
      if (a.every((x) => x !== null) && b.every((x) => x !== null)) {
        return a.every((x, i) => {
          const y = b[i] as number;
          const v = x as number;
          return v === y || Math.abs(v - y) <= 1e-8 + 1e-5 * Math.abs(y);
        });
      }
    }
  }
  return false;
}

/** Python `==` on JSON values (booleans equal their integer values, as in Python). */
function pyEqual(a: unknown, b: unknown): boolean {
  const num = (v: unknown): number | null => (typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : null);
  const na = num(a);
  const nb = num(b);
  if (na !== null || nb !== null) return na !== null && nb !== null && na === nb;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEqual(x, b[i]));
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && pyEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

/**
 * verl's call-based comparison: the return value (JSON; tuples arrive as lists) equals the expected
 * value, or the expected value is a non-empty list whose first element it equals.
 *
 * @example
 * primeCodeCallMatches("[1, 2]", "[[1, 2]]"); // true
 * primeCodeCallMatches("3", "3.0"); // true (Python 3 == 3.0)
 * @remarks verl `verl/utils/reward_score/prime_code/testing_util.py` (`run_test`, call-based branch) at b178a3cd
 */
export function primeCodeCallMatches(actualJson: string, expectedJson: string): boolean {
  let a: unknown;
  let b: unknown;
  try {
    a = JSON.parse(actualJson);
    b = JSON.parse(expectedJson);
  } catch {
    return false;
  }
  return pyEqual(a, b) || (Array.isArray(b) && b.length > 0 && pyEqual(a, b[0]));
}

// verl prepends these imports to every solution (`run_test`), so solutions that rely on them run.
const VERL_PRELUDE =
  "from string import *\nfrom re import *\nfrom datetime import *\nfrom collections import *\nfrom heapq import *\nfrom bisect import *\nfrom copy import *\nfrom math import *\nfrom random import *\nfrom statistics import *\nfrom itertools import *\nfrom functools import *\nfrom operator import *\nfrom io import *\nfrom sys import *\nfrom json import *\nfrom builtins import *\nfrom typing import *\nimport string\nimport re\nimport datetime\nimport collections\nimport heapq\nimport bisect\nimport copy\nimport math\nimport random\nimport statistics\nimport itertools\nimport functools\nimport operator\nimport io\nimport sys\nimport json\nsys.setrecursionlimit(6*10**5)\n";

const PY_HARNESS = `import sys, os, json, io
_nonce, _mode, _fn, _prelude = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
del sys.argv[1:]
_fd = os.dup(3); os.close(3)
def _report(kind, value=None):
    os.write(_fd, (_nonce + json.dumps({"kind": kind, "value": value}) + "\\n").encode())
with open("solution.py") as _f:
    _src = _f.read()
os.remove("solution.py")
_PRELUDE = ${JSON.stringify(VERL_PRELUDE)}
try:
    _code = compile((_PRELUDE if _prelude else "") + _src, "<solution>", "exec")
except BaseException as _e:
    _report("compile_error", repr(_e)); sys.exit(0)
_g = {"__name__": "__main__" if _mode == "stdin" else "tmp_sol", "__builtins__": __builtins__}
if _mode == "stdin":
    try:
        exec(_code, _g)
    except SystemExit:
        pass
    except BaseException as _e:
        sys.stdout.flush(); _report("runtime_error", repr(_e)); sys.exit(0)
    sys.stdout.flush(); _report("ok"); sys.exit(0)
_args = [json.loads(l) for l in sys.stdin.read().split("\\n")]
try:
    if isinstance(_args[0], dict):
        _args = [{int(k): v for k, v in _args[0].items()}]
except Exception:
    pass
_real = sys.stdout; sys.stdout = io.StringIO()
try:
    exec(_code, _g)
    _target = _g["Solution"]() if "class Solution" in _src else None
    _method = getattr(_target, _fn) if _target is not None else _g[_fn]
except BaseException as _e:
    sys.stdout = _real; _report("compile_error", repr(_e)); sys.exit(0)
try:
    _out = _method(*_args)
    if isinstance(_out, tuple): _out = list(_out)
except BaseException as _e:
    sys.stdout = _real; _report("runtime_error", repr(_e)); sys.exit(0)
sys.stdout = _real
try:
    _report("ok", json.dumps(_out))
except Exception as _e:
    _report("ok", repr(_out))
`;

const JS_HARNESS = `"use strict";
const fs = require("fs"), vm = require("vm");
const nonce = process.argv[2], mode = process.argv[3], fn = process.argv[4];
process.argv.splice(2);
const fd = 3;
let reported = false;
const report = (kind, value) => { if (reported) return; reported = true; fs.writeSync(fd, nonce + JSON.stringify({ kind, value: value === undefined ? null : value }) + "\\n"); };
const src = fs.readFileSync("solution.js", "utf8"); fs.unlinkSync("solution.js");
const tail = mode === "call" ? "\\n;return { f: typeof " + fn + " === 'function' ? " + fn + " : undefined, S: typeof Solution === 'function' ? Solution : undefined };" : "";
let wrapped;
try { wrapped = new vm.Script("(function (require, module, exports, __filename, __dirname) {" + src + tail + "\\n})", { filename: "solution.js" }).runInThisContext(); }
catch (e) { report("compile_error", String(e)); process.exit(0); }
process.on("uncaughtException", (e) => { report("runtime_error", String(e && e.stack || e)); process.exit(0); });
process.on("unhandledRejection", (e) => { report("runtime_error", String(e && e.stack || e)); process.exit(0); });
const mod = { exports: {} };
if (mode === "stdin") {
  process.on("exit", () => report("ok"));
  wrapped(require, mod, mod.exports, "/solution.js", ".");
} else {
  const args = fs.readFileSync(0, "utf8").split("\\n").map((l) => JSON.parse(l));
  const log = console.log; console.log = () => {};
  let target;
  try { const r = wrapped(require, mod, mod.exports, "/solution.js", "."); target = r.S && /class\\s+Solution/.test(src) ? new r.S()[fn].bind(new r.S()) : r.f; }
  catch (e) { report("compile_error", String(e)); process.exit(0); }
  if (typeof target !== "function") { report("compile_error", "no function " + fn); process.exit(0); }
  Promise.resolve().then(() => target(...args)).then((out) => { console.log = log; report("ok", JSON.stringify(out === undefined ? null : out)); process.exit(0); },
    (e) => { report("runtime_error", String(e && e.stack || e)); process.exit(0); });
}
`;

/** A {@link CodeExecutor} whose results carry per-case results and the isolation applied. */
export interface SandboxedCodeExecutor extends CodeExecutor {
  run(code: string, tests: readonly unknown[], limits: { timeMs: number; memMb: number }): Promise<SandboxedExecutionResult>;
}

/** Config schema of {@link subprocessCodeExecutor} (zod; defaults follow verl where it has one). */
export const subprocessCodeExecutorConfig = z.object({
  /** Language of the solutions this executor runs. */
  language: z.enum(["python", "javascript"]).default("python"),
  /** Interpreter; default: python3 resolved once to its real executable (`sys.executable`), or this Node. */
  command: z.string().min(1).optional(),
  /** At most this many sandboxed processes at a time (shared by every `run` of this executor). */
  maxConcurrency: z.number().int().positive().default(2),
  /** Prepend verl's import prelude (`from math import *`, …, `sys.setrecursionlimit(6*10**5)`) to Python solutions. */
  verlPrelude: z.boolean().default(true),
  /** Stop starting new cases after the first failing one (verl's all-or-nothing pass returns early); the rest are `skipped`. */
  stopAtFirstFailure: z.boolean().default(false),
  maxOutputBytes: z.number().int().positive().default(1 << 20),
  network: z.enum(["isolated", "allowed"]).default("isolated"),
  requireIsolation: z.boolean().default(true),
  tmpRoot: z.string().min(1).optional(),
});
/** Input type of `subprocessCodeExecutorConfig`. */
export type SubprocessCodeExecutorConfig = z.input<typeof subprocessCodeExecutorConfig>;

const MEMORY_RE = /MemoryError|allocation failed|heap out of memory|Cannot allocate memory|ENOMEM/;
const cut = (s: string): string => (s.length > 2000 ? s.slice(0, 2000) : s);

function classify(run: SandboxRun, nonce: string, testCase: PrimeCodeCase): PrimeCodeCaseResult {
  const base = { durationMs: run.durationMs };
  if (run.timedOut) return { status: "timeout", actual: cut(run.stdout), error: cut(run.stderr), ...base };
  if (run.outputTruncated) return { status: "output_limit", actual: cut(run.stdout), error: cut(run.stderr), ...base };
  const line = run.result.split("\n").find((l) => l.startsWith(nonce));
  let rep: { kind: string; value: unknown } | null = null;
  if (line !== undefined) {
    try {
      rep = JSON.parse(line.slice(nonce.length)) as { kind: string; value: unknown };
    } catch {
      rep = null;
    }
  }
  const err = rep !== null && typeof rep.value === "string" && rep.kind !== "ok" ? rep.value : run.stderr;
  if (rep === null || rep.kind === "runtime_error") {
    if (MEMORY_RE.test(err) || MEMORY_RE.test(run.stderr)) return { status: "memory_limit", actual: cut(run.stdout), error: cut(err), ...base };
    if (run.signal === "SIGXCPU") return { status: "timeout", actual: cut(run.stdout), error: cut(err), ...base };
    return { status: "runtime_error", actual: cut(run.stdout), error: cut(err || `exit ${run.exitCode ?? run.signal}`), ...base };
  }
  if (rep.kind === "compile_error") return { status: "compile_error", actual: "", error: cut(err), ...base };
  if (testCase.fnName !== undefined) {
    const actual = typeof rep.value === "string" ? rep.value : "null";
    return { status: primeCodeCallMatches(actual, testCase.output) ? "passed" : "wrong_answer", actual: cut(actual), error: "", ...base };
  }
  return { status: primeCodeStdoutMatches(run.stdout, testCase.output) ? "passed" : "wrong_answer", actual: cut(run.stdout), error: cut(run.stderr), ...base };
}

/**
 * A {@link CodeExecutor} that really runs the code: each test case in its own sandboxed process
 * ({@link runSandboxed}: wall-clock and CPU limits, memory rlimit, no network, read-only filesystem
 * but a fresh temporary directory, clean environment, bounded output), Python (`python3`) or
 * JavaScript (this Node). Cases are {@link PrimeCodeCase}s (use {@link primeCodeCases} on verl's
 * format). `limits.timeMs` is per case. Result: `passed` = cases that passed, `total` = cases,
 * `status` = `"compile_error"` when every case failed to compile, else `"ok"` (per-case timeouts and
 * crashes count as failures, so `mode: "fraction"` gives partial credit); `cases` has each case's
 * status. What the code does never throws; bad cases throw `RLError`.
 *
 * @example
 * const executor = subprocessCodeExecutor({ language: "python" });
 * const r = await executor.run("print(sum(map(int, input().split())))", [{ input: "1 2", output: "3" }], { timeMs: 5000, memMb: 256 });
 * r.passed; // 1
 * @remarks verl `verl/utils/reward_score/prime_code/{__init__,utils,testing_util}.py` at b178a3cd (format and comparison); isolation: Linux namespaces + rlimits, see docs/rewards.md
 */
export function subprocessCodeExecutor(config: SubprocessCodeExecutorConfig = {}): SandboxedCodeExecutor {
  const c = parseConfig(subprocessCodeExecutorConfig, config, "subprocessCodeExecutor");
  let command = c.command;
  const resolveCommand = (): string => {
    if (command !== undefined) return command;
    if (c.language === "javascript") command = process.execPath;
    else {
      const r = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8", timeout: 10_000 });
      const exe = r.status === 0 ? r.stdout.trim() : "";
      if (exe.length === 0) throw new RLError("BACKEND_UNAVAILABLE", "subprocessCodeExecutor: python3 was not found (set command)");
      command = exe;
    }
    return command;
  };
  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = async (): Promise<void> => {
    if (active < c.maxConcurrency) {
      active += 1;
      return;
    }
    await new Promise<void>((res) => waiting.push(res));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active -= 1;
  };
  return {
    async run(code, tests, limits) {
      if (typeof code !== "string") throw new RLError("INVALID_INPUT", "subprocessCodeExecutor.run: code must be a string");
      if (!Array.isArray(tests)) throw new RLError("INVALID_INPUT", "subprocessCodeExecutor.run: tests must be an array of { input, output, fnName? }");
      const cases = tests.map((t, i) => {
        const p = caseSchema.safeParse(t);
        if (!p.success) throw new RLError("INVALID_INPUT", `subprocessCodeExecutor.run: tests[${i}] must be { input: string, output: string, fnName?: identifier }`, { issues: p.error.issues });
        return p.data as PrimeCodeCase;
      });
      const lim = z.object({ timeMs: z.number().int().positive(), memMb: z.number().int().positive() }).safeParse(limits);
      if (!lim.success) throw new RLError("INVALID_INPUT", "subprocessCodeExecutor.run: limits must be { timeMs: positive int, memMb: positive int }", { issues: lim.error.issues });
      const exe = resolveCommand();
      let failed = false;
      let isolation: SandboxIsolation = { network: false, filesystem: false, processes: false };
      const results = await Promise.all(
        cases.map(async (tc): Promise<PrimeCodeCaseResult> => {
          await acquire();
          try {
            if (c.stopAtFirstFailure && failed) return { status: "skipped", actual: "", error: "", durationMs: 0 };
            const nonce = randomBytes(12).toString("hex");
            const mode = tc.fnName === undefined ? "stdin" : "call";
            const py = c.language === "python";
            const argv = py
              ? [exe, "-I", "harness.py", nonce, mode, tc.fnName ?? "", c.verlPrelude ? "1" : "0"]
              : [exe, `--max-old-space-size=${Math.max(16, Math.floor(lim.data.memMb * 0.75))}`, "harness.cjs", nonce, mode, tc.fnName ?? ""];
            const files: Record<string, string> = py ? { "harness.py": PY_HARNESS, "solution.py": code } : { "harness.cjs": JS_HARNESS, "solution.js": code };
            const run = await runSandboxed(argv, tc.input, files, {
              timeMs: lim.data.timeMs,
              memMb: lim.data.memMb,
              memoryRlimit: py ? "as" : "data",
              maxOutputBytes: c.maxOutputBytes,
              network: c.network,
              requireIsolation: c.requireIsolation,
              ...(c.tmpRoot !== undefined ? { tmpRoot: c.tmpRoot } : {}),
            });
            isolation = run.isolation;
            const r = classify(run, nonce, tc);
            if (r.status !== "passed") failed = true;
            return r;
          } finally {
            release();
          }
        }),
      );
      const passed = results.filter((r) => r.status === "passed").length;
      const status = results.length > 0 && results.every((r) => r.status === "compile_error") ? "compile_error" : "ok";
      return { passed, total: results.length, status, cases: results, isolation };
    },
  };
}

/** Config schema of {@link primeCodeReward}. */
export const primeCodeRewardConfig = z.object({
  executor: z.custom<CodeExecutor>((v) => typeof v === "object" && v !== null && typeof (v as CodeExecutor).run === "function", "an object with run(code, tests, limits)"),
  /** verl `continuous`: `false` → 1 iff every case passes; `true` → that, else the pass fraction over the first `maxScoredCases` cases. */
  continuous: z.boolean().default(false),
  /** verl scores at most the first 10 cases per sample in continuous mode. */
  maxScoredCases: z.number().int().positive().default(10),
  /** Fence tag whose last block is the solution (verl: "```python"); the text after the last tag up to the next fence. */
  fence: z.string().default("```python"),
  /** Per-case wall-clock limit (verl's per-case `timeout=10` in continuous mode). */
  timeMs: z.number().int().positive().default(10_000),
  memMb: z.number().int().positive().default(1024),
});
/** Input type of `primeCodeRewardConfig`. */
export type PrimeCodeRewardConfig = z.input<typeof primeCodeRewardConfig>;

/**
 * verl's `prime_code.compute_score` over a real executor: solution =
 * `completion.split(fence).at(-1).split("```")[0]` (a completion without the fence is taken whole);
 * `continuous: false` → `1` iff every case passes, else `0`; `continuous: true` (what verl's
 * `default_compute_score` uses for codecontests/apps/codeforces/taco) → `1` if every case passes,
 * else (#passed among the first `maxScoredCases` cases) / min(#cases, maxScoredCases). Crashes,
 * timeouts and memory blow-ups are failed cases, never throws; no cases → `null`.
 *
 * @example
 * const executor = subprocessCodeExecutor();
 * const r = await primeCodeReward("```python\nprint(int(input()) * 2)\n```", { inputs: ["2", "5"], outputs: ["4", "11"] }, { executor, continuous: true });
 * r.score; // 0.5
 * @remarks verl `verl/utils/reward_score/prime_code/__init__.py` (`compute_score`) and `verl/utils/reward_score/__init__.py` (`continuous=True`) at b178a3cd
 */
export async function primeCodeReward(
  completion: string,
  testCases: unknown,
  config: PrimeCodeRewardConfig,
): Promise<{ score: number | null; code: string; result: CodeExecutionResult }> {
  const c = parseConfig(primeCodeRewardConfig, config, "primeCodeReward");
  if (typeof completion !== "string") throw new RLError("INVALID_INPUT", "primeCodeReward: completion must be a string");
  const cases = primeCodeCases(testCases);
  const code = (completion.split(c.fence).at(-1) as string).split("```")[0] as string;
  const result = await c.executor.run(code, cases, { timeMs: c.timeMs, memMb: c.memMb });
  if (cases.length === 0) return { score: null, code, result };
  if (result.status === "ok" && result.passed === result.total) return { score: 1, code, result };
  if (!c.continuous) return { score: 0, code, result };
  const per = (result as Partial<SandboxedExecutionResult>).cases;
  if (!Array.isArray(per)) return { score: result.total > 0 ? result.passed / result.total : 0, code, result };
  const first = per.slice(0, c.maxScoredCases);
  return { score: first.filter((r) => r.status === "passed").length / first.length, code, result };
}

#!/usr/bin/env node
// `pnpm fuzz [--cases N] [--package core|credit|rewards|alignment|serve] [--jobs N] [--report PATH] [--baseline FILE]`:
// runs the fuzz harness of every package in its own fork (vitest, against the TypeScript sources),
// detects crashes (the fork died with a function in progress), prints the per-function table and
// writes it to --report (default tools/fuzz/REPORT.md).
// Exit code 1 when any failure column is non-zero, except, with --baseline, for the functions that
// file lists as known failures (`["pkg.fn", …]`; CI uses known-failures.json so that a NEW failure
// fails the build while the listed ones are being fixed; a listed function that passes is reported
// so that it can be removed from the list).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const cases = Number(opt("cases", "100"));
const only = opt("package", null);
const reportPath = opt("report", join(dirname(fileURLToPath(import.meta.url)), "..", "REPORT.md"));
const baselineFile = opt("baseline", null);
if (!Number.isInteger(cases) || cases < 1) {
  console.error("pnpm fuzz: --cases must be a positive integer");
  process.exit(2);
}
const packages = ["core", "core-clients", "credit", "rewards", "alignment", "serve"].filter((p) => only === null || p === only);
const out = process.env.RL_FUZZ_OUT ?? join(root, ".fuzz");
rmSync(out, { recursive: true, force: true });
const jobs = Math.max(1, Number(opt("jobs", "1")) || 1);
/** Runs one package's fork; resolves with its rows (a crash or a timeout becomes one failing row). */
function runPackage(pkg) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn("pnpm", ["exec", "vitest", "run", `fuzz/${pkg}.fuzz.ts`], {
      cwd: root,
      env: { ...process.env, RL_FUZZ_CASES: String(cases), RL_FUZZ_OUT: out },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stdout.on("data", () => {});
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-2000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, 60 * 60 * 1000);
    child.on("close", () => {
      clearTimeout(timer);
      const resultFile = join(out, `${pkg}.json`);
      let rows;
      if (existsSync(resultFile)) rows = JSON.parse(readFileSync(resultFile, "utf8"));
      else {
        const progress = existsSync(join(out, `${pkg}.progress`)) ? readFileSync(join(out, `${pkg}.progress`), "utf8") : "";
        rows = [{ pkg, name: progress || "(package)", seeded: true, cases: 0, nonRLError: 0, nonFinite: 0, hangs: timedOut ? 1 : 0, crashes: timedOut ? 0 : 1, leaks: 0, examples: [`fork died: ${stderr.slice(-300)}`] }];
      }
      console.error(`fuzz @rl/${pkg}: ${Math.round((Date.now() - started) / 1000)} s`);
      resolve(rows);
    });
  });
}
const results = new Array(packages.length);
let nextPkg = 0;
await Promise.all(
  Array.from({ length: Math.min(jobs, packages.length) }, async () => {
    while (nextPkg < packages.length) {
      const i = nextPkg++;
      results[i] = await runPackage(packages[i]);
    }
  }),
);
const rows = results.flat();
const cols = ["cases", "nonRLError", "nonFinite", "hangs", "crashes", "leaks"];
const colNames = { cases: "cases", nonRLError: "non-RLError throws", nonFinite: "NaN/Inf from finite input", hangs: "hangs", crashes: "crashes", leaks: "leaks" };
const head = `| package | function | ${cols.map((c) => colNames[c]).join(" | ")} | note |`;
const lines = [head, `|${"---|".repeat(cols.length + 3)}`];
const cell = (r) => {
  if (r.stale) return `stale seed | ${cols.slice(1).map(() => "–").join(" | ")} | no such export`;
  if (r.seeded) return `${cols.map((c) => r[c]).join(" | ")} | ${r.badSeed ? "**the seed call itself fails**" : r.nonFiniteAllowed ? `NaN/Inf allowed: ${r.nonFiniteAllowed}` : ""}`;
  return `${r.exempt !== undefined ? "exempt" : "no seed"} | ${cols.slice(1).map(() => "–").join(" | ")} | ${r.exempt ?? ""}`;
};
for (const r of rows) lines.push(`| ${r.pkg} | ${r.name} | ${cell(r)} |`);
const seeded = rows.filter((r) => r.seeded && !r.stale);
const exempted = rows.filter((r) => !r.seeded && r.exempt !== undefined);
const unseeded = rows.filter((r) => !r.seeded && r.exempt === undefined);
const failing = rows.filter((r) => r.stale || r.badSeed || cols.slice(1).some((c) => r[c] > 0));
const totals = Object.fromEntries(cols.map((c) => [c, seeded.reduce((a, r) => a + r[c], 0)]));
const exported = rows.filter((r) => !r.stale).length;
const summary = [
  `${exported} exported functions (${packages.map((p) => `@rl/${p}`).join(", ")}): ${seeded.length} fuzzed with ${cases} cases each, ${exempted.length} exempt (reason in the table), ${unseeded.length} "no seed"; ${failing.length} with failures.`,
  "",
  `| total | ${cols.map((c) => colNames[c]).join(" | ")} |`,
  `|${"---|".repeat(cols.length + 1)}`,
  `| ${seeded.length} functions | ${cols.map((c) => totals[c]).join(" | ")} |`,
];
const details = failing.flatMap((r) => [`- ${r.pkg}.${r.name}:`, ...r.examples.map((e) => `  - ${e.replace(/\n/g, " ")}`)]);
const report = [
  `# Fuzz report`,
  "",
  "Generated by `pnpm fuzz" + (cases === 100 ? "" : ` --cases ${cases}`) + "` (tools/fuzz, issue 19). A case fails when the call throws anything but an `RLError`, returns NaN / ±Inf although no non-finite value was put in, runs longer than 5 s, kills the process, or leaves tensors behind.",
  "",
  ...summary,
  "",
  ...lines,
  "",
  "## Failure examples",
  "",
  ...(details.length ? details : ["none"]),
  "",
].join("\n");
mkdirSync(dirname(reportPath), { recursive: true });
writeFileSync(reportPath, report);
console.log(report);
if (baselineFile !== null) {
  const known = new Set(JSON.parse(readFileSync(baselineFile, "utf8")));
  const fresh = failing.filter((r) => !known.has(`${r.pkg}.${r.name}`));
  const fixed = [...known].filter((k) => !failing.some((r) => `${r.pkg}.${r.name}` === k) && rows.some((r) => `${r.pkg}.${r.name}` === k));
  if (fixed.length > 0) console.error(`fuzz: ${fixed.length} known failure(s) now pass; remove them from ${baselineFile}: ${fixed.join(", ")}`);
  if (fresh.length > 0) console.error(`fuzz: NEW failures (not in ${baselineFile}): ${fresh.map((r) => `${r.pkg}.${r.name}`).join(", ")}`);
  else console.error(`fuzz: no new failures (${failing.length} known, listed in ${baselineFile})`);
  process.exit(fresh.length > 0 ? 1 : 0);
}
process.exit(failing.length > 0 ? 1 : 0);

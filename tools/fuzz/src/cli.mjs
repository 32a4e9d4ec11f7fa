#!/usr/bin/env node
// `pnpm fuzz [--cases N] [--package core|credit|rewards|alignment]`: runs the fuzz harness of every
// package in its own fork (vitest, against the TypeScript sources), detects crashes (the fork died
// with a function in progress), prints the per-function table and writes tools/fuzz/REPORT.md.
// Exit code 1 when any failure column is non-zero.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
if (!Number.isInteger(cases) || cases < 1) {
  console.error("pnpm fuzz: --cases must be a positive integer");
  process.exit(2);
}
const packages = ["core", "credit", "rewards", "alignment"].filter((p) => only === null || p === only);
const out = join(root, ".fuzz");
rmSync(out, { recursive: true, force: true });
const rows = [];
for (const pkg of packages) {
  const started = Date.now();
  const r = spawnSync("pnpm", ["exec", "vitest", "run", `fuzz/${pkg}.fuzz.ts`], {
    cwd: root,
    env: { ...process.env, RL_FUZZ_CASES: String(cases) },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60 * 60 * 1000,
    encoding: "utf8",
  });
  const resultFile = join(out, `${pkg}.json`);
  if (existsSync(resultFile)) rows.push(...JSON.parse(readFileSync(resultFile, "utf8")));
  else {
    const progress = existsSync(join(out, `${pkg}.progress`)) ? readFileSync(join(out, `${pkg}.progress`), "utf8") : "";
    const why = r.error?.code === "ETIMEDOUT" ? "hangs" : "crashes";
    rows.push({ pkg, name: progress || "(package)", seeded: true, cases: 0, nonRLError: 0, nonFinite: 0, hangs: why === "hangs" ? 1 : 0, crashes: why === "crashes" ? 1 : 0, leaks: 0, examples: [`fork died: ${(r.stderr ?? "").slice(-300)}`] });
  }
  console.error(`fuzz @rl/${pkg}: ${Math.round((Date.now() - started) / 1000)} s`);
}
const cols = ["cases", "nonRLError", "nonFinite", "hangs", "crashes", "leaks"];
const head = `| package | function | ${cols.map((c) => ({ cases: "cases", nonRLError: "non-RLError throws", nonFinite: "NaN/Inf from finite input", hangs: "hangs", crashes: "crashes", leaks: "leaks" })[c]).join(" | ")} |`;
const lines = [head, `|${"---|".repeat(cols.length + 2)}`];
for (const r of rows) lines.push(`| ${r.pkg} | ${r.name} | ${r.seeded ? cols.map((c) => r[c]).join(" | ") : `no seed | ${cols.slice(1).map(() => "–").join(" | ")}`} |`);
const seeded = rows.filter((r) => r.seeded);
const failing = seeded.filter((r) => cols.slice(1).some((c) => r[c] > 0));
const summary = `${rows.length} exported functions, ${seeded.length} with a seed (${rows.length - seeded.length} "no seed"), ${cases} cases each; ${failing.length} with failures.`;
const details = failing.flatMap((r) => [`- ${r.pkg}.${r.name}:`, ...r.examples.map((e) => `  - ${e.replace(/\n/g, " ")}`)]);
const report = [`# Fuzz report`, "", summary, "", ...lines, "", "## Failure examples", "", ...(details.length ? details : ["none"]), ""].join("\n");
writeFileSync(join(root, "REPORT.md"), report);
console.log(report);
process.exit(failing.length > 0 ? 1 : 0);

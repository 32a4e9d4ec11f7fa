#!/usr/bin/env node
import { writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ready } from "@rl/core";
import { allOps } from "./ops/index.js";
import { runConformance, summariseByOp } from "./run.js";

/**
 * `pnpm conformance [DIR...] [--strict] [--verbose]`
 *
 * Runs every `*.json` vector file in the folders (default: the repository's copy
 * `tools/conformance/vectors`, or `RL_CONFORMANCE_DIR`; `pnpm conformance:sync` refreshes the copy
 * from `../shared/conformance`), prints a per-op summary and the closing line
 * `N passed, N failed` (plus skipped), and exits non-zero on a failure; `--strict` also fails on an
 * op it does not know. A missing default folder is reported, and is a failure when `CI=true`.
 */
async function main(argv: readonly string[]): Promise<number> {
  const strict = argv.includes("--strict");
  const verbose = argv.includes("--verbose");
  const backendArg = argv.find((a) => a.startsWith("--backend="));
  const dirsArg = argv.filter((a) => !a.startsWith("--"));
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  const defaultDir = process.env.RL_CONFORMANCE_DIR ?? resolve(repoRoot, "tools/conformance/vectors");
  const usingDefault = dirsArg.length === 0;
  const dirs = usingDefault ? [defaultDir] : dirsArg.map((d) => resolve(process.cwd(), d));

  await ready(backendArg !== undefined ? { backend: backendArg.slice("--backend=".length) as "wasm" } : {});
  const report = await runConformance(dirs, allOps);

  const lines: string[] = [];
  for (const [op, c] of summariseByOp(report.results)) {
    const status = c.failed > 0 ? "FAIL" : c.skipped > 0 ? "skip" : "ok  ";
    const detail = c.skipped > 0 ? `skipped (not implemented): ${c.skipped}` : `${c.passed}/${c.passed + c.failed}`;
    lines.push(`  ${status} ${op.padEnd(40)} ${detail}`);
  }
  console.log(`conformance: ${dirs.join(", ")}`);
  console.log(lines.join("\n"));
  for (const r of report.results) {
    if (r.status === "failed") console.log(`  failed ${r.file} ${r.id} (${r.op}): ${r.message ?? ""}`);
    else if (verbose && r.status === "passed") console.log(`  passed ${r.file} ${r.id}`);
  }
  for (const b of report.badFiles) console.log(`  bad file ${b.file}: ${b.message}`);
  let failed = report.failed + report.badFiles.length;
  for (const d of report.missingDirs) {
    const fatal = !usingDefault || process.env.CI === "true";
    console.log(`  missing folder ${d}${fatal ? " (a failure)" : " (not a failure outside CI)"}`);
    if (fatal) failed++;
  }
  if (report.unknownOps.length > 0) {
    console.log(`  skipped ops (not implemented): ${report.unknownOps.join(", ")}${strict ? " — a failure under --strict" : ""}`);
    if (strict) failed += report.skipped;
  }
  const skippedNote = report.skipped > 0 ? `, ${report.skipped} skipped` : "";
  console.log(`conformance: ${report.passed} passed, ${failed} failed${skippedNote}`);
  await writeFile(
    resolve(repoRoot, "tools/conformance/.conformance-results.json"),
    JSON.stringify({ passed: report.passed, failed, skipped: report.skipped, unknownOps: report.unknownOps }, null, 2),
  );
  return failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);

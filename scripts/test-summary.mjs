// Adds up the vitest JSON reports of every workspace package, the conformance report and the
// notebook runs (tools/notebooks), and
// prints one closing line: "total: N passed, N failed".
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dirs = [];
for (const parent of ["packages", "tools", "plugins"]) {
  for (const d of readdirSync(join(root, parent))) dirs.push(join(root, parent, d));
}
dirs.push(join(root, "examples"), join(root, "examples", "web"), join(root, "bench"));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const dir of dirs) {
  const file = join(dir, ".vitest-results.json");
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  console.log(`  ${dir.slice(root.length)}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
}
// Runner reports of the form { passed, failed, skipped? }.
for (const [label, file] of [
  ["conformance", "tools/conformance/.conformance-results.json"],
  ["notebooks (each notebook × kernel)", "tools/notebooks/.notebooks-results.json"],
]) {
  const path = join(root, file);
  if (!existsSync(path)) continue;
  const r = JSON.parse(readFileSync(path, "utf8"));
  console.log(`  ${label}: ${r.passed} passed, ${r.failed} failed${r.skipped !== undefined ? `, ${r.skipped} skipped` : ""}`);
  passed += r.passed;
  failed += r.failed;
}
console.log(`total: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exitCode = failed > 0 ? 1 : 0;

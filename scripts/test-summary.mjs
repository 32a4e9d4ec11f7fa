// Adds up the vitest JSON reports of every workspace package and the conformance report, and
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
const conf = join(root, "tools/conformance/.conformance-results.json");
if (existsSync(conf)) {
  const c = JSON.parse(readFileSync(conf, "utf8"));
  console.log(`  conformance: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  passed += c.passed;
  failed += c.failed;
}
console.log(`total: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exitCode = failed > 0 ? 1 : 0;

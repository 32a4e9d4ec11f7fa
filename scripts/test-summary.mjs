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
const conf = join(root, "tools/conformance/.conformance-results.json");
if (existsSync(conf)) {
  const c = JSON.parse(readFileSync(conf, "utf8"));
  console.log(`  conformance: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  passed += c.passed;
  failed += c.failed;
}
const notebooks = join(root, "tools/notebooks/.notebooks-results.json");
if (existsSync(notebooks)) {
  const n = JSON.parse(readFileSync(notebooks, "utf8"));
  console.log(`  notebooks (each notebook × kernel): ${n.passed} passed, ${n.failed} failed`);
  passed += n.passed;
  failed += n.failed;
}
console.log(`total: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exitCode = failed > 0 ? 1 : 0;

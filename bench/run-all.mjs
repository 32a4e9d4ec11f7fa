// Runs every *.bench.mjs in this folder, one process each (so one benchmark's memory never
// weighs on the next). `pnpm bench` or `node run-all.mjs [name-filter]`.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";

const filter = process.argv[2] ?? "";
const dir = new URL(".", import.meta.url).pathname;
for (const f of readdirSync(dir).filter((n) => n.endsWith(".bench.mjs") && n.includes(filter)).sort()) {
  console.log(`\n== ${f}`);
  execFileSync(process.execPath, ["--max-old-space-size=8192", f, ...process.argv.slice(3)], { cwd: dir, stdio: "inherit" });
}

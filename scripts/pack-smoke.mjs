// Packs every published package (pnpm pack), checks the tarballs with publint and
// @arethetypeswrong/cli, installs the tarballs (not workspace links) into a fresh ESM app and a
// fresh CommonJS app, and runs the README example in each. `node scripts/pack-smoke.mjs`
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packPackages, repoRoot } from "./lib/pack-packages.mjs";

const root = repoRoot;
const work = mkdtempSync(join(tmpdir(), "rl-pack-"));
const tarballs = join(work, "tarballs");
const sh = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });

// The example plugin is packed too and installed next to the @rl tarballs (not a workspace link).
const files = packPackages(tarballs, { withPlugin: true });
console.log(`packed: ${files.map((f) => f.slice(tarballs.length + 1)).join(", ")}`);

const bin = (name) => join(root, "node_modules", ".bin", name);
for (const f of files.filter((f) => !f.includes("rank-advantages"))) {
  sh(bin("publint"), ["run", f, "--strict"], root);
  // Node ≥ 20.19 loads ESM through require(); the only rule left to ignore is that one.
  sh(bin("attw"), [f, "--ignore-rules", "cjs-resolves-to-esm", "--format", "table-flipped"], root);
  console.log(`publint + attw ok: ${f.slice(tarballs.length + 1)}`);
}

// The README example, from the README itself.
const readme = readFileSync(join(root, "README.md"), "utf8");
const match = /```js\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/.exec(readme);
if (match === null) throw new Error("README has no js example followed by its output");
const [, example, expected] = match;

function app(kind) {
  const dir = join(work, `${kind}-app`);
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `${kind}-app`, private: true, type: kind === "esm" ? "module" : "commonjs" }));
  sh("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...files], dir);
  return dir;
}

const esm = app("esm");
writeFileSync(join(esm, "example.mjs"), example);
const esmOut = sh(process.execPath, ["example.mjs"], esm);
if (esmOut.trim() !== expected.trim()) throw new Error(`ESM app printed:\n${esmOut}\nexpected:\n${expected}`);
console.log("ESM app: README example ok");

const cjs = app("cjs");
const cjsSource = example.replace(/^import \{([^}]*)\} from "([^"]+)";$/gm, 'const {$1} = require("$2");');
writeFileSync(join(cjs, "example.cjs"), `(async () => {\n${cjsSource}\n})().catch((e) => { console.error(e); process.exit(1); });\n`);
const cjsOut = sh(process.execPath, ["example.cjs"], cjs);
if (cjsOut.trim() !== expected.trim()) throw new Error(`CJS app printed:\n${cjsOut}\nexpected:\n${expected}`);
console.log("CommonJS app: README example ok");

// The example plugin, installed from its tarball, registers in creditRegistry() and runs.
const pluginOut = sh(process.execPath, ["node_modules/@rl-examples/rank-advantages/smoke.mjs"], esm);
console.log(`example plugin from its tarball: ${pluginOut.trim().split("\n").join(" | ")}`);
console.log("pack smoke: 4 packages and the example plugin packed, installed and run");

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
// Gradients and chained ops come from @rl/core's build-time bundle (docs/core-decisions.md P4).
writeFileSync(
  join(esm, "grad.mjs"),
  'import { tf, ready } from "@rl/core"; await ready();\n' +
    "const g = tf.grad((x) => tf.sum(tf.logSumExp(x, -1)))(tf.tensor1d([0, Math.log(3)]));\n" +
    'console.log(Array.from(g.dataSync()).map((v) => v.toFixed(2)).join(" "), tf.tensor1d([1, 2]).reshape([2, 1]).shape.join("x"));\n',
);
const gradOut = sh(process.execPath, ["grad.mjs"], esm).trim();
if (gradOut !== "0.25 0.75 2x1") throw new Error(`ESM app: tf.grad / chained ops printed "${gradOut}", expected "0.25 0.75 2x1"`);
console.log("ESM app: tf.grad and chained ops ok");

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

// The light install (issue: one vocabulary … and a light install): `npm i @rl/credit` alone, from
// the tarballs, stays small, prints no install warnings, and `require("@rl/credit")` loads no
// TensorFlow.js module. The load time is printed against its target (timings vary with load).
{
  const dir = join(work, "credit-only-app");
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "credit-only-app", private: true, type: "commonjs" }));
  const only = files.filter((f) => /rl-(core|credit)-\d/.test(f));
  const install = execFileSync("npm", ["install", "--no-audit", "--no-fund", ...only], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const warnings = install.split("\n").filter((l) => /warn|postinstall/i.test(l));
  if (warnings.length > 0) throw new Error(`npm i @rl/credit printed warnings:\n${warnings.join("\n")}`);
  const bytes = Number(sh("du", ["-sb", "node_modules"], dir).split("\t")[0]);
  const mb = bytes / 1e6;
  if (mb > 60) throw new Error(`npm i @rl/credit: node_modules is ${mb.toFixed(1)} MB (target ≤ 60 MB)`);
  // tfjs-core's Node entry is CommonJS, so any @tensorflow module loaded shows in require.cache
  // (checked: require("@rl/alignment") lists 3 there).
  writeFileSync(
    join(dir, "load.cjs"),
    'const t0 = performance.now(); const c = require("@rl/credit"); const ms = performance.now() - t0;\n' +
      'if (typeof c.grpoAdvantages !== "function") throw new Error("no grpoAdvantages");\n' +
      'console.log(JSON.stringify({ ms, tf: Object.keys(require.cache).filter((m) => m.includes("@tensorflow")) }));\n',
  );
  const hooked = JSON.parse(sh(process.execPath, ["load.cjs"], dir));
  if (hooked.tf.length > 0) throw new Error(`require("@rl/credit") loaded TensorFlow.js modules:\n${hooked.tf.join("\n")}`);
  // @rl/core and @rl/credit carry their own (tree-shaken) copy of zod 4 in their bundles
  // (scripts/bundle.mjs); the app's zod is another copy. Schemas cross over both ways, and the
  // registry's zod-4 check is structural, so it still refuses a zod-3 schema.
  writeFileSync(
    join(dir, "zod.cjs"),
    'const { z } = require("zod");\n' +
      'const { grpoConfig } = require("@rl/credit");\n' +
      'const { RLError, parseConfig, defineDefinition } = require("@rl/core/arrays");\n' +
      'const code = (f) => { try { f(); return "ok"; } catch (e) { return RLError.isInstance(e) ? e.code : String(e); } };\n' +
      "const ours = z.object({ x: grpoConfig, n: z.number() }).parse({ x: { epsilon: 0.5 }, n: 1 });\n" +
      'const theirs = z.object({ per: z.number().default(0.01) });\n' +
      'const def = { kind: "reward-function", name: "acme/x", version: "1.0.0", specVersion: "v1", create: () => () => 0 };\n' +
      "console.log(JSON.stringify([ours.x.epsilon, ours.x.normalizeByStd, z.object({ x: grpoConfig }).safeParse({ x: { epsilon: -1 } }).success,\n" +
      '  parseConfig(theirs, {}, "smoke").per, code(() => parseConfig(theirs, { pre: 1 }, "smoke")), code(() => parseConfig(grpoConfig, { epsilonn: 1 }, "smoke")),\n' +
      '  code(() => defineDefinition({ ...def, configSchema: theirs })), code(() => defineDefinition({ ...def, configSchema: { _def: { typeName: "ZodObject" }, parse: () => ({}), safeParse: () => ({}) } })),\n' +
      '  code(() => defineDefinition({ ...def, configSchema: {} }))]));\n',
  );
  const zodOut = sh(process.execPath, ["zod.cjs"], dir).trim();
  const zodExpected = '[0.5,true,false,0.01,"INVALID_CONFIG","INVALID_CONFIG","ok","INVALID_CONFIG","INVALID_CONFIG"]';
  if (zodOut !== zodExpected) throw new Error(`zod schemas across the app's zod and @rl's bundled copies printed ${zodOut}, expected ${zodExpected}`);
  console.log("light install: schemas compose across the app's zod and @rl's bundled zod; zod-3 and foreign schemas are refused");
  const times = [];
  for (let i = 0; i < 5; i++) times.push(JSON.parse(sh(process.execPath, ["load.cjs"], dir)).ms);
  const median = times.sort((a, b) => a - b)[2];
  console.log(
    `light install: npm i @rl/credit = ${mb.toFixed(1)} MB of node_modules (target ≤ 60: met), no warnings, ` +
      `require("@rl/credit") loads no @tensorflow module and takes ${median.toFixed(0)} ms (median of 5; target ≤ 120 ms: ${median <= 120 ? "met" : "not met"})`,
  );
}

// @rl/serve (the reward server and queue workers) is packed apart from the four math packages: it
// brings fastify, bullmq and ioredis, which the light installs above must never see. Its tarball
// passes publint + attw, installs next to the @rl tarballs, its `rl-serve` bin runs and a server
// answers the OpenRLHF protocol in-process.
{
  const serveTarballs = join(work, "serve-tarball");
  mkdirSync(serveTarballs);
  sh("pnpm", ["pack", "--pack-destination", serveTarballs], join(root, "packages", "serve"));
  const serve = join(serveTarballs, sh("ls", [serveTarballs]).trim());
  sh(bin("publint"), ["run", serve, "--strict"], root);
  sh(bin("attw"), [serve, "--ignore-rules", "cjs-resolves-to-esm", "--format", "table-flipped"], root);
  sh("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", serve], esm);
  const help = sh(join(esm, "node_modules", ".bin", "rl-serve"), ["--help"], esm);
  if (!help.includes("rl-serve rewards --config")) throw new Error(`rl-serve --help printed:\n${help}`);
  writeFileSync(
    join(esm, "serve.mjs"),
    'import { createRewardServer, defineRewards } from "@rl/serve";\n' +
      "const app = createRewardServer(defineRewards({ rewards: { len: (item) => item.response.length } }));\n" +
      'const res = await app.inject({ method: "POST", url: "/get_reward", payload: { query: ["Q: hi", "Q: hello"], prompts: ["Q: ", "Q: "] } });\n' +
      "console.log(res.statusCode, JSON.stringify(res.json().rewards)); await app.close();\n",
  );
  const served = sh(process.execPath, ["serve.mjs"], esm).trim();
  if (served !== "200 [2,5]") throw new Error(`@rl/serve from its tarball printed "${served}", expected "200 [2,5]"`);
  console.log("@rl/serve: publint + attw ok, installed from its tarball, rl-serve --help and /get_reward ok");
}

// Build step of every published @rl package, after `tsc -b` (which emits the .d.ts files only):
// bundles the runtime JavaScript of each entry point with rolldown, from the TypeScript sources, into
// dist/ at the paths package.json names (`exports`, `bin`), with source maps. Run from a package's
// folder: `node ../../scripts/bundle.mjs [--inline zod,fp-ts]`. See docs/core-decisions.md,
// "The light install".
//
// - One file per entry point plus shared chunks (dist/chunks/), instead of tsc's one file per module:
//   Node's ESM loader costs ~1 ms per file, and `require("@rl/credit")` loaded ~160 of them.
// - Every bare specifier stays external (the app installs the dependencies and peers once), above
//   all the other @rl packages: one copy of @rl/core per app, so its registries and the `RLError`
//   class are shared. Entries of one package share modules through chunks, never copies.
// - The exceptions are inlined: tfjs-core's deep `dist/` imports (gradients and chained ops, which
//   Node ESM cannot resolve: core-decisions P4) and the packages named by `--inline` (zod: 95 ESM
//   files, 64 of them locales, when imported whole; fp-ts: `tryCatch` from a dozen CommonJS files).
//   They stay dependencies for the .d.ts files, which import their types.
// - Chunks are named by content, so a package whose sources have side effects (@rl/core: tf.ts,
//   the gradient registrations, the kernels) lists all of its dist/ JavaScript in `sideEffects`.
import { build } from "rolldown";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const pkgDir = process.cwd();
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));

/** Modules that are entry points without being in `exports` (loaded by URL at run time). */
const extraEntries = {
  "@rl/alignment": ["parallel/worker"], // createDataParallel starts `new URL("./worker.js", …)`
  "@rl/core": ["kernels/register"], // bench/kernels.bench.mjs switches the kernel implementation (not in `exports`)
};

/** Bare specifiers inlined into the bundle instead of left to the app's node_modules. */
const flag = process.argv.indexOf("--inline");
const inlined = flag === -1 ? [] : (process.argv[flag + 1] ?? "").split(",").filter(Boolean);
const inline = (id) => id.startsWith("@tensorflow/tfjs-core/dist/") || inlined.some((p) => id === p || id.startsWith(`${p}/`));

// dist/x/y.js ↔ src/x/y.ts for every runtime target in package.json.
const targets = new Set();
const walk = (v) => {
  if (typeof v === "string") {
    if (v.startsWith("./dist/") && v.endsWith(".js")) targets.add(v.slice("./dist/".length, -".js".length));
  } else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) if (k !== "types" && k !== "@rl/source") walk(x);
  }
};
walk(pkg.exports);
walk(pkg.bin);
for (const e of extraEntries[pkg.name] ?? []) targets.add(e);
const input = {};
for (const t of targets) {
  const src = join(pkgDir, "src", `${t}.ts`);
  if (!existsSync(src)) throw new Error(`bundle ${pkg.name}: no ${relative(pkgDir, src)} for dist/${t}.js`);
  input[t] = src;
}

// tsc's JavaScript of earlier builds (and of older checkouts) must not be published next to the bundle.
function removeJs(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) removeJs(p);
    else if (/\.(m?js)(\.map)?$/.test(name)) rmSync(p);
  }
}
removeJs(join(pkgDir, "dist"));

const bare = (id) => !id.startsWith(".") && !id.startsWith("/") && !id.startsWith("\0") && !/^[A-Za-z]:[\\/]/.test(id);
const result = await build({
  input,
  cwd: pkgDir,
  platform: "neutral",
  // What an inlined package imports is inlined too (tfjs-core's gradients need `long`, which is
  // tfjs-core's dependency, not ours), except tfjs-core itself: the registrations must land in the
  // app's one tfjs engine.
  external: (id, importer) =>
    bare(id) && !inline(id) && (id.startsWith("node:") || id === "@tensorflow/tfjs-core" || importer === undefined || !importer.includes("/node_modules/")),
  resolve: {
    extensionAlias: { ".js": [".ts", ".js"] },
    // fp-ts's CommonJS Either pulls in a dozen modules; its ES build lets the bundle keep `tryCatch` alone.
    alias: { "fp-ts/lib/Either.js": "fp-ts/es6/Either.js" },
  },
  // Our sources and tfjs's gradient registrations are kept whole where package.json says so.
  treeshake: { moduleSideEffects: (id) => (id.includes("@tensorflow/tfjs-core") ? true : undefined) },
  logLevel: "warn",
  output: {
    dir: join(pkgDir, "dist"),
    format: "esm",
    sourcemap: true,
    sourcemapExcludeSources: true, // src/ is published next to dist/
    entryFileNames: "[name].js",
    chunkFileNames: "chunks/[name]-[hash].js",
    comments: { legal: true, annotation: true, jsdoc: false },
  },
});

// A chunk that loads a sibling by URL (`new URL("./worker.js", import.meta.url)`) must sit where
// that sibling is: check every such URL against the files just written.
const dist = join(pkgDir, "dist");
for (const chunk of (Array.isArray(result) ? result : [result]).flatMap((r) => r.output)) {
  if (chunk.type !== "chunk") continue;
  for (const [, rel] of chunk.code.matchAll(/new URL\("(\.{1,2}\/[^"]+\.js)"/g)) {
    const target = join(dist, dirname(chunk.fileName), rel);
    if (!existsSync(target)) throw new Error(`bundle ${pkg.name}: dist/${chunk.fileName} loads ${rel}, but ${relative(pkgDir, target)} was not built`);
  }
}

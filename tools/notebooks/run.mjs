// `pnpm notebooks`: executes every examples/notebooks/*.ipynb headlessly with Debian's Jupyter
// (`jupyter nbconvert --execute`) under the Deno kernel (the documented default) and the tslab
// kernel (which type-checks every cell against the published .d.ts files), against the packed
// tarballs of the four packages installed into a fresh folder, as a user would install them.
// Fails on any error output (an exception, a tslab type error, or anything written to stderr);
// exports the Deno run of each notebook as HTML into docs/notebooks/.
//
//   node tools/notebooks/run.mjs [--kernel deno|tslab] [--only NAME] [--update-sources]
//                                [--work DIR] [--reuse] [--no-html]
//
// --update-sources writes the Deno outputs back into examples/notebooks/ (what GitHub renders).
// Results go to tools/notebooks/.notebooks-results.json, which scripts/test-summary.mjs counts.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packPackages, repoRoot } from "../../scripts/lib/pack-packages.mjs";
import { htmlPage, notebookIndexPage, notebookProblems, stripRunMetadata } from "./lib.mjs";

const here = new URL(".", import.meta.url).pathname;
const notebooksDir = join(repoRoot, "examples", "notebooks");
const htmlDir = join(repoRoot, "docs", "notebooks");
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const work = option("--work") ?? join(repoRoot, ".tmp", "notebooks");
const env = join(work, "env");
const jupyterPath = join(work, "jupyter");
// --reuse keeps an earlier install in --work (faster edit-run loops; CI always reinstalls).
const reuse = args.includes("--reuse") && existsSync(join(env, "node_modules", "@rl", "core"));
const kernels = option("--kernel") ? [option("--kernel")] : ["deno", "tslab"];
const only = option("--only");
const updateSources = args.includes("--update-sources");
for (const k of kernels) {
  if (k !== "deno" && k !== "tslab") throw new Error(`--kernel must be deno or tslab, got ${k}`);
}

// Debian's Jupyter (jupyter-nbconvert, python3-nbclient, jupyter-client, python3-ipykernel) lives
// under /usr/bin; a pyenv python3 earlier on PATH does not see those modules, so call it by path.
const nbconvert = process.env.JUPYTER_NBCONVERT ?? "/usr/bin/jupyter-nbconvert";
if (!existsSync(nbconvert)) {
  console.error(
    `notebooks: ${nbconvert} not found. Install Debian's Jupyter: apt-get install -y --no-install-recommends ` +
      "jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel (or set JUPYTER_NBCONVERT).",
  );
  process.exit(1);
}
const bin = (name) => {
  const p = join(here, "node_modules", ".bin", name);
  if (!existsSync(p)) throw new Error(`notebooks: ${p} is missing; run pnpm install at the repository root`);
  return p;
};

// 1. Pack the packages and install the tarballs (not workspace links) into a fresh folder, with
//    @types/node, which tslab needs for `console` and friends, and tfjs-layers (notebook 04's
//    LayersModel; an optional peer of @rl/core).
if (!reuse) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(env, { recursive: true });
  const tarballs = packPackages(join(work, "tarballs"));
  const rootPkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
  writeFileSync(
    join(env, "package.json"),
    JSON.stringify({ name: "rl-notebooks", private: true, type: "module", dependencies: { "@types/node": rootPkg.devDependencies["@types/node"], "@tensorflow/tfjs-layers": "4.22.0" } }, null, 2),
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], { cwd: env, stdio: ["ignore", "inherit", "inherit"] });
  console.log(`notebooks: installed ${tarballs.length} tarballs into ${env}`);
}

// 2. Kernelspecs, written by hand into a private JUPYTER_PATH (nothing in the user's Jupyter dir).
const specs = {
  deno: { argv: [bin("deno"), "jupyter", "--kernel", "--conn", "{connection_file}"], display_name: "Deno", language: "typescript" },
  tslab: { argv: [bin("tslab"), "kernel", "--config-path", "{connection_file}"], display_name: "TypeScript (tslab)", language: "typescript" },
};
for (const [name, spec] of Object.entries(specs)) {
  mkdirSync(join(jupyterPath, "kernels", name), { recursive: true });
  writeFileSync(join(jupyterPath, "kernels", name, "kernel.json"), JSON.stringify(spec, null, 2));
}
const childEnv = {
  ...process.env,
  JUPYTER_PATH: join(jupyterPath),
  DENO_DIR: join(work, "deno-cache"),
  DENO_NO_UPDATE_CHECK: "1",
  NO_COLOR: "1",
};

// 3. Execute each notebook under each kernel.
const notebooks = readdirSync(notebooksDir)
  .filter((f) => f.endsWith(".ipynb") && (only === undefined || f.startsWith(only)))
  .sort();
if (notebooks.length === 0) throw new Error(`notebooks: no notebook in ${notebooksDir}${only ? ` matching ${only}` : ""}`);
mkdirSync(htmlDir, { recursive: true });
const results = [];
for (const file of notebooks) {
  const name = file.replace(/\.ipynb$/, "");
  for (const kernel of kernels) {
    const input = join(env, file);
    copyFileSync(join(notebooksDir, file), input);
    const output = `${name}.${kernel}.ipynb`;
    const started = Date.now();
    const run = spawnSync(
      nbconvert,
      [
        "--to", "notebook", "--execute", "--allow-errors",
        `--ExecutePreprocessor.kernel_name=${kernel}`, "--ExecutePreprocessor.timeout=600",
        "--output-dir", env, "--output", output, input,
      ],
      { env: childEnv, encoding: "utf8" },
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    let problems;
    if (run.status !== 0) problems = [`nbconvert exited with ${run.status}:\n${run.stderr}`];
    else problems = notebookProblems(JSON.parse(readFileSync(join(env, output), "utf8")));
    results.push({ notebook: file, kernel, seconds: Number(seconds), problems });
    console.log(`  ${problems.length === 0 ? "ok  " : "FAIL"} ${file} [${kernel}] ${seconds} s`);
    for (const p of problems) console.log(`       ${p.split("\n").join("\n       ")}`);
    if (kernel === "deno" && problems.length === 0 && !args.includes("--no-html")) {
      const html = spawnSync(nbconvert, ["--to", "html", "--template", "basic", "--stdout", join(env, output)], { env: childEnv, encoding: "utf8", maxBuffer: 64 << 20 });
      if (html.status !== 0) {
        results.at(-1).problems.push(`HTML export failed:\n${html.stderr}`);
        console.log(`       HTML export failed:\n${html.stderr}`);
      } else {
        writeFileSync(join(htmlDir, `${name}.html`), htmlPage(name, html.stdout));
      }
      if (updateSources) writeFileSync(join(notebooksDir, file), stripRunMetadata(readFileSync(join(env, output), "utf8")));
    }
  }
}

// 4. docs/notebooks/index.html: every exported notebook with its title.
const pages = readdirSync(htmlDir).filter((f) => f.endsWith(".html") && f !== "index.html").sort();
writeFileSync(join(htmlDir, "index.html"), notebookIndexPage(pages.map((f) => ({ file: f, html: readFileSync(join(htmlDir, f), "utf8") }))));

const failed = results.filter((r) => r.problems.length > 0).length;
const passed = results.length - failed;
writeFileSync(join(here, ".notebooks-results.json"), JSON.stringify({ passed, failed, results }, null, 2));
console.log(`notebooks: ${passed} passed, ${failed} failed (${notebooks.length} notebooks × ${kernels.join(", ")})`);
process.exitCode = failed > 0 ? 1 : 0;

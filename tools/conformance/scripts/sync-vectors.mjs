#!/usr/bin/env node
// `pnpm conformance:sync [DIR]`: copies the public vector files (every *.json and README.md) from
// the project's shared folder (default `../shared/conformance` beside the repository) into the
// repository's copy `tools/conformance/vectors`, when they are missing there or differ. Without
// the shared folder it does nothing (a clone on its own machine keeps its copy).
// `vectorDrift` is also what tools/conformance/test/vectors.test.ts checks.
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const repoRoot = resolve(here, "../../..");
/** The repository's copy of the vectors. */
export const vectorsDir = resolve(repoRoot, "tools/conformance/vectors");
/** The project's shared vectors beside the repository. */
export const sharedVectorsDir = resolve(repoRoot, "../shared/conformance");
/** The command that brings the copy up to date. */
export const syncCommand = "pnpm conformance:sync";

/** Whether a file name is one of the public vector files (`*.json`, `README.md`). */
const isVectorFile = (name) => name.endsWith(".json") || name === "README.md";

/**
 * The files of `sharedDir` that are missing from `repoDir` or differ from it (byte for byte), as
 * `{ name, state: "missing" | "differs" }`, sorted by name; `null` when `sharedDir` does not exist.
 * @param {string} sharedDir
 * @param {string} repoDir
 * @returns {{ name: string, state: "missing" | "differs" }[] | null}
 */
export function vectorDrift(sharedDir = sharedVectorsDir, repoDir = vectorsDir) {
  if (!existsSync(sharedDir) || !statSync(sharedDir).isDirectory()) return null;
  const drift = [];
  for (const name of readdirSync(sharedDir).filter(isVectorFile).sort()) {
    const mine = join(repoDir, name);
    if (!existsSync(mine)) drift.push({ name, state: "missing" });
    else if (!readFileSync(join(sharedDir, name)).equals(readFileSync(mine))) drift.push({ name, state: "differs" });
  }
  return drift;
}

/**
 * Copies every drifted file of `sharedDir` into `repoDir`; returns the names copied (`null` when
 * `sharedDir` does not exist).
 * @param {string} sharedDir
 * @param {string} repoDir
 * @returns {string[] | null}
 */
export function syncVectors(sharedDir = sharedVectorsDir, repoDir = vectorsDir) {
  const drift = vectorDrift(sharedDir, repoDir);
  if (drift === null) return null;
  for (const { name } of drift) copyFileSync(join(sharedDir, name), join(repoDir, name));
  return drift.map((d) => d.name);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const from = process.argv[2] !== undefined ? resolve(process.cwd(), process.argv[2]) : sharedVectorsDir;
  const copied = syncVectors(from, vectorsDir);
  if (copied === null) console.log(`conformance:sync: ${from} does not exist; ${vectorsDir} is unchanged`);
  else if (copied.length === 0) console.log(`conformance:sync: ${vectorsDir} is up to date with ${from}`);
  else console.log(`conformance:sync: copied ${copied.join(", ")} from ${from} into ${vectorsDir}; commit them`);
}

// Packs the published @rl packages (and, on request, the example plugin) with `pnpm pack` into a
// folder and returns the tarball paths. Shared by pack-smoke.mjs and tools/notebooks/run.mjs so
// both test what users install from npm.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

export const repoRoot = new URL("../..", import.meta.url).pathname;
export const publishedPackages = ["core", "credit", "alignment", "rewards"];

/**
 * Packs `packages/{core,credit,alignment,rewards}` (plus `plugins/example-rank-advantages` when
 * `withPlugin`) into `destination` and returns the absolute paths of the `.tgz` files.
 */
export function packPackages(destination, { withPlugin = false } = {}) {
  mkdirSync(destination, { recursive: true });
  const dirs = publishedPackages.map((p) => join(repoRoot, "packages", p));
  if (withPlugin) dirs.push(join(repoRoot, "plugins", "example-rank-advantages"));
  for (const dir of dirs) {
    execFileSync("pnpm", ["pack", "--pack-destination", destination], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
  }
  return readdirSync(destination).filter((f) => f.endsWith(".tgz")).map((f) => join(destination, f));
}

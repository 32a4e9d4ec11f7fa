import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** One case of an `rl-conformance/1` vector file (see tools/conformance/vectors/README.md). */
export interface ConformanceCase {
  id: string;
  op: string;
  args: Record<string, unknown>;
  expected: Record<string, unknown>;
  tol: { abs: number; rel: number };
}

/** Where the repository keeps its copy of the public vectors, relative to the repository root. */
const conformanceVectorsPath = "tools/conformance/vectors";

/**
 * The folder of the reference vectors: `RL_CONFORMANCE_DIR` when set, else the repository's own
 * copy `tools/conformance/vectors` under the repository root (the nearest folder above `from`
 * holding `pnpm-workspace.yaml`). The copy is kept in step with the project's shared vectors by
 * `pnpm conformance:sync`, so a fresh clone needs nothing outside the repository.
 * @example
 * conformanceDir().endsWith("tools/conformance/vectors"); // true
 */
export function conformanceDir(from: string = process.cwd()): string {
  const env = process.env.RL_CONFORMANCE_DIR;
  if (env !== undefined && env !== "") return resolve(env);
  let dir = resolve(from);
  while (!existsSync(join(dir, "pnpm-workspace.yaml"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`conformanceDir: no pnpm-workspace.yaml above ${from}; set RL_CONFORMANCE_DIR`);
    dir = up;
  }
  return resolve(dir, conformanceVectorsPath);
}

/**
 * Every case of the given ops from every `*.json` vector file (all ops when `ops` is omitted),
 * with the README's default tolerance (abs 2e-4, rel 2e-4) where a case has none. Reads
 * {@link conformanceDir} by default (the repository's copy). Throws when the folder is missing,
 * so a test that depends on the vectors cannot pass vacuously.
 * @example
 * loadConformanceCases(["kl.estimate"]).length; // 12
 */
export function loadConformanceCases(ops?: readonly string[], dir: string = conformanceDir()): ConformanceCase[] {
  if (!existsSync(dir)) throw new Error(`loadConformanceCases: ${dir} does not exist; set RL_CONFORMANCE_DIR`);
  const wanted = ops === undefined ? undefined : new Set(ops);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .flatMap((f) => (JSON.parse(readFileSync(join(dir, f), "utf8")) as { cases: ConformanceCase[] }).cases)
    .filter((c) => wanted === undefined || wanted.has(c.op))
    .map((c) => ({ ...c, tol: Object.assign({ abs: 2e-4, rel: 2e-4 }, c.tol) }));
}

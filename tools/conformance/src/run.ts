import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { compareValues, defaultTolerance, isMatrixOfShape, type Tolerance } from "./compare.js";
import type { OpTable } from "./types.js";

/** One case of an `rl-conformance/1` file. */
export interface ConformanceCase {
  id: string;
  op: string;
  args: Record<string, unknown>;
  expected: Record<string, unknown>;
  tol?: Partial<Tolerance>;
}

/** Outcome of one case. */
export interface CaseResult {
  file: string;
  id: string;
  op: string;
  status: "passed" | "failed" | "skipped";
  message?: string;
}

/** Outcome of a run. */
export interface ConformanceReport {
  results: CaseResult[];
  passed: number;
  failed: number;
  skipped: number;
  /** Ops with no handler. */
  unknownOps: string[];
  /** Folders that did not exist. */
  missingDirs: string[];
  /** Files that were not valid conformance files. */
  badFiles: { file: string; message: string }[];
}

/** Runs one case against the op table. */
export async function runCase(file: string, c: ConformanceCase, ops: OpTable): Promise<CaseResult> {
  const handler = ops[c.op];
  if (handler === undefined) return { file, id: c.id, op: c.op, status: "skipped", message: "not implemented" };
  const tol: Tolerance = { ...defaultTolerance, ...c.tol };
  let got: Record<string, unknown>;
  try {
    got = await handler(c.args);
  } catch (error) {
    return { file, id: c.id, op: c.op, status: "failed", message: `threw: ${error instanceof Error ? error.message : String(error)}` };
  }
  const mask = c.args.mask;
  for (const [key, want] of Object.entries(c.expected)) {
    if (!(key in got)) return { file, id: c.id, op: c.op, status: "failed", message: `${key}: missing from the result` };
    // Padding carries no meaning: where args.mask has the expected matrix's shape, skip mask = 0.
    let ignore = (_: readonly number[]) => false;
    if (Array.isArray(mask) && Array.isArray(want) && isMatrixOfShape(want, mask.length, (mask[0] as unknown[] | undefined)?.length ?? 0)) {
      const m = mask as number[][];
      ignore = (ix) => ix.length === 2 && m[ix[0] as number]?.[ix[1] as number] === 0;
    }
    const mismatch = compareValues(want, got[key], tol, key, ignore);
    if (mismatch !== null) return { file, id: c.id, op: c.op, status: "failed", message: mismatch };
  }
  return { file, id: c.id, op: c.op, status: "passed" };
}

/** Runs every `*.json` vector file in `dirs` (non-recursive, sorted). */
export async function runConformance(dirs: readonly string[], ops: OpTable): Promise<ConformanceReport> {
  const report: ConformanceReport = { results: [], passed: 0, failed: 0, skipped: 0, unknownOps: [], missingDirs: [], badFiles: [] };
  for (const dir of dirs) {
    const info = await stat(dir).catch(() => null);
    if (info === null || !info.isDirectory()) {
      report.missingDirs.push(dir);
      continue;
    }
    const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
    for (const name of files) {
      const file = join(dir, name);
      let parsed: { format?: unknown; cases?: unknown };
      try {
        parsed = JSON.parse(await readFile(file, "utf8")) as typeof parsed;
      } catch (error) {
        report.badFiles.push({ file, message: `not valid JSON: ${(error as Error).message}` });
        continue;
      }
      if (parsed.format !== "rl-conformance/1" || !Array.isArray(parsed.cases)) {
        report.badFiles.push({ file, message: `not an rl-conformance/1 file (format ${JSON.stringify(parsed.format)})` });
        continue;
      }
      for (const c of parsed.cases as ConformanceCase[]) {
        const r = await runCase(name, c, ops);
        report.results.push(r);
        report[r.status]++;
        if (r.status === "skipped" && !report.unknownOps.includes(r.op)) report.unknownOps.push(r.op);
      }
    }
  }
  return report;
}

/** Per-op counts, for the summary table. */
export function summariseByOp(results: readonly CaseResult[]): Map<string, { passed: number; failed: number; skipped: number }> {
  const byOp = new Map<string, { passed: number; failed: number; skipped: number }>();
  for (const r of results) {
    const row = byOp.get(r.op) ?? { passed: 0, failed: 0, skipped: 0 };
    row[r.status]++;
    byOp.set(r.op, row);
  }
  return new Map([...byOp.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

// Loads the seed tables: every file in ./seeds/*.ts exports
//   `seeds: Record<pkg, Record<fnName, () => unknown[]>>`  (a valid call per function), and may export
//   `exempt: Record<pkg, Record<fnName, string>>`          (functions not fuzzed, with the reason shown
//                                                            in the table: not data functions, servers…),
//   `allowNonFinite: Record<pkg, Record<fnName, string>>`  (fuzzed, but a NaN / ±Inf result is legitimate
//                                                            and documented; the reason is shown).
// The files are merged; `base.ts` first, then the others in name order (a later file's seed for the
// same function wins, so a helper that changes a signature can re-seed it in its own file).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export type Seed = () => unknown[];
export type SeedTable = Record<string, Record<string, Seed>>;
export type ExemptTable = Record<string, Record<string, string>>;

interface SeedModule {
  seeds?: SeedTable;
  exempt?: ExemptTable;
  allowNonFinite?: ExemptTable;
}

/** The merged seed and exemption tables of ./seeds/*.ts, with the file each entry came from. */
export async function loadSeeds(): Promise<{ seeds: SeedTable; exempt: ExemptTable; allowNonFinite: ExemptTable; source: Record<string, string> }> {
  const dir = join(import.meta.dirname, "seeds");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .sort((a, b) => (a === "base.ts" ? -1 : b === "base.ts" ? 1 : a.localeCompare(b)));
  const seeds: SeedTable = {};
  const exempt: ExemptTable = {};
  const allowNonFinite: ExemptTable = {};
  const source: Record<string, string> = {};
  for (const f of files) {
    const m = (await import(pathToFileURL(join(dir, f)).href)) as SeedModule;
    for (const [pkg, table] of Object.entries(m.seeds ?? {})) {
      for (const [fn, seed] of Object.entries(table)) {
        (seeds[pkg] ??= {})[fn] = seed;
        source[`${pkg}.${fn}`] = f;
      }
    }
    for (const [pkg, table] of Object.entries(m.exempt ?? {})) Object.assign((exempt[pkg] ??= {}), table);
    for (const [pkg, table] of Object.entries(m.allowNonFinite ?? {})) Object.assign((allowNonFinite[pkg] ??= {}), table);
  }
  return { seeds, exempt, allowNonFinite, source };
}

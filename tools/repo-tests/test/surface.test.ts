import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Issue 16, item 6 ("a smaller surface"): the number of runtime names each built package exports
 * at its root (`Object.keys(await import("@rl/<pkg>"))`, types not counted), against the targets,
 * and explicit exports only: no `export * from` in an index or entry file of packages/*\/src
 * (`export * as ns from` names one namespace and is allowed). The counts are printed; the README
 * and docs/architecture.md quote them.
 */
const root = new URL("../../..", import.meta.url).pathname;

/** Root export targets (issue 16); `null`: counted, no target. */
const targets: Record<string, number | null> = {
  "@rl/core": null,
  "@rl/credit": 120,
  "@rl/alignment": 110,
  "@rl/rewards": 150,
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every index.ts under packages/*\/src, plus the source entry of every subpath in package.json "exports". */
function entryFiles(): string[] {
  const out = new Set<string>();
  for (const pkg of readdirSync(join(root, "packages"))) {
    const dir = join(root, "packages", pkg);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { exports?: Record<string, unknown> };
    for (const target of Object.values(manifest.exports ?? {})) {
      const source = typeof target === "object" && target !== null ? (target as Record<string, unknown>)["@rl/source"] : undefined;
      if (typeof source === "string") out.add(join(dir, source));
    }
    for (const f of filesUnder(join(dir, "src"))) if (f.endsWith("/index.ts")) out.add(f);
  }
  return [...out].sort();
}

describe("issue 16: a smaller surface", () => {
  it("each package's root exports at most its target number of names", async () => {
    const counts: Record<string, number> = {};
    for (const spec of Object.keys(targets)) counts[spec] = Object.keys((await import(spec)) as Record<string, unknown>).length;
    console.log(`root exports (Object.keys of the built package): ${Object.entries(counts).map(([p, n]) => `${p} ${n}${targets[p] != null ? ` (≤ ${targets[p]})` : ""}`).join(", ")}`);
    for (const [spec, target] of Object.entries(targets)) if (target !== null) expect(counts[spec], spec).toBeLessThanOrEqual(target);
  });

  it("index and entry files use explicit named exports (no `export * from`)", () => {
    const files = entryFiles();
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.flatMap((f) =>
      readFileSync(f, "utf8")
        .split("\n")
        .map((line, i) => ({ line, i }))
        .filter(({ line }) => /^\s*export\s+(type\s+)?\*\s+from\b/.test(line))
        .map(({ i }) => `${relative(root, f)}:${i + 1}`),
    );
    expect(offenders).toEqual([]);
  });
});

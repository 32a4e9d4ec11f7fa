import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM script without types
import { BEGIN, END, exportedConfigKeys } from "../scripts/glossary.mjs";

const glossary = readFileSync(new URL("../../../docs/glossary.md", import.meta.url), "utf8");

describe("docs/glossary.md", () => {
  it("lists every key of every exported config schema in its option index", async () => {
    const keys = (await exportedConfigKeys()) as Map<string, Set<string>>;
    const a = glossary.indexOf(BEGIN as string);
    const b = glossary.indexOf(END as string);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(a);
    const index = new Set([...glossary.slice(a, b).matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
    const missing = [...keys.keys()].filter((k) => !index.has(k));
    expect(missing, `options not in docs/glossary.md (run node tools/repo-tests/scripts/glossary.mjs --write, and use the glossary's name if the concept is listed): ${missing.join(", ")}`).toEqual([]);
    expect(keys.size).toBeGreaterThan(200);
  });

  it("names one canonical spelling per concept (no concept row lists its own name as an alias)", () => {
    const rows = [...glossary.matchAll(/^\| ([^|]+) \| ([^|]+) \| ([^|]*) \|/gm)].filter((m) => m[2]?.includes("`"));
    expect(rows.length).toBeGreaterThan(10);
    for (const m of rows) {
      const names = [...(m[2] as string).matchAll(/`([^`]+)`/g)].map((x) => x[1]);
      const aliases = [...(m[3] as string).matchAll(/`([^`]+)`/g)].map((x) => x[1]);
      for (const n of names) if (aliases.includes(n) && !/stays|since/.test(m[3] as string)) throw new Error(`${n} is both the name and an alias in "${m[1]}"`);
    }
  });
});

import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sharedVectorsDir, syncCommand, syncVectors, vectorDrift, vectorsDir } from "../scripts/sync-vectors.mjs";

describe("the repository's copy of the vectors (tools/conformance/vectors)", () => {
  it("holds every public vector file and its README", () => {
    const names = readdirSync(vectorsDir);
    expect(names).toContain("README.md");
    for (const f of ["credit-tree-process.json", "rewards-verl.json", "seed-repos.json", "trl-grpo-orpo.json", "verl-trl-core.json", "verl-trl-losses-2.json"]) {
      expect(names).toContain(f);
      expect((JSON.parse(readFileSync(join(vectorsDir, f), "utf8")) as { format: string }).format).toBe("rl-conformance/1");
    }
  });

  it(`matches ../shared/conformance when that folder exists (else run \`${syncCommand}\`)`, () => {
    const drift = vectorDrift();
    if (drift === null) return; // a clone without the shared folder: the copy is all there is
    const lines = drift.map((d) => `${d.name} (${d.state === "missing" ? "missing from" : "differs from"} ${vectorsDir})`);
    if (lines.length > 0) expect.fail(`${sharedVectorsDir} has newer vectors: ${lines.join(", ")}. Run \`${syncCommand}\` and commit the result.`);
  });

  it("vectorDrift and syncVectors report and copy missing and differing files, and nothing else", () => {
    const shared = mkdtempSync(join(tmpdir(), "shared-"));
    const mine = mkdtempSync(join(tmpdir(), "vectors-"));
    writeFileSync(join(shared, "a.json"), "{}");
    writeFileSync(join(shared, "b.json"), "[1]");
    writeFileSync(join(shared, "README.md"), "# v2");
    writeFileSync(join(shared, "notes.txt"), "not a vector file");
    writeFileSync(join(mine, "b.json"), "[1]");
    writeFileSync(join(mine, "README.md"), "# v1");
    expect(vectorDrift(join(shared, "nope"), mine)).toBeNull();
    expect(vectorDrift(shared, mine)).toEqual([
      { name: "README.md", state: "differs" },
      { name: "a.json", state: "missing" },
    ]);
    expect(syncVectors(shared, mine)).toEqual(["README.md", "a.json"]);
    expect(vectorDrift(shared, mine)).toEqual([]);
    expect(readFileSync(join(mine, "README.md"), "utf8")).toBe("# v2");
    expect(existsSync(join(mine, "notes.txt"))).toBe(false);
  });
});

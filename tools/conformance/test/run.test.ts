import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareValues } from "../src/compare.js";
import { allOps } from "../src/ops/index.js";
import { runCase, runConformance } from "../src/run.js";

const tol = { abs: 2e-4, rel: 2e-4 };

describe("compareValues", () => {
  it("applies |got − want| ≤ abs + rel·|want|", () => {
    expect(compareValues(100, 100.02, tol)).toBeNull();
    expect(compareValues(100, 100.03, tol)).toMatch(/expected 100, got 100.03/);
    expect(compareValues([[1, 2]], [[1, 2.1]], tol, "adv")).toMatch(/^adv\[0\]\[1\]/);
    expect(compareValues({ a: 1 }, {}, tol, "r")).toMatch(/r.a: missing/);
    expect(compareValues("x", "y", tol)).toMatch(/expected "x"/);
    expect(compareValues(null, 0, tol)).toMatch(/expected null/);
    expect(compareValues([1, 2], [1], tol)).toMatch(/expected 2 entries, got 1/);
  });
});

describe("runCase", () => {
  const op = { "test.identity": (a: Record<string, unknown>) => ({ out: a.x }) };

  it("passes, fails, skips unknown ops, and ignores padding under the mask", async () => {
    const base = { id: "c", op: "test.identity", args: { x: [[1, 99]], mask: [[1, 0]] } };
    expect((await runCase("f", { ...base, expected: { out: [[1, 0]] } }, op)).status).toBe("passed");
    expect((await runCase("f", { ...base, expected: { out: [[2, 0]] } }, op)).status).toBe("failed");
    expect((await runCase("f", { ...base, op: "nope", expected: {} }, op)).status).toBe("skipped");
    const thrown = await runCase("f", { ...base, expected: { out: 1 } }, { "test.identity": () => { throw new Error("boom"); } });
    expect(thrown).toMatchObject({ status: "failed", message: "threw: boom" });
  });

  it("runs a folder, reports missing folders and bad files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "conf-"));
    await writeFile(join(dir, "a.json"), JSON.stringify({ format: "rl-conformance/1", cases: [
      { id: "k", op: "kl.estimate", args: { logprobs: [[-1]], refLogprobs: [[-1.5]], kind: "k1" }, expected: { kl: [[0.5]] } },
      { id: "u", op: "unknown.op", args: {}, expected: {} },
    ] }));
    await writeFile(join(dir, "b.json"), "{ not json");
    const r = await runConformance([dir, join(dir, "missing")], allOps);
    expect(r.passed).toBe(1);
    expect(r.skipped).toBe(1);
    expect(r.unknownOps).toEqual(["unknown.op"]);
    expect(r.missingDirs).toEqual([join(dir, "missing")]);
    expect(r.badFiles.length).toBe(1);
  });
});

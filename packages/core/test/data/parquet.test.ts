import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RLError } from "../../src/errors.js";
import { readParquet, standardPreferenceSchema } from "../../src/data/index.js";
import { writeParquetFixture } from "./parquet-fixture.js";

const bytes = writeParquetFixture([
  { name: "prompt", type: "string", values: ["2+2?", "Capital of France?", "Hi"] },
  { name: "chosen", type: "string", values: ["4", "Paris", "Hello! ✓"] },
  { name: "rejected", type: "string", values: ["5", "Lyon", "Go away"] },
  { name: "margin", type: "double", values: [1.5, 0.25, 3] },
  { name: "votes", type: "int64", values: [3n, 9007199254740993n, -2n] },
  { name: "flag", type: "boolean", values: [true, false, true] },
]);

describe("readParquet", () => {
  it("reads every row of a file on disk and validates it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rl-parquet-"));
    const path = join(dir, "prefs.parquet");
    writeFileSync(path, bytes);
    const { records, errors } = await readParquet(path, standardPreferenceSchema);
    expect(errors).toEqual([]);
    expect(records.map((r) => [r.prompt, r.chosen, r.rejected, r.margin])).toEqual([
      ["2+2?", "4", "5", 1.5],
      ["Capital of France?", "Paris", "Lyon", 0.25],
      ["Hi", "Hello! ✓", "Go away", 3],
    ]);
  });

  it("converts safe int64 to numbers and keeps unsafe ones as bigint; bigint: keep keeps all", async () => {
    const { records } = await readParquet(bytes, undefined, { columns: ["votes", "flag"] });
    expect(records).toEqual([
      { votes: 3, flag: true },
      { votes: 9007199254740993n, flag: false },
      { votes: -2, flag: true },
    ]);
    const kept = await readParquet(bytes, undefined, { columns: ["votes"], bigint: "keep" });
    expect(kept.records[0]).toEqual({ votes: 3n });
  });

  it("reads a row range", async () => {
    const { records } = await readParquet(bytes.buffer as ArrayBuffer, undefined, { rowStart: 1, rowEnd: 2, columns: ["prompt"] });
    expect(records).toEqual([{ prompt: "Capital of France?" }]);
  });

  it("names the row and the field of a row failing the schema; onError chooses", async () => {
    const bad = writeParquetFixture([
      { name: "prompt", type: "string", values: ["a", "b", "c"] },
      { name: "chosen", type: "string", values: ["x", "y", "z"] },
      { name: "rejected", type: "double", values: [1, 2, 3] },
    ]);
    await expect(readParquet(bad, standardPreferenceSchema)).rejects.toThrow(/readParquet: row 1: rejected/);
    const collected = await readParquet(bad, standardPreferenceSchema, { onError: "collect" });
    expect(collected.records).toEqual([]);
    expect(collected.errors.map((e) => [e.line, e.error.code, e.error.issues[0]?.path])).toEqual([
      [1, "INVALID_INPUT", ["rejected"]],
      [2, "INVALID_INPUT", ["rejected"]],
      [3, "INVALID_INPUT", ["rejected"]],
    ]);
    const skipped = await readParquet(bad, standardPreferenceSchema, { onError: "skip" });
    expect(skipped).toEqual({ records: [], errors: [] });
  });

  it("reports a missing file as IO and a non-Parquet file as PARSE", async () => {
    const err1 = await readParquet("/nonexistent/x.parquet").catch((e: unknown) => e);
    expect(RLError.isInstance(err1) && err1.code).toBe("IO");
    const err2 = await readParquet(new TextEncoder().encode("not parquet at all")).catch((e: unknown) => e);
    expect(RLError.isInstance(err2) && err2.code).toBe("PARSE");
  });
});

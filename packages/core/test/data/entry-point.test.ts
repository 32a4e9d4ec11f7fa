import { describe, expect, it } from "vitest";
import * as data from "@rl/core/data";

describe("@rl/core/data entry point", () => {
  it("resolves by package name and exposes the public API", () => {
    for (const name of ["readJsonl", "openJsonlWriter", "writeJsonlAtomic", "readParquet", "toPreferencePair", "starsToPairs", "detectPreferenceFormat"]) {
      expect(typeof (data as Record<string, unknown>)[name]).toBe("function");
    }
  });

  it("docs/core/data.md stars example prints what the docs say", () => {
    const r = data.starsToPairs([
      { prompt: "p", response: "a", stars: 5, userId: "u1" },
      { prompt: "p", response: "a", stars: 3, userId: "u2" },
      { prompt: "p", response: "b", stars: 2 },
      { prompt: "p", response: "c", stars: 2 },
    ]);
    expect(r).toEqual({
      pairs: [
        { prompt: "p", chosen: "a", rejected: "b", margin: 2 },
        { prompt: "p", chosen: "a", rejected: "c", margin: 2 },
      ],
      ties: [{ prompt: "p", a: "b", b: "c", score: 2 }],
      duplicates: 0,
      conflicts: [],
    });
  });

  it("docs reader error message", async () => {
    const reader = data.readJsonl(['{"prompt":"p","chosen":"a","rejected":"b"}\n\n{"prompt":"p","chosen":1,"rejected":"b"}'], data.standardPreferenceSchema, {
      onError: "collect",
    });
    for await (const _ of reader) void _;
    expect(reader.errors.map((e) => e.error.message)).toEqual(["readJsonl: line 3: chosen: Invalid input: expected string, received number"]);
  });
});

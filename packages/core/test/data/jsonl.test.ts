import { mkdtempSync, readFileSync, writeFileSync, readdirSync, existsSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RLError } from "../../src/errors.js";
import {
  openJsonlWriter,
  parseJsonlLine,
  readJsonl,
  readJsonlAll,
  standardPreferenceSchema,
  toJsonlLine,
  writeFileAtomic,
  writeJsonlAtomic,
} from "../../src/data/index.js";

const tmp = (): string => mkdtempSync(join(tmpdir(), "rl-jsonl-"));
const good = (i: number) => ({ prompt: `p${i}`, chosen: `c${i}`, rejected: `r${i}` });
const enc = new TextEncoder();

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const text = [
  JSON.stringify(good(1)),
  "",
  JSON.stringify({ prompt: "p3", chosen: 3, rejected: "r3" }),
  "{not json",
  JSON.stringify(good(5)),
].join("\n");

describe("readJsonl", () => {
  it("stops at the first bad line, naming the 1-based line and the field (INVALID_INPUT)", async () => {
    const err = await collect(readJsonl([text], standardPreferenceSchema)).catch((e: unknown) => e);
    expect(RLError.isInstance(err)).toBe(true);
    const e = err as RLError;
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toMatch(/^readJsonl: line 3: chosen: /);
    expect(e.issues[0]?.path).toEqual(["chosen"]);
  });

  it("collects bad lines with their numbers (PARSE for bad JSON) and yields the good ones", async () => {
    const reader = readJsonl([text], standardPreferenceSchema, { onError: "collect" });
    expect(await collect(reader)).toEqual([good(1), good(5)]);
    expect(reader.errors.map((x) => [x.line, x.error.code])).toEqual([
      [3, "INVALID_INPUT"],
      [4, "PARSE"],
    ]);
    expect(reader.errors[1]?.error.message).toMatch(/^readJsonl: line 4: invalid JSON/);
  });

  it("skips bad lines silently with onError: skip", async () => {
    const reader = readJsonl([text], standardPreferenceSchema, { onError: "skip" });
    expect(await collect(reader)).toEqual([good(1), good(5)]);
    expect(reader.errors).toEqual([]);
  });

  it("splits lines across arbitrary byte chunks (multi-byte UTF-8, CRLF, BOM, no final newline)", async () => {
    const recs = [{ a: "héllo ✓ 𝄞" }, { a: "x\ny" }, { a: "" }];
    const body = "\uFEFF" + recs.map((r) => JSON.stringify(r)).join("\r\n");
    const bytes = enc.encode(body);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: bytes.length }), { maxLength: 8 }), async (cuts) => {
        const points = [0, ...[...new Set(cuts)].sort((a, b) => a - b), bytes.length];
        const chunks = points.slice(1).map((p, i) => bytes.slice(points[i] as number, p));
        expect(await collect(readJsonl(chunks))).toEqual(recs);
      }),
      { numRuns: 50 },
    );
  });

  it("reads a file path and a Web ReadableStream", async () => {
    const dir = tmp();
    const path = join(dir, "a.jsonl");
    writeFileSync(path, [good(1), good(2)].map((r) => JSON.stringify(r)).join("\n") + "\n");
    expect((await readJsonlAll(path, standardPreferenceSchema)).records).toEqual([good(1), good(2)]);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode(JSON.stringify(good(1)) + "\n" + JSON.stringify(good(2)).slice(0, 5)));
        c.enqueue(enc.encode(JSON.stringify(good(2)).slice(5)));
        c.close();
      },
    });
    expect(await collect(readJsonl(stream, standardPreferenceSchema))).toEqual([good(1), good(2)]);
  });

  it("reports a missing file as IO", async () => {
    const err = await readJsonlAll("/nonexistent/dir/x.jsonl").catch((e: unknown) => e);
    expect(RLError.isInstance(err) && err.code).toBe("IO");
  });

  it("fuzz: arbitrary lines never crash; every error is an RLError naming a real line", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.string(), fc.json()), { maxLength: 8 }), async (lines) => {
        const reader = readJsonl([lines.join("\n")], standardPreferenceSchema, { onError: "collect" });
        const recs = await collect(reader);
        const nonBlank = lines.filter((l) => l.split("\n").some((x) => x.replace(/\r$/, "").trim() !== "")).length;
        for (const e of reader.errors) {
          expect(RLError.isInstance(e.error)).toBe(true);
          expect(e.error.message).toContain(`line ${e.line}:`);
          expect(["PARSE", "INVALID_INPUT"]).toContain(e.error.code);
        }
        expect(recs.length + reader.errors.length).toBeGreaterThanOrEqual(Math.min(1, nonBlank));
      }),
      { numRuns: 100 },
    );
  });

  it("parseJsonlLine without a schema returns the JSON value", () => {
    expect(parseJsonlLine("[1,2]", 1)).toEqual([1, 2]);
    expect(() => parseJsonlLine("nope", 9)).toThrow(/line 9: invalid JSON/);
  });
});

describe("openJsonlWriter", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("round-trips records through a file, line by line (property)", async () => {
    const dir = tmp();
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ prompt: fc.string(), chosen: fc.string(), rejected: fc.string() }), { maxLength: 10 }), async (recs) => {
        const path = join(dir, `p${k++}.jsonl`);
        const w = await openJsonlWriter(path, standardPreferenceSchema);
        expect(await w.writeAll(recs)).toBe(recs.length);
        await w.close();
        expect((await readJsonlAll(path, standardPreferenceSchema)).records).toEqual(recs);
      }),
      { numRuns: 30 },
    );
  });

  it("rejects a bad record (schema or not JSON-serialisable) without losing earlier ones, and stays usable", async () => {
    const path = join(tmp(), "w.jsonl");
    const w = await openJsonlWriter(path, standardPreferenceSchema);
    await w.write(good(1));
    await expect(w.write({ prompt: "p", chosen: 2 } as never)).rejects.toThrow(/openJsonlWriter: invalid record: chosen/);
    await w.write(good(2));
    await w.close();
    const raw = openJsonlWriter(join(tmp(), "raw.jsonl"));
    const w2 = await raw;
    await w2.write({ a: 1 });
    await expect(w2.write({ a: 1n })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await w2.close();
    expect(readFileSync(path, "utf8")).toBe(JSON.stringify(good(1)) + "\n" + JSON.stringify(good(2)) + "\n");
  });

  it("keeps every record written before an I/O failure mid-line, and no partial line", async () => {
    const path = join(tmp(), "fail.jsonl");
    const probe = await open(join(tmp(), "probe"), "w");
    const proto = Object.getPrototypeOf(probe) as { write: (...a: unknown[]) => Promise<{ bytesWritten: number }> };
    await probe.close();
    const realWrite = proto.write;
    let calls = 0;
    vi.spyOn(proto, "write").mockImplementation(async function (this: unknown, ...args: unknown[]) {
      calls++;
      if (calls === 4) {
        // write half of the line, then fail
        const [buf, off, len] = args as [Uint8Array, number, number];
        await realWrite.call(this, buf, off, Math.floor(len / 2));
        throw new Error("ENOSPC: injected");
      }
      return realWrite.apply(this, args);
    });
    const w = await openJsonlWriter(path, standardPreferenceSchema);
    const recs = [good(1), good(2), good(3), good(4), good(5)];
    const err = await w.writeAll(recs).catch((e: unknown) => e);
    expect(RLError.isInstance(err) && err.code).toBe("IO");
    expect((err as Error).message).toMatch(/record 4/);
    expect(w.count).toBe(3);
    await expect(w.write(good(6))).rejects.toThrow(/an earlier write/);
    await w.close();
    vi.restoreAllMocks();
    expect(readFileSync(path, "utf8")).toBe(recs.slice(0, 3).map((r) => JSON.stringify(r) + "\n").join(""));
  });

  it("appends to an existing file, adding a missing final newline; append: false truncates", async () => {
    const path = join(tmp(), "a.jsonl");
    writeFileSync(path, JSON.stringify(good(1)));
    const w = await openJsonlWriter(path, undefined, { sync: "record" });
    await w.write(good(2));
    await w.flush();
    await w.close();
    await expect(w.write(good(3))).rejects.toThrow(/after close/);
    expect((await readJsonlAll(path)).records).toEqual([good(1), good(2)]);
    const w2 = await openJsonlWriter(path, undefined, { append: false });
    await w2.write(good(9));
    await w2.close();
    expect((await readJsonlAll(path)).records).toEqual([good(9)]);
  });

  it("serialises writes that are not awaited", async () => {
    const path = join(tmp(), "c.jsonl");
    const w = await openJsonlWriter(path);
    await Promise.all(Array.from({ length: 20 }, (_, i) => w.write(good(i))));
    await w.close();
    expect((await readJsonlAll(path)).records).toEqual(Array.from({ length: 20 }, (_, i) => good(i)));
  });

  it("rejects an unknown config key", async () => {
    await expect(openJsonlWriter(join(tmp(), "x"), undefined, { appendd: true } as never)).rejects.toMatchObject({ code: "INVALID_CONFIG" });
  });
});

describe("writeFileAtomic / writeJsonlAtomic", () => {
  it("replaces a file whole and leaves no temporary file", async () => {
    const dir = tmp();
    const path = join(dir, "d.jsonl");
    writeFileSync(path, "old\n");
    expect(await writeJsonlAtomic(path, [good(1), good(2)], standardPreferenceSchema)).toBe(2);
    expect((await readJsonlAll(path, standardPreferenceSchema)).records).toEqual([good(1), good(2)]);
    expect(readdirSync(dir)).toEqual(["d.jsonl"]);
  });

  it("leaves the old file untouched when a record is bad or the stream throws", async () => {
    const dir = tmp();
    const path = join(dir, "d.jsonl");
    writeFileSync(path, "old\n");
    const err = await writeJsonlAtomic(path, [good(1), { prompt: 1 } as never], standardPreferenceSchema).catch((e: unknown) => e);
    expect(RLError.isInstance(err) && err.code).toBe("INVALID_INPUT");
    expect((err as Error).message).toMatch(/record 2.*prompt/);
    async function* failing(): AsyncGenerator<string> {
      yield "a\n";
      throw new Error("boom");
    }
    await expect(writeFileAtomic(path, failing())).rejects.toMatchObject({ code: "IO" });
    expect(readFileSync(path, "utf8")).toBe("old\n");
    expect(readdirSync(dir)).toEqual(["d.jsonl"]);
  });

  it("creates a new file from text or bytes; a missing folder is IO", async () => {
    const dir = tmp();
    await writeFileAtomic(join(dir, "t.txt"), "hi");
    await writeFileAtomic(join(dir, "b.bin"), new Uint8Array([1, 2]));
    expect(readFileSync(join(dir, "t.txt"), "utf8")).toBe("hi");
    expect([...readFileSync(join(dir, "b.bin"))]).toEqual([1, 2]);
    await expect(writeFileAtomic(join(dir, "no", "x"), "hi")).rejects.toMatchObject({ code: "IO" });
    expect(existsSync(join(dir, "no"))).toBe(false);
  });

  it("toJsonlLine writes one line per record", () => {
    expect(toJsonlLine({ a: "x\ny" })).toBe('{"a":"x\\ny"}\n');
    expect(() => toJsonlLine(undefined)).toThrow(/not JSON-serialisable/);
  });
});

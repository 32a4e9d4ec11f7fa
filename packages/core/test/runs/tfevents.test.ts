import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeTfEvent, decodeTfRecords, encodeTfEvent, encodeTfRecord, tensorboardMetricsSink } from "../../src/runs/index.js";

// An independent reader, written from the format's description: TFRecord framing with masked
// CRC-32C (pure Python, bitwise), then the Event / Summary / Value protobuf fields we write.
const pythonReader = String.raw`
import json, struct, sys

def crc32c(data):
    c = 0xFFFFFFFF
    for byte in data:
        c ^= byte
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    return c ^ 0xFFFFFFFF

def masked(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF

def varint(b, i):
    shift = result = 0
    while True:
        x = b[i]; i += 1
        result |= (x & 0x7F) << shift
        shift += 7
        if x < 0x80:
            return result, i

def fields(b):
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        f, w = key >> 3, key & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 1:
            v = b[i:i + 8]; i += 8
        elif w == 5:
            v = b[i:i + 4]; i += 4
        elif w == 2:
            n, i = varint(b, i)
            v = b[i:i + n]; i += n
        else:
            raise ValueError("wire type %d" % w)
        yield f, w, v

data = open(sys.argv[1], "rb").read()
events, off = [], 0
while off < len(data):
    header = data[off:off + 8]
    (length,) = struct.unpack("<Q", header)
    assert struct.unpack("<I", data[off + 8:off + 12])[0] == masked(header), "length crc"
    body = data[off + 12:off + 12 + length]
    assert struct.unpack("<I", data[off + 12 + length:off + 16 + length])[0] == masked(body), "data crc"
    off += 16 + length
    ev = {"step": 0}
    for f, w, v in fields(body):
        if f == 1: ev["wall_time"] = struct.unpack("<d", v)[0]
        elif f == 2: ev["step"] = v
        elif f == 3: ev["file_version"] = v.decode()
        elif f == 5:
            ev["values"] = {}
            for _, _, value in fields(v):
                tag, x = None, None
                for vf, _, vv in fields(value):
                    if vf == 1: tag = vv.decode()
                    elif vf == 2: x = struct.unpack("<f", vv)[0]
                ev["values"][tag] = x
    events.append(ev)
print(json.dumps(events))
`;

const hasPython = spawnSync("python3", ["--version"]).status === 0;

describe("TensorBoard event files", () => {
  it("frames records as TFRecord: u64 length, masked CRC-32C of the length, data, masked CRC-32C of the data", () => {
    // CRC-32C("123456789") = 0xE3069283 (the standard check value); masked = rotr15 + 0xa282ead8.
    const check = new TextEncoder().encode("123456789");
    const rec = encodeTfRecord(check);
    const view = new DataView(rec.buffer);
    expect(view.getUint32(0, true)).toBe(9);
    expect(view.getUint32(4, true)).toBe(0);
    const c = 0xe3069283;
    expect(view.getUint32(12 + 9, true)).toBe(((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
    expect(decodeTfRecords(rec)).toEqual([check]);
  });

  it("property: decode(encode(event)) gives the event back (scalars as float32)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.double({ min: 0, max: 2e9, noNaN: true }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.float({ noNaN: true, noDefaultInfinity: true })),
        (step, wallTime, scalars) => {
          const back = decodeTfEvent(decodeTfRecords(encodeTfRecord(encodeTfEvent({ wallTime, step, scalars })))[0] as Uint8Array);
          expect(back.step).toBe(step);
          expect(back.wallTime).toBe(wallTime);
          expect(back.scalars).toEqual(Object.fromEntries(Object.entries(scalars).map(([k, v]) => [k, Math.fround(v)])));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a cut-short or corrupted file is a PARSE error naming the record", () => {
    const two = new Uint8Array([...encodeTfRecord(Uint8Array.of(1, 2)), ...encodeTfRecord(Uint8Array.of(3))]);
    expect(() => decodeTfRecords(two.subarray(0, two.length - 2))).toThrow(/record 1 \(byte 18\) is cut short/);
    const bad = two.slice();
    bad[12] = 9;
    expect(() => decodeTfRecords(bad)).toThrow(/record 0 \(byte 0\) has a bad data CRC/);
    expect(() => encodeTfEvent({ wallTime: 0, step: -1 })).toThrow(/step must be a non-negative integer/);
  });

  it("the sink writes one event per step under TRL's names; a non-finite metric writes nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rl-tb-"));
    let t = 1_700_000_000;
    const sink = await tensorboardMetricsSink(dir, { prefix: "train/", wallTime: () => (t += 0.5) });
    await sink.log(1, { loss: 0.6931, gradNorm: 1.25, learningRate: 1e-3 });
    await sink.log(2, { loss: 0.5, "rewards/chosen": -0.25 });
    const size = (await stat(sink.path)).size;
    await expect(sink.log(3, { loss: Number.NaN })).rejects.toThrow(/metric loss at step 3 is NaN/);
    await sink.close();
    expect((await stat(sink.path)).size).toBe(size);
    expect((await readdir(dir))[0]).toMatch(/^events\.out\.tfevents\.1700000000\./);
    const events = decodeTfRecords(new Uint8Array(await readFile(sink.path))).map(decodeTfEvent);
    expect(events[0]).toEqual({ wallTime: 1_700_000_000.5, step: 0, fileVersion: "brain.Event:2" });
    expect(events.slice(1)).toEqual([
      { wallTime: 1_700_000_001, step: 1, scalars: { "train/loss": Math.fround(0.6931), "train/grad_norm": 1.25, "train/learning_rate": Math.fround(1e-3) } },
      { wallTime: 1_700_000_001.5, step: 2, scalars: { "train/loss": 0.5, "train/rewards/chosen": -0.25 } },
    ]);
    if (!hasPython) return;
    // An independent reader (Python: struct + a bitwise CRC-32C) reads the same file.
    const py = spawnSync("python3", ["-c", pythonReader, sink.path], { encoding: "utf8" });
    expect(py.stderr).toBe("");
    expect(JSON.parse(py.stdout)).toEqual([
      { step: 0, wall_time: 1_700_000_000.5, file_version: "brain.Event:2" },
      { step: 1, wall_time: 1_700_000_001, values: { "train/loss": Math.fround(0.6931), "train/grad_norm": 1.25, "train/learning_rate": Math.fround(1e-3) } },
      { step: 2, wall_time: 1_700_000_001.5, values: { "train/loss": 0.5, "train/rewards/chosen": -0.25 } },
    ]);
  });
});

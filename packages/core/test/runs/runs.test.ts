import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng, tf, type RngState } from "../../src/index.js";
import {
  decodeCheckpoint,
  decodeSafetensors,
  encodeCheckpoint,
  encodeSafetensors,
  jsonlMetricsSink,
  loadCheckpoint,
  memoryMetricsSink,
  metricsRecord,
  restoreCheckpoint,
  saveCheckpoint,
} from "../../src/runs/index.js";

/** A safetensors file written by hand from the format's description (not by our encoder). */
function handMade(header: object, data: number[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe("safetensors", () => {
  it("reads a hand-made file: F32, BF16, F16, I64 and metadata", () => {
    const bytes = handMade(
      {
        __metadata__: { format: "pt" },
        a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
        b: { dtype: "BF16", shape: [1], data_offsets: [4, 6] },
        c: { dtype: "F16", shape: [2], data_offsets: [6, 10] },
        d: { dtype: "I64", shape: [1], data_offsets: [10, 18] },
      },
      [0, 0, 0xc0, 0x3f, 0xc0, 0x3f, 0x00, 0x3e, 0x00, 0xbc, 7, 0, 0, 0, 0, 0, 0, 0],
    );
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: "pt" });
    expect(Array.from(tensors.a?.data ?? [])).toEqual([1.5]);
    expect(Array.from(tensors.b?.data ?? [])).toEqual([1.5]);
    expect(Array.from(tensors.c?.data ?? [])).toEqual([1.5, -1]);
    expect(Array.from(tensors.d?.data ?? [])).toEqual([7]);
  });

  it("writes what the format says: u64 header length, 8-byte aligned JSON header, little-endian data in name order", () => {
    const bytes = encodeSafetensors({ z: { shape: [1], data: Int32Array.of(-2) }, a: { shape: [1], data: Float32Array.of(1.5) } }, { k: "v" });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: number[] }>;
    expect(header.a?.data_offsets).toEqual([0, 4]);
    expect(header.z?.data_offsets).toEqual([4, 8]);
    expect(Array.from(bytes.subarray(8 + n))).toEqual([0, 0, 0xc0, 0x3f, 0xfe, 0xff, 0xff, 0xff]);
  });

  it("property: decode(encode(x)) = x", () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { maxLength: 12 }), fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 5 }), (f, i) => {
        const back = decodeSafetensors(encodeSafetensors({ f: { shape: [f.length], data: Float32Array.from(f) }, i: { shape: [i.length], data: Int32Array.from(i) } }));
        expect(Array.from(back.tensors.f?.data ?? [])).toEqual(Array.from(Float32Array.from(f)));
        expect(Array.from(back.tensors.i?.data ?? [])).toEqual(i);
      }),
    );
  });

  it("a truncated or malformed file is a PARSE error naming the tensor", () => {
    const bytes = encodeSafetensors({ w: { shape: [4], data: new Float32Array(4) } });
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 1))).toThrow(/w \[4\] F32 needs 16 bytes/);
    expect(() => decodeSafetensors(bytes.subarray(0, 5))).toThrow(/not a safetensors file/);
    expect(() => decodeSafetensors(handMade({ w: { dtype: "Q4", shape: [1], data_offsets: [0, 1] } }, [0]))).toThrow(/w has dtype Q4/);
    expect(() => encodeSafetensors({ w: { shape: [3], data: new Float32Array(4) } })).toThrow(/shape \[3\]/);
  });
});

/** A tiny "training run": SGD with momentum on two variables, with rng noise in the data. */
function run(seed: number) {
  const w = tf.variable(tf.tensor2d([[0.5, -0.3], [0.1, 0.2]]), true);
  const b = tf.variable(tf.tensor1d([0, 0]), true);
  const state = { step: 0, momentum: [tf.variable(tf.zeros([2, 2]), false), tf.variable(tf.zeros([2]), false)], beta: 0.9 };
  let rng = createRng(seed);
  const stepOnce = (): number => {
    const x = tf.tensor2d([[rng.normal(), rng.normal()]]);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.add(tf.matMul(x, w), b))) as tf.Scalar, [w, b]);
    const loss = value.dataSync()[0] as number;
    [w, b].forEach((v, i) => {
      const m = state.momentum[i] as tf.Variable;
      tf.tidy(() => {
        m.assign(tf.add(tf.mul(m, state.beta), grads[v.name] as tf.Tensor));
        v.assign(tf.sub(v, tf.mul(m, 0.1)));
      });
    });
    tf.dispose([x, value, ...Object.values(grads)]);
    state.step += 1;
    return loss;
  };
  return {
    w,
    b,
    state,
    stepOnce,
    get rng() {
      return rng;
    },
    set rng(r) {
      rng = r;
    },
    dispose: () => tf.dispose([w, b, ...state.momentum]),
  };
}

describe("checkpoints", () => {
  it("save → fresh process state → load → the next steps give identical numbers (variables, optimizer, step, RNG)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rl-ckpt-"));
    const path = join(dir, "ckpt.safetensors");
    const a = run(1);
    for (let i = 0; i < 3; i++) a.stepOnce();
    await saveCheckpoint(path, { variables: { w: a.w, b: a.b }, optimizerState: a.state, step: a.state.step, rng: a.rng, metadata: { lr: 0.1, note: "ünïcode" } });
    const next = [a.stepOnce(), a.stepOnce()];
    const weights = [...a.w.dataSync(), ...a.b.dataSync()];

    const b = run(999); // another seed: everything differs until restored
    const restored = restoreCheckpoint(await loadCheckpoint(path), { variables: { w: b.w, b: b.b }, optimizerState: b.state });
    expect(restored.step).toBe(3);
    expect(restored.metadata).toEqual({ lr: 0.1, note: "ünïcode" });
    expect(restored.optimizerState?.step).toBe(3);
    b.state.step = restored.optimizerState?.step ?? 0;
    b.rng = restored.rng ?? b.rng;
    expect([b.stepOnce(), b.stepOnce()]).toEqual(next);
    expect([...b.w.dataSync(), ...b.b.dataSync()]).toEqual(weights);
    a.dispose();
    b.dispose();
  });

  it("the RNG resumes mid Box–Muller pair: an odd number of normal() draws before the save", () => {
    const rng = createRng(5);
    rng.normal();
    const ckpt = decodeCheckpoint(encodeCheckpoint({ variables: [], step: 1, rng }));
    expect(ckpt.rng).toHaveLength(5);
    const w = restoreCheckpoint(ckpt, { variables: [] }).rng;
    expect([w?.normal(), w?.normal(), w?.uniform()]).toEqual([rng.normal(), rng.normal(), rng.uniform()]);
    expect(() => encodeCheckpoint({ variables: [], step: 0, rng: [1, 2, 3] as unknown as RngState })).toThrow(/rng must be an Rng/);
  });

  it("restore is all or nothing: a shape mismatch assigns nothing", () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const v = tf.variable(tf.tensor1d([3, 4, 5]));
    const ckpt = decodeCheckpoint(encodeCheckpoint({ variables: [tf.tensor1d([9, 9]), tf.tensor1d([9, 9])], step: 0 }));
    expect(() => restoreCheckpoint(ckpt, { variables: [w, v] })).toThrow(/variables\.1 is \[3\], the checkpoint has \[2\]/);
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
    expect(() => restoreCheckpoint(ckpt, { variables: [w] })).toThrow(/2 variables, the target 1/);
    tf.dispose([w, v]);
  });

  it("names what it cannot store; refuses a file that is not a checkpoint; leaks nothing", async () => {
    const before = tf.memory().numTensors;
    const t = tf.scalar(1);
    expect(() => encodeCheckpoint({ variables: [t], step: 0, optimizerState: { lr: Number.NaN } })).toThrow(/optimizer\/lr is NaN/);
    expect(() => encodeCheckpoint({ variables: [t], step: 0, optimizerState: { f: () => 1 } })).toThrow(/optimizer\/f is a function/);
    expect(() => encodeCheckpoint({ variables: [t], step: -1 })).toThrow(/step must be a non-negative integer/);
    expect(() => decodeCheckpoint(encodeSafetensors({ w: { shape: [1], data: Float32Array.of(1) } }))).toThrow(/not an @rl\/core\/checkpoint file/);
    await expect(loadCheckpoint("/nonexistent/ckpt.safetensors")).rejects.toThrow(/cannot read/);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("a save that fails half-way leaves the previous checkpoint whole and no temporary file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rl-ckpt-"));
    const path = join(dir, "ckpt.safetensors");
    const big = tf.zeros([64, 64]);
    await saveCheckpoint(path, { variables: [big], step: 1 });
    const good = await readFile(path);
    const ones = tf.ones([64, 64]);
    const failing = saveCheckpoint(path, { variables: [ones], step: 2 }, {
      chunkSize: 1024,
      onChunkWritten: (written) => {
        if (written >= 4096) throw new Error("disk full");
      },
    });
    await expect(failing).rejects.toThrow(/disk full/);
    expect(Buffer.compare(await readFile(path), good)).toBe(0);
    expect((await loadCheckpoint(path)).step).toBe(1);
    expect(await readdir(dir)).toEqual(["ckpt.safetensors"]);
    tf.dispose([big, ones]);
  });
});

describe("metrics sinks", () => {
  it("records use TRL's names and refuse non-finite values", async () => {
    expect(metricsRecord(3, { loss: 0.5, gradNorm: 1.2, learningRate: 1e-3, "rewards/chosen": 0.1 })).toEqual({ step: 3, loss: 0.5, grad_norm: 1.2, learning_rate: 1e-3, "rewards/chosen": 0.1 });
    expect(() => metricsRecord(1, { loss: Number.NaN })).toThrow(/metric loss at step 1 is NaN/);
    const mem = memoryMetricsSink();
    await mem.log(1, { loss: 0.5 });
    expect(mem.records).toEqual([{ step: 1, loss: 0.5 }]);
  });
  it("the JSONL sink appends one line per step", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "rl-metrics-")), "metrics.jsonl");
    await writeFile(path, "");
    const sink = await jsonlMetricsSink(path);
    await sink.log(1, { loss: 0.69 });
    await sink.log(2, { loss: 0.6, gradNorm: 0.5 });
    await sink.close();
    expect(await readFile(path, "utf8")).toBe('{"step":1,"loss":0.69}\n{"step":2,"loss":0.6,"grad_norm":0.5}\n');
  });
});

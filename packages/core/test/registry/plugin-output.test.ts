import { z } from "zod";
import { describe, expect, it } from "vitest";
import {
  checkPluginOutput,
  createRegistry,
  defineDefinition,
  guardedDefinition,
  isGuardedDefinition,
  Matrix,
  RLError,
  tf,
  type MatrixLike,
} from "../../src/index.js";
import { rlErrorCode } from "../../src/testing/index.js";

type Batch = { tokenRewards: MatrixLike; mask: MatrixLike; groups?: readonly number[] };

const creditPlugin = (name: string, assign: (b: Batch) => unknown) =>
  defineDefinition({
    kind: "credit-assigner",
    name,
    version: "1.0.0",
    specVersion: "v1",
    configSchema: z.object({}),
    create: () => assign,
  });

const batch: Batch = { tokenRewards: [[0, 1], [0, 0]], mask: [[1, 1], [1, 0]], groups: [0, 0] };

const codeOf = rlErrorCode;

describe("checkPluginOutput", () => {
  it("credit-assigner: accepts the right shape, finite, 0 on padding; returns the output", () => {
    const out = { advantages: Matrix.from([[1, 2], [3, 0]]), returns: [[1, 2], [3, 0]] };
    expect(checkPluginOutput("credit-assigner", out, { plugin: "acme/x", mask: batch.mask })).toBe(out);
  });

  it("credit-assigner: NaN, padding, shape and missing fields are PLUGIN_OUTPUT naming the plugin and the entry", () => {
    const check = (advantages: unknown) => () => checkPluginOutput("credit-assigner", { advantages }, { plugin: "acme/x", mask: batch.mask });
    expect(check([[1, Number.NaN], [0, 0]])).toThrow("plugin acme/x: advantages[0][1] is NaN; expected a finite number");
    expect(check([[1, 1], [0, 0.5]])).toThrow("plugin acme/x: advantages[1][1] is 0.5 on padding (mask 0); expected 0");
    expect(check([[1, 1, 1], [0, 0, 0]])).toThrow("advantages has shape [2, 3], the batch has [2, 2]");
    expect(check(tf.zeros([2, 2]))).toThrow(/is a tf.Tensor/);
    expect(check([[1], [1, 2]])).toThrow(/advantages is not a matrix/);
    expect(codeOf(() => checkPluginOutput("credit-assigner", 3, { plugin: "acme/x" }))).toBe("PLUGIN_OUTPUT");
    expect(() => checkPluginOutput("credit-assigner", { advantages: [[1, 1], [1, 0]], returns: [[Infinity, 0], [0, 0]] }, { mask: batch.mask })).toThrow(
      "plugin plugin: returns[0][0] is Infinity",
    );
    expect(() => checkPluginOutput("credit-assigner", { advantages: [[1, 2]] }, { shape: [1, 3] })).toThrow(/shape \[1, 2\], the batch has \[1, 3\]/);
  });

  it("reward-function: finite number, null or an array of them of the expected length", () => {
    expect(checkPluginOutput("reward-function", 0.5)).toBe(0.5);
    expect(checkPluginOutput("reward-function", null)).toBeNull();
    expect(checkPluginOutput("reward-function", [1, null, -2], { length: 3 })).toEqual([1, null, -2]);
    expect(() => checkPluginOutput("reward-function", Number.NaN, { plugin: "acme/len" })).toThrow("plugin acme/len: reward is NaN; expected a finite number or null");
    expect(() => checkPluginOutput("reward-function", [1, undefined], { plugin: "acme/len" })).toThrow("reward[1] is undefined");
    expect(() => checkPluginOutput("reward-function", [1], { plugin: "acme/len", length: 2 })).toThrow("returned 1 rewards for a batch of 2");
    expect(() => checkPluginOutput("reward-function", "1")).toThrow(RLError);
  });

  it("loss: a finite scalar tensor (bare or as { loss })", () => {
    const ok = tf.scalar(1.5);
    expect(checkPluginOutput("loss", { loss: ok, metrics: {} })).toEqual({ loss: ok, metrics: {} });
    expect(checkPluginOutput("loss", ok)).toBe(ok);
    const vec = tf.tensor1d([1, 2]);
    const nan = tf.scalar(Number.NaN);
    expect(() => checkPluginOutput("loss", { loss: vec }, { plugin: "acme/l" })).toThrow("plugin acme/l: loss has shape [2]; expected a scalar (shape [])");
    expect(() => checkPluginOutput("loss", { loss: nan }, { plugin: "acme/l" })).toThrow("loss is NaN");
    expect(() => checkPluginOutput("loss", { loss: 1 }, { plugin: "acme/l" })).toThrow(/must return \{ loss \}/);
    ok.dispose();
    expect(() => checkPluginOutput("loss", ok)).toThrow(/disposed/);
    tf.dispose([vec, nan]);
  });

  it("other kinds pass through unchecked", () => {
    expect(checkPluginOutput("transform", Number.NaN)).toBeNaN();
  });
});

describe("guardedDefinition", () => {
  it("keeps the definition's identity, is frozen and idempotent, registers like any definition", () => {
    const def = creditPlugin("acme/echo", (b) => ({ advantages: b.tokenRewards, returns: b.tokenRewards }));
    const g = guardedDefinition(def);
    expect(isGuardedDefinition(def)).toBe(false);
    expect(isGuardedDefinition(g)).toBe(true);
    expect(guardedDefinition(g)).toBe(g);
    expect(Object.isFrozen(g)).toBe(true);
    expect([g.kind, g.name, g.version, g.specVersion, g.configSchema]).toEqual([def.kind, def.name, def.version, def.specVersion, def.configSchema]);
    const registry = createRegistry().register(g);
    const assign = registry.create<(b: Batch) => { advantages: MatrixLike }>("credit-assigner", "acme/echo");
    expect(assign({ tokenRewards: [[0, 1]], mask: [[1, 1]] }).advantages).toEqual([[0, 1]]);
  });

  it("credit-assigner: a NaN or padding bug becomes PLUGIN_OUTPUT naming the plugin", () => {
    const nan = guardedDefinition(creditPlugin("acme/nan", () => ({ advantages: [[Number.NaN, 0], [0, 0]] }))).create({}) as (b: Batch) => unknown;
    expect(() => nan(batch)).toThrow("plugin acme/nan: advantages[0][0] is NaN");
    const leaky = guardedDefinition(creditPlugin("acme/leaky", (b) => ({ advantages: Matrix.from(b.mask).map(() => 1) }))).create({}) as (b: Batch) => unknown;
    expect(codeOf(() => leaky(batch))).toBe("PLUGIN_OUTPUT");
    expect(() => leaky(batch)).toThrow("plugin acme/leaky: advantages[1][1] is 1 on padding");
  });

  it("credit-assigner: validates the batch first and turns a plugin's TypeError into PLUGIN_OUTPUT", () => {
    const crash = guardedDefinition(
      creditPlugin("acme/crash", () => {
        throw new TypeError("x is undefined");
      }),
    ).create({}) as (b: unknown) => unknown;
    expect(() => crash(batch)).toThrow("plugin acme/crash: threw TypeError: x is undefined");
    expect(codeOf(() => crash({ ...batch, mask: undefined }))).toBe("INVALID_INPUT");
    expect(codeOf(() => crash({ ...batch, tokenRewards: [[0, Number.NaN], [0, 0]] }))).toBe("NON_FINITE");
    expect(codeOf(() => crash({ ...batch, tokenRewards: [[0, 1]] }))).toBe("SHAPE_MISMATCH");
    expect(codeOf(() => crash({ ...batch, groups: [0] }))).toBe("SHAPE_MISMATCH");
    expect(codeOf(() => crash({ ...batch, mask: [1, 1] }))).toBe("SHAPE_MISMATCH");
    expect(codeOf(() => crash(null))).toBe("INVALID_INPUT");
    const deliberate = guardedDefinition(
      creditPlugin("acme/strict", () => {
        throw new RLError("INVALID_INPUT", "acme/strict: needs values");
      }),
    ).create({}) as (b: unknown) => unknown;
    expect(() => deliberate(batch)).toThrow("acme/strict: needs values");
  });

  it("reward-function: checks sync and async results against the batch length", async () => {
    const def = (name: string, f: (texts: string[]) => unknown) =>
      guardedDefinition(defineDefinition({ kind: "reward-function", name, version: "1.0.0", specVersion: "v1", configSchema: z.object({}), create: () => f }));
    const ok = def("acme/len", (t) => t.map((s) => (s.length === 0 ? null : s.length))).create({}) as (t: string[]) => unknown;
    expect(ok(["ab", ""])).toEqual([2, null]);
    const short = def("acme/short", (t) => t.slice(1)).create({}) as (t: string[]) => unknown;
    expect(() => short(["a", "b"])).toThrow("plugin acme/short: returned 1 rewards for a batch of 2");
    const asyncNaN = def("acme/async", async () => Number.NaN).create({}) as (t: string[]) => Promise<unknown>;
    await expect(asyncNaN(["a"])).rejects.toThrow("plugin acme/async: reward is NaN");
  });

  it("loss: a non-finite loss is PLUGIN_OUTPUT and its tensors are disposed; a good loss passes", () => {
    const def = (name: string, f: (x: tf.Tensor) => unknown) =>
      guardedDefinition(defineDefinition({ kind: "loss", name, version: "1.0.0", specVersion: "v1", configSchema: z.object({}), create: () => f }));
    const x = tf.tensor1d([0, 1]);
    const before = tf.memory().numTensors;
    const bad = def("acme/log", (t) => ({ loss: tf.tidy(() => tf.sum(tf.log(t))) })).create({}) as (x: tf.Tensor) => unknown;
    expect(() => bad(x)).toThrow("plugin acme/log: loss is -Infinity");
    expect(tf.memory().numTensors).toBe(before);
    const good = def("acme/sq", (t) => ({ loss: tf.tidy(() => tf.sum(tf.square(t))) })).create({}) as (x: tf.Tensor) => { loss: tf.Tensor };
    const out = good(x);
    expect(out.loss.dataSync()[0]).toBe(1);
    tf.dispose([out.loss, x]);
    // gradients flow through the guard
    const g = tf.grad((t: tf.Tensor) => (good(t) as { loss: tf.Scalar }).loss)(tf.tensor1d([1, 2]));
    expect(Array.from(g.dataSync())).toEqual([2, 4]);
    g.dispose();
  });

  it("other kinds are left as they are", () => {
    const t = defineDefinition({ kind: "transform", name: "acme/t", version: "1.0.0", specVersion: "v1", configSchema: z.object({}), create: () => () => Number.NaN });
    expect((guardedDefinition(t).create({}) as () => number)()).toBeNaN();
  });
});

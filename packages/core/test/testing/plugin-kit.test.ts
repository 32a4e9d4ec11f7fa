import { z } from "zod";
import { describe, expect, it } from "vitest";
import { defineDefinition, Matrix, RLError, tf, toMatrix2D, type MatrixLike } from "../../src/index.js";
import {
  checkCreditAssignerProperties,
  checkLossProperties,
  checkPluginConfig,
  checkRewardFunctionProperties,
  fuzzPlugin,
  testPlugin,
} from "../../src/testing/index.js";

type Batch = { tokenRewards: MatrixLike; mask: MatrixLike; groups?: readonly (string | number)[] };
type Assign = (b: Batch, c: { scale: number; mode: "mean" | "none" }) => { advantages: Matrix; returns: Matrix };

const configSchema = z.object({ scale: z.number().positive().default(1), mode: z.enum(["mean", "none"]).default("mean") });

const credit = (name: string, assign: Assign, schema: z.ZodType = configSchema) =>
  defineDefinition({ kind: "credit-assigner", name, version: "1.0.0", specVersion: "v1", configSchema: schema, create: (c) => (b: Batch) => assign(b, c as never) });

/** A careful group-mean baseline: validates, handles singletons and padding. */
const meanBaseline: Assign = (b, { scale, mode }) => {
  const r = toMatrix2D(b.tokenRewards, "tokenRewards", "meanBaseline");
  const m = toMatrix2D(b.mask, "mask", "meanBaseline");
  if (m.rows !== r.rows || m.cols !== r.cols) throw new RLError("SHAPE_MISMATCH", "meanBaseline: mask and tokenRewards differ");
  const groups = b.groups;
  if (groups === undefined || groups.length !== r.rows) throw new RLError("SHAPE_MISMATCH", "meanBaseline: groups has the wrong length");
  const score = Array.from({ length: r.rows }, (_, i) => Array.from(r.row(i)).reduce((a, x) => a + x, 0));
  const sums = new Map<string | number, [number, number]>();
  groups.forEach((g, i) => {
    const s = sums.get(g) ?? [0, 0];
    sums.set(g, [s[0] + (score[i] as number), s[1] + 1]);
  });
  const adv = Matrix.zeros([r.rows, r.cols]);
  for (let i = 0; i < r.rows; i++) {
    const [sum, n] = sums.get(groups[i]!)!;
    const a = mode === "mean" ? scale * ((score[i] as number) - sum / n) : scale * (score[i] as number);
    for (let t = 0; t < r.cols; t++) if (m.get(i, t) !== 0) adv.set(i, t, a);
  }
  return { advantages: adv, returns: adv };
};

const good = credit("acme/mean-baseline", meanBaseline);

describe("checkPluginConfig", () => {
  it("passes a careful definition and reports what it checked", () => {
    const checks = checkPluginConfig(good, { validConfigs: [{ scale: 2, mode: "none" }], invalidConfigs: [{ scale: -1 }, { scale: 0 }] });
    expect(checks).toContain("config: unknown keys rejected");
    expect(checks).toContain("config: 7 bad values rejected"); // scale: NaN, Infinity, "1"; mode: 2 bad options; + 2 given
  });

  it("fails a schema that accepts unknown keys, a bad value, or a default that does not parse", () => {
    const loose = credit("acme/loose", meanBaseline, z.record(z.string(), z.unknown()));
    expect(() => checkPluginConfig(loose)).toThrow(/^plugin kit: acme\/loose: an unknown config key \(make configSchema a z.object.*\): expected an RLError, nothing was thrown$/);
    const anyScale = credit("acme/any-scale", meanBaseline, z.object({ scale: z.unknown().default(1) }));
    expect(() => checkPluginConfig(anyScale, { invalidConfigs: [{ scale: -1 }] })).toThrow("invalid config {\"scale\":-1}: expected an RLError");
    const noDefault = credit("acme/no-default", meanBaseline, z.object({ scale: z.number() }));
    expect(() => checkPluginConfig(noDefault)).toThrow(/the default config \{\} does not parse/);
    const dated = credit("acme/dated", meanBaseline, z.object({ at: z.date().default(new Date(0)) }));
    expect(() => checkPluginConfig(dated)).toThrow(/acme\/dated: the default config: the parsed config .* does not survive a JSON round trip/);
  });

  it("fails a definition that is not frozen or targets another spec version", () => {
    expect(() => checkPluginConfig({ ...good })).toThrow(/not frozen/);
    expect(() => checkPluginConfig(Object.freeze({ ...good, specVersion: "v9" }))).toThrow(/a fresh registry rejects it: .*v9/);
  });
});

describe("checkCreditAssignerProperties", () => {
  it("passes a group-mean baseline, including the declared shift invariance", () => {
    expect(checkCreditAssignerProperties(good, { shiftInvariant: true, runs: 60 })).toHaveLength(3);
  });

  it("catches a missing shift invariance when it is declared", () => {
    const raw = credit("acme/raw", (b, c) => meanBaseline(b, { ...c, mode: "none" }));
    expect(() => checkCreditAssignerProperties(raw, { shiftInvariant: true })).toThrow(/acme\/raw: run \d+ .*not invariant to adding/);
    expect(() => checkCreditAssignerProperties(raw)).not.toThrow();
  });

  it("catches NaN on zero-variance groups, padding leaks, mutation, nondeterminism and tensor leaks", () => {
    const zstd = credit("acme/zstd", (b) => {
      const out = meanBaseline(b, { scale: 1, mode: "mean" });
      return { advantages: out.advantages.map((x) => x / Math.abs(x)), returns: out.returns }; // 0/0 on ties
    });
    expect(() => checkCreditAssignerProperties(zstd)).toThrow(/acme\/zstd: run \d+ .*advantages\[\d+\]\[\d+\] is NaN/);
    const padding = credit("acme/padding", (b) => {
      const out = meanBaseline(b, { scale: 1, mode: "none" });
      return { advantages: out.advantages.map((x) => x + 1), returns: out.returns };
    });
    expect(() => checkCreditAssignerProperties(padding)).toThrow(/on padding \(mask 0\)/);
    const mutating = credit("acme/mutating", (b, c) => {
      (b.groups as (string | number)[]).reverse();
      return meanBaseline(b, c);
    });
    expect(() => checkCreditAssignerProperties(mutating)).toThrow(/the batch was mutated/);
    let calls = 0;
    const flaky = credit("acme/flaky", (b, c) => meanBaseline(b, { ...c, scale: ++calls }));
    expect(() => checkCreditAssignerProperties(flaky)).toThrow(/two calls on the same batch differ/);
    const leaking = credit("acme/leaking", (b, c) => {
      tf.scalar(1);
      return meanBaseline(b, c);
    });
    expect(() => checkCreditAssignerProperties(leaking, { runs: 1 })).toThrow(/left 1 tensors behind/);
  });

  it("passes extras from extendBatch and the chosen config", () => {
    const needsValues = credit("acme/values", (b, c) => {
      if (!Array.isArray((b as Batch & { values?: unknown }).values)) throw new RLError("INVALID_INPUT", "values is required");
      return meanBaseline(b, c);
    });
    expect(() => checkCreditAssignerProperties(needsValues, { runs: 2 })).toThrow(/values is required/);
    expect(() => checkCreditAssignerProperties(needsValues, { config: { scale: 3 }, extendBatch: (b) => ({ values: b.mask.map((r) => r.map(() => 0)) }) })).not.toThrow();
  });
});

describe("fuzzPlugin (credit)", () => {
  it("passes an assigner that validates its input", async () => {
    const [line] = await fuzzPlugin(good, { fuzzRuns: 150, seed: 3 });
    expect(line).toMatch(/^fuzz: 150 malformed batches, 150 rejected with RLError, none returned NaN$/);
  });

  it("fails an assigner that crashes with a TypeError or returns NaN on malformed input", async () => {
    const sloppy = credit("acme/sloppy", (b) => {
      const r = b.tokenRewards as number[][];
      const adv = Matrix.from((b.mask as number[][]).map((row, i) => row.map((x) => x * r[i]!.reduce((a, v) => a + v, 0))), { finite: false });
      return { advantages: adv, returns: adv };
    });
    await expect(fuzzPlugin(sloppy, { seed: 1 })).rejects.toThrow(/plugin kit: acme\/sloppy: fuzz \d+ \(seed 1\): .*(must throw an RLError|is NaN)/);
  });

  it("treats a wrong-length groups as malformed only for assigners that read groups", async () => {
    const noGroups = credit("acme/no-groups", (b, c) => meanBaseline({ ...b, groups: toMatrix2D(b.mask, "mask", "noGroups").toArray().map(() => 0) }, c));
    await expect(fuzzPlugin(noGroups, { seed: 2 })).rejects.toThrow(/groups has an extra entry: accepted malformed input/);
    await expect(fuzzPlugin(noGroups, { seed: 2, readsGroups: false })).resolves.toHaveLength(1);
  });
});

describe("reward functions", () => {
  const rewardDef = (name: string, f: (text: unknown) => unknown, schema: z.ZodType = z.object({ per: z.number().default(0.1) })) =>
    defineDefinition({ kind: "reward-function", name, version: "1.0.0", specVersion: "v1", configSchema: schema, create: () => f });
  const lengthReward = rewardDef("acme/length", (text) => {
    if (typeof text !== "string") throw new RLError("INVALID_INPUT", "acme/length: text must be a string");
    return text.length === 0 ? null : -0.1 * text.length;
  });
  const samples = [["hello"], [""], ["a longer answer"]];

  it("passes a deterministic reward that returns null for no signal", async () => {
    const report = await testPlugin(lengthReward, { samples });
    expect(report.kind).toBe("reward-function");
    expect(report.checks).toContain("reward: deterministic");
    expect(report.checks.some((c) => /^fuzz: 200 malformed calls/.test(c))).toBe(true);
  });

  it("catches NaN, nondeterminism, TypeErrors on junk and a missing samples option", async () => {
    const nan = rewardDef("acme/nan", (text) => (text === "" ? Number.NaN : 1));
    await expect(checkRewardFunctionProperties(nan, { samples })).rejects.toThrow(/sample 1 \[""\]: .*reward is NaN/);
    const random = rewardDef("acme/random", () => Math.random());
    await expect(checkRewardFunctionProperties(random, { samples })).rejects.toThrow(/two calls differ/);
    await expect(checkRewardFunctionProperties(random, { samples, deterministic: false })).resolves.toHaveLength(1);
    const crashes = rewardDef("acme/crashes", (text) => (text as string).trim().length);
    await expect(fuzzPlugin(crashes, { samples })).rejects.toThrow(/threw TypeError.*must throw an RLError/);
    await expect(checkRewardFunctionProperties(lengthReward)).rejects.toThrow(/need options.samples/);
  });

  it("awaits async reward functions", async () => {
    const asyncLen = rewardDef("acme/async", async (text) => (typeof text === "string" ? text.length : null));
    await expect(testPlugin(asyncLen, { samples, fuzzRuns: 20 })).resolves.toBeDefined();
  });
});

describe("losses", () => {
  type Inputs = { chosen: tf.Tensor; rejected: tf.Tensor };
  const lossDef = (name: string, f: (x: Inputs) => unknown) =>
    defineDefinition({ kind: "loss", name, version: "1.0.0", specVersion: "v1", configSchema: z.object({ beta: z.number().positive().default(0.1) }), create: () => f });
  const inputs = (rng: { normal: () => number }) => {
    const n = 2 + Math.floor(Math.abs(rng.normal()) * 2);
    return [{ chosen: tf.tensor1d(Array.from({ length: n }, () => rng.normal())), rejected: tf.tensor1d(Array.from({ length: n }, () => rng.normal())) }];
  };
  const checked = (x: Inputs) => {
    if (x.chosen.shape[0] !== x.rejected.shape[0]) throw new RLError("SHAPE_MISMATCH", "acme/dpo-like: chosen and rejected differ");
  };
  const dpoLike = lossDef("acme/dpo-like", (x) => {
    checked(x);
    return { loss: tf.tidy(() => tf.neg(tf.mean(tf.logSigmoid(tf.mul(0.1, tf.sub(x.chosen, x.rejected)))))) };
  });

  it("passes a finite, leak-free, shape-checking loss", async () => {
    const report = await testPlugin(dpoLike, { inputs });
    expect(report.checks).toContain("loss: deterministic, tensor count unchanged");
    expect(report.checks.at(-1)).toMatch(/^fuzz: \d+ shape mismatches rejected with RLError$/);
  });

  it("catches leaks, non-scalar and non-finite losses, and unchecked shapes", async () => {
    const leaky = lossDef("acme/leaky", (x) => {
      checked(x);
      const d = tf.sub(x.chosen, x.rejected); // never disposed
      return { loss: tf.mean(d) };
    });
    expect(() => checkLossProperties(leaky, { inputs })).toThrow(/: 2 tensors left after disposing the output/);
    const vector = lossDef("acme/vector", (x) => ({ loss: tf.sub(x.chosen, x.rejected) }));
    expect(() => checkLossProperties(vector, { inputs })).toThrow(/loss has shape \[\d\]; expected a scalar/);
    const logLoss = lossDef("acme/log", (x) => ({ loss: tf.tidy(() => tf.sum(tf.log(tf.sub(x.chosen, x.rejected)))) }));
    expect(() => checkLossProperties(logLoss, { inputs })).toThrow(/loss is NaN/);
    const unchecked = lossDef("acme/unchecked", (x) => ({ loss: tf.tidy(() => tf.mean(tf.sub(x.chosen, x.rejected))) }));
    await expect(fuzzPlugin(unchecked, { inputs })).rejects.toThrow(/has \d rows, the others \d: threw .*must throw an RLError/);
    expect(() => checkLossProperties(dpoLike)).toThrow(/need options.inputs/);
  });

  it("leaves no tensor behind itself", async () => {
    const before = tf.memory().numTensors;
    await testPlugin(dpoLike, { inputs });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("testPlugin", () => {
  it("runs config, properties and fuzz for a credit assigner, seeded", async () => {
    const report = await testPlugin(good, { shiftInvariant: true, seed: 7 });
    expect(report).toMatchObject({ plugin: "acme/mean-baseline", kind: "credit-assigner" });
    expect(report.checks).toHaveLength(8);
    expect(await testPlugin(good, { shiftInvariant: true, seed: 7 })).toEqual(report);
  });

  it("checks only the config of kinds it has no properties for", async () => {
    const t = defineDefinition({ kind: "transform", name: "acme/t", version: "1.0.0", specVersion: "v1", configSchema: z.object({}), create: () => () => 0 });
    expect((await testPlugin(t)).checks).toHaveLength(4);
  });
});

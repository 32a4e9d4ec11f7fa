import { describe, expect, it } from "vitest";
import { createRng, generate, gatherLogProbs, sampleToken, tf, type CachedLogitsModel, type LogitsModel } from "../../src/index.js";

/** A bigram model: logits at t depend only on token t (a [V, V] table), so a cache needs no state. */
function bigram(V: number, seed: number): { table: tf.Tensor2D; model: LogitsModel; cached: CachedLogitsModel<number> } {
  const table = tf.randomNormal([V, V], 0, 2, "float32", seed) as tf.Tensor2D;
  const model: LogitsModel = (ids) => tf.tidy(() => tf.gather(table, tf.cast(ids, "int32")) as unknown as tf.Tensor3D);
  const cached: CachedLogitsModel<number> = {
    prefill: (ids) => ({ logits: tf.tidy(() => tf.reshape(tf.gather(table, tf.cast(tf.slice(ids, [0, ids.shape[1] - 1], [ids.shape[0], 1]), "int32")), [ids.shape[0], V]) as tf.Tensor2D), cache: 1 }),
    step: (ids, cache) => ({ logits: tf.tidy(() => tf.reshape(tf.gather(table, tf.cast(ids, "int32")), [ids.shape[0], V]) as tf.Tensor2D), cache: cache + 1 }),
  };
  return { table, model, cached };
}

describe("generate", () => {
  it("the TSDoc example: greedy decoding of a fixed table", () => {
    const model: LogitsModel = (ids) => tf.tidy(() => tf.reverse(tf.mul(tf.cast(tf.oneHot(tf.cast(ids, "int32"), 3), "float32"), 5), -1) as tf.Tensor3D);
    const g = generate(model, [[0]], { maxNewTokens: 2, greedy: true, stopTokenIds: [1] });
    expect(g.tokenIds).toEqual([[2, 0]]);
    expect(g.finishReasons).toEqual(["length"]);
    expect(g.logProbs[0]?.[0]).toBeCloseTo(5 - Math.log(Math.exp(5) + 2), 5);
  });

  it("is reproducible for a seed, stops at a stop token (kept, mask 1), pads after it, leaks nothing", () => {
    const { table, model } = bigram(6, 1);
    const before = tf.memory().numTensors;
    const run = (seed: number) => generate(model, [[0], [1], [2], [3]], { maxNewTokens: 8, rng: createRng(seed), stopTokenIds: [5], padTokenId: 4 });
    const a = run(7);
    expect(tf.memory().numTensors).toBe(before);
    expect(run(7)).toEqual(a);
    expect(run(8).tokenIds).not.toEqual(a.tokenIds);
    a.tokenIds.forEach((row, b) => {
      const stop = row.indexOf(5);
      const mask = a.mask[b] as number[];
      if (stop >= 0) {
        expect(a.finishReasons[b]).toBe("stop");
        expect(mask.slice(0, stop + 1).every((m) => m === 1)).toBe(true);
        expect(mask.slice(stop + 1).every((m) => m === 0)).toBe(true);
        expect(row.slice(stop + 1).every((id) => id === 4)).toBe(true);
        expect((a.logProbs[b] as number[]).slice(stop + 1).every((v) => v === 0)).toBe(true);
      } else {
        expect(a.finishReasons[b]).toBe("length");
        expect(mask.every((m) => m === 1)).toBe(true);
      }
    });
    table.dispose();
  });

  it("logProbs are log softmax(z / τ) of the sampled token (what the trainer recomputes); no filter: samplingLogProbs equal them", () => {
    const { table, model } = bigram(5, 2);
    const g = generate(model, [[0, 3]], { maxNewTokens: 4, temperature: 0.7, rng: createRng(3) });
    const ids = [0, 3, ...(g.tokenIds[0] as number[])];
    const lpT = tf.tidy(() => {
      const logits = model(tf.tensor2d([ids.slice(0, -1)], undefined, "int32"));
      return gatherLogProbs(logits, tf.tensor2d([ids.slice(1)], undefined, "int32"), { temperature: 0.7 });
    });
    const expected = lpT.arraySync() as number[][];
    lpT.dispose();
    const L = g.tokenIds[0]?.length ?? 0;
    expect(g.logProbs[0]).toEqual(expected[0]?.slice(1, 1 + L).map((v) => expect.closeTo(v, 5)));
    (g.samplingLogProbs[0] as number[]).forEach((v, t) => expect(v).toBeCloseTo(g.logProbs[0]?.[t] as number, 5));
    table.dispose();
  });

  it("ragged prompts: each row decodes as it would alone (causal model, right padding)", () => {
    const { table, model } = bigram(7, 4);
    const prompts = [[1, 2, 3], [4], [5, 6]];
    const before = tf.memory().numTensors;
    const together = generate(model, prompts, { maxNewTokens: 5, greedy: true });
    expect(tf.memory().numTensors).toBe(before);
    prompts.forEach((p, b) => {
      const alone = generate(model, [p], { maxNewTokens: 5, greedy: true });
      expect(together.tokenIds[b]).toEqual(alone.tokenIds[0]);
      (together.logProbs[b] as number[]).forEach((v, t) => expect(v).toBeCloseTo(alone.logProbs[0]?.[t] as number, 5));
    });
    table.dispose();
  });

  it("a KV-cache model gives the same tokens and log-probs as the full forward pass", () => {
    const { table, model, cached } = bigram(6, 5);
    const cfg = { maxNewTokens: 6, rng: createRng(11), stopTokenIds: [0], topK: 4 };
    const full = generate(model, [[1, 2], [3, 4]], cfg);
    const fast = generate(cached, [[1, 2], [3, 4]], { ...cfg, rng: createRng(11) });
    expect(fast).toEqual(full);
    expect(() => generate(cached, [[1], [2, 3]], { maxNewTokens: 1, greedy: true })).toThrow(/prompts of one length/);
    table.dispose();
  });

  it("names bad input", () => {
    const { table, model } = bigram(3, 6);
    expect(() => generate(model, [[0]], { maxNewTokens: 2 })).toThrow(/rng is required/);
    expect(() => generate(model, [[0], []], { maxNewTokens: 2, greedy: true })).toThrow(/prompts\[1\] must be a non-empty/);
    expect(() => generate(model, [[0, -1]], { maxNewTokens: 2, greedy: true })).toThrow(/prompts\[0\]\[1\] is -1/);
    expect(() => generate(model, [[0]], { maxNewTokens: 0, greedy: true })).toThrow(/invalid config/);
    expect(generate(model, [], { maxNewTokens: 2, greedy: true }).tokenIds).toEqual([]);
    table.dispose();
  });
});

describe("sampleToken (HF top-k, top-p, min-p, hand-worked)", () => {
  const p = [0.5, 0.3, 0.2];
  it("top-k 1 is the argmax; top-p 0.75 drops 0.2; min-p 0.5 keeps p ≥ 0.25", () => {
    expect(sampleToken(p, createRng(0), { topK: 1 })).toEqual({ token: 0, logProb: 0 });
    const rng = createRng(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 4000; i++) {
      const { token, logProb } = sampleToken(p, rng, { topP: 0.75 });
      counts[token] = (counts[token] as number) + 1;
      expect(logProb).toBeCloseTo(Math.log((p[token] as number) / 0.8), 10);
    }
    expect(counts[2]).toBe(0);
    expect((counts[0] as number) / 4000).toBeCloseTo(0.625, 1);
    for (let i = 0; i < 200; i++) expect(sampleToken(p, rng, { minP: 0.5 }).token).not.toBe(2);
    for (let i = 0; i < 200; i++) expect(sampleToken(p, rng, { minP: 0.7 }).token).toBe(0);
  });
  it("top-p keeps the most likely token even at a tiny topP; top-k keeps ties", () => {
    expect(sampleToken(p, createRng(2), { topP: 0.01 }).token).toBe(0);
    const rng = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) seen.add(sampleToken([0.4, 0.4, 0.2], rng, { topK: 1 }).token);
    expect([...seen].sort()).toEqual([0, 1]);
  });
  it("no filter draws rng.categorical(p) (the same stream)", () => {
    const a = createRng(9);
    const b = createRng(9);
    for (let i = 0; i < 20; i++) expect(sampleToken(p, a).token).toBe(b.categorical(p));
  });
});

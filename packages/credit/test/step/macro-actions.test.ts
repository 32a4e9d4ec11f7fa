import { assertClose } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { macroAggregate, macroBoundaries, macroGae, macroGaeConfig } from "../../src/step/index.js";

const ones = (n: number) => [Array.from({ length: n }, () => 1)];
const V = [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]];
const R = [[-0.01, -0.01, -0.01, -0.01, -0.01, -0.01, -0.01, 0.99]];

describe("macroBoundaries (spec §24 worked examples)", () => {
  it("fixed n-gram: 8 tokens, n = 3 → [0, 3, 6, 7]; 7 tokens → [0, 3, 6] (no empty span)", () => {
    expect(macroBoundaries(ones(8), { rule: "fixed", n: 3 }).starts).toEqual([[0, 3, 6, 7]]);
    expect(macroBoundaries(ones(7), { rule: "fixed", n: 3 }).starts).toEqual([[0, 3, 6]]);
    expect(macroBoundaries(ones(12), { rule: "fixed" }).starts).toEqual([[0, 5, 10, 11]]);
  });
  it("perplexity rule → [0, 2, 5, 7]", () => {
    const ppl = [[3.0, 1.5, 1.2, 2.0, 1.1, 1.05, 4.0, 1.0]];
    expect(macroBoundaries(ones(8), { rule: "perplexity", ppl }).starts).toEqual([[0, 2, 5, 7]]);
  });
  it("separator rule: a macro action ends at every marked token", () => {
    const isEnd = [[0, 1, 0, 0, 1, 0, 0, 0]];
    expect(macroBoundaries(ones(8), { rule: "separator", isEnd }).starts).toEqual([[0, 2, 5, 7]]);
  });
  it("boundaries are per row and follow the row's valid tokens (right padding, interior zeros)", () => {
    expect(macroBoundaries([[1, 1, 1, 1, 0, 0], [0, 1, 0, 1, 1, 1]], { rule: "fixed", n: 2 }).starts).toEqual([
      [0, 2, 3],
      [1, 4, 5],
    ]);
    expect(macroBoundaries([[0, 0]], { rule: "fixed" }).starts).toEqual([[]]);
  });
  it("randomized n-gram: seeded, reproducible, span lengths from the shuffled pool", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1000 }), (L, seed) => {
        const a = macroBoundaries(ones(L), { rule: "randomized", seed }).starts[0] as number[];
        expect(macroBoundaries(ones(L), { rule: "randomized", seed }).starts[0]).toEqual(a);
        expect(a[0]).toBe(0);
        expect(a[a.length - 1]).toBe(L - 1);
        for (let k = 1; k < a.length; k++) expect(a[k] as number).toBeGreaterThan(a[k - 1] as number);
        // every span before the tail and the final token has a distinct pool length
        const lens = a.slice(1).map((s, k) => s - (a[k] as number));
        const drawn = lens.slice(0, -1);
        drawn.forEach((len) => expect([1, 2, 3, 5, 10]).toContain(len));
        expect(new Set(drawn).size).toBe(drawn.length);
      }),
      { numRuns: 100 },
    );
    expect(macroBoundaries(ones(10), { rule: "randomized", seed: 5, lengths: [2], repeatTimes: 3 }).starts).toEqual([[0, 2, 4, 6, 9]]);
    const a = macroBoundaries(ones(40), { rule: "randomized", seed: 1 }).starts;
    const b = macroBoundaries(ones(40), { rule: "randomized", seed: 2 }).starts;
    expect(a).not.toEqual(b);
  });
  it("errors", () => {
    expect(() => macroBoundaries([], { rule: "fixed" })).toThrow(/macroBoundaries: mask is empty/);
    expect(() => macroBoundaries(ones(3), { rule: "perplexity", ppl: [[1, 2]] })).toThrow(/ppl has shape \[1,2\], mask has \[1,3\]/);
    expect(() => macroBoundaries(ones(3), { rule: "fixed", n: 0 })).toThrow(/invalid config/);
  });
});

describe("macroAggregate and macroGae (spec §24 worked examples)", () => {
  const starts = [[0, 3, 6, 7]];
  it("equal, unit and position weighting", () => {
    assertClose(macroAggregate(V, ones(8), starts).values.toArray(), [[0.2, 0.5, 0.7, 0.8]], 1e-12, 0);
    assertClose(macroAggregate(V, ones(8), starts, { weighting: "unit" }).values.toArray(), [[0.3, 0.6, 0.7, 0.8]], 1e-12, 0);
    assertClose(macroAggregate(V, ones(8), starts, { weighting: "position" }).values.toArray(), [[0.1636364, 0.4636364, 0.7, 0.8]], 1e-7, 0);
    assertClose(macroAggregate(R, ones(8), starts).values.toArray(), [[-0.01, -0.01, -0.01, 0.99]], 1e-12, 0);
  });
  it("macro GAE: advantages, returns, broadcast to tokens", () => {
    const out = macroGae({ values: V, tokenRewards: R, mask: ones(8), starts });
    const A = [0.7146262, 0.446975, 0.2705, 0.19];
    expect(out.advantages.data).toBeInstanceOf(Float32Array); // the 7-digit spec values hold within 1e-7 after the float32 store
    assertClose(out.macroAdvantages.toArray(), [A], 1e-7, 0);
    assertClose(out.macroReturns.toArray(), [[0.9146262, 0.946975, 0.9705, 0.99]], 1e-7, 0);
    assertClose(out.advantages.toArray(), [[A[0], A[0], A[0], A[1], A[1], A[1], A[2], A[3]] as number[]], 1e-7, 0);
  });
  it("with one token per macro action, macro GAE is token-level GAE (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })), { minLength: 1, maxLength: 10 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (pairs, gamma, lambda) => {
          const values = [pairs.map(([v]) => v)];
          const rewards = [pairs.map(([, r]) => r)];
          const mask = ones(pairs.length);
          const { starts: s } = macroBoundaries(mask, { rule: "fixed", n: 1 });
          const out = macroGae({ values, tokenRewards: rewards, mask, starts: s }, { gamma, lambda, dtype: "float64" });
          let gae = 0;
          const want: number[] = [];
          for (let t = pairs.length - 1; t >= 0; t--) {
            const next = t + 1 < pairs.length ? (pairs[t + 1] as [number, number])[0] : 0;
            const [v, r] = pairs[t] as [number, number];
            gae = r + gamma * next - v + gamma * lambda * gae;
            want[t] = gae;
          }
          assertClose(out.advantages.toFlatArray(), want, 1e-10, 1e-10);
        },
      ),
      { numRuns: 100 },
    );
  });
  it("default float32 outputs are the float64 ones rounded entry by entry; dtype float64 keeps Float64Array", () => {
    expect(macroGaeConfig.parse({}).dtype).toBe("float32");
    const mask = [[1, 1, 1, 1, 1, 0], [0, 1, 1, 1, 1, 1]];
    const input = {
      values: [[0.11, 0.23, 0.37, 0.41, 0.53, 9], [1, 0.3, 0.7, 0.1, 0.9, 0.6]],
      tokenRewards: [[-0.01, -0.02, -0.01, -0.03, 0.97, 9], [5, -0.01, -0.02, 0.01, -0.01, 1 / 3]],
      mask,
      starts: macroBoundaries(mask, { rule: "fixed", n: 2 }).starts,
    };
    for (const weighting of ["equal", "position"] as const) {
      const x = macroGae(input, { gamma: 0.99, lambda: 0.9, weighting, dtype: "float64" });
      const y = macroGae(input, { gamma: 0.99, lambda: 0.9, weighting });
      for (const key of ["advantages", "returns", "macroAdvantages", "macroReturns", "macroMask"] as const) {
        expect(x[key].data).toBeInstanceOf(Float64Array);
        expect(y[key].data).toBeInstanceOf(Float32Array);
        expect(y[key].data).toEqual(Float32Array.from(x[key].data));
      }
      expect(Array.from(x.advantages.data).some((v) => Math.fround(v) !== v)).toBe(true);
      expect(Array.from(x.returns.data).some((v) => Math.fround(v) !== v)).toBe(true);
      // returns = advantages + V is summed in float64, not from the rounded advantages
      const v00 = macroAggregate(input.values, mask, input.starts, { weighting }).values.get(0, 0);
      expect(x.returns.get(0, 0)).toBe(x.advantages.get(0, 0) + v00);
      expect(y.returns.get(0, 0)).toBe(Math.fround(x.advantages.get(0, 0) + v00));
    }
  });
  it("padding is 0; rows without tokens are 0", () => {
    const mask = [[1, 1, 1, 0], [0, 0, 0, 0]];
    const { starts: s } = macroBoundaries(mask, { rule: "fixed", n: 2 });
    const out = macroGae({ values: [[1, 1, 1, 9], [1, 1, 1, 1]], tokenRewards: [[0, 0, 1, 9], [1, 1, 1, 1]], mask, starts: s });
    expect(out.advantages.get(0, 3)).toBe(0);
    expect(out.advantages.toArray()[1]).toEqual([0, 0, 0, 0]);
  });
  it("errors: starts that miss the first token or do not increase; mismatched rows", () => {
    expect(() => macroAggregate(V, ones(8), [[1, 3]])).toThrow(/must begin at the first valid token 0/);
    expect(() => macroAggregate(V, ones(8), [[0, 3, 3]])).toThrow(/strictly increasing/);
    expect(() => macroGae({ values: V, tokenRewards: R, mask: ones(8), starts: [[0], [0]] })).toThrow(/starts has 2 rows, mask has 1/);
    expect(() => macroGae({ values: V, tokenRewards: [[0]], mask: ones(8), starts })).toThrow(/tokenRewards has shape \[1,1\], values has \[1,8\]/);
  });
});

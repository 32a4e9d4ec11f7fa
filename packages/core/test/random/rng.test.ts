import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RLError, Rng, createRng, type RngState } from "../../src/index.js";

describe("createRng", () => {
  it("is deterministic per seed and differs across seeds", () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs);
    expect(createRng(43).uniform()).not.toBe(xs[0]);
  });

  it("saves and restores its state; fork gives an independent stream", () => {
    const a = createRng(1);
    a.uniform();
    const saved = a.state();
    const next = a.uniform();
    expect(Rng.fromState(saved).uniform()).toBe(next);
    const f = a.fork();
    expect(f.uniform()).not.toBe(a.uniform());
  });

  it("state() holds the cached Box–Muller value: save → restore → the next draws are identical", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 7 }), (seed, k) => {
        const a = createRng(seed);
        for (let i = 0; i < k; i++) a.normal();
        const saved = JSON.parse(JSON.stringify(a.state())) as RngState;
        expect(saved.length).toBe(k % 2 === 1 ? 5 : 4);
        const b = Rng.fromState(saved);
        const next = () => [a.normal(), a.uniform(), a.normal(), a.normal()];
        const nextB = [b.normal(), b.uniform(), b.normal(), b.normal()];
        expect(nextB).toEqual(next());
      }),
      { numRuns: 50 },
    );
    expect(() => Rng.fromState([1, 2, 3] as unknown as RngState)).toThrow(/four 32-bit/);
    expect(() => Rng.fromState([1, 2, 3, 4, Number.NaN])).toThrow(/finite/);
    expect(() => Rng.fromState([1, 2, 3, 2 ** 32])).toThrow(RLError);
  });

  it("uniform in [0,1), int in range, normal has mean 0 and variance 1 (n = 20000)", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 1000 }), (seed, n) => {
        const r = createRng(seed);
        const u = r.uniform();
        const k = r.int(n);
        return u >= 0 && u < 1 && Number.isInteger(k) && k >= 0 && k < n;
      }),
      { numRuns: 100 },
    );
    const r = createRng(7);
    const zs = Array.from({ length: 20000 }, () => r.normal());
    const mean = zs.reduce((a, b) => a + b, 0) / zs.length;
    const variance = zs.reduce((a, b) => a + (b - mean) ** 2, 0) / zs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it("categorical follows the weights; shuffle is a permutation", () => {
    const r = createRng(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[r.categorical([1, 2, 7])]!++;
    expect(counts[0]! / 30000).toBeCloseTo(0.1, 1);
    expect(counts[2]! / 30000).toBeCloseTo(0.7, 1);
    expect(r.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(() => r.categorical([0, 0])).toThrow(/sum to 0/);
    expect(() => r.int(0)).toThrow(/positive integer/);
    expect(() => createRng(Number.NaN)).toThrow(/finite/);
  });
});

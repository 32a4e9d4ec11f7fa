import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gaeAdvantages, groupPresets } from "../../src/index.js";

const near = (got: number[], want: number[], digits = 6) => got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, digits));
/** 10-digit checks read the float64 output; the 6-digit ones read the float32 default. */
const f64 = { dtype: "float64" } as const;

describe("gaeAdvantages — worked examples (spec §9)", () => {
  it("example 1: γ = 1, λ = 0.95, full mask", () => {
    const r = gaeAdvantages({ tokenRewards: [[0, 0, 1]], values: [[0.5, 0.6, 0.8]], mask: [[1, 1, 1]] }, { lambda: 0.95 });
    near(gaeAdvantages({ tokenRewards: [[0, 0, 1]], values: [[0.5, 0.6, 0.8]], mask: [[1, 1, 1]] }, { lambda: 0.95, whiten: false, ...f64 }).advantages.toArray()[0]!, [0.4705, 0.39, 0.2], 10);
    near(gaeAdvantages({ tokenRewards: [[0, 0, 1]], values: [[0.5, 0.6, 0.8]], mask: [[1, 1, 1]] }, { lambda: 0.95, ...f64 }).returns.toArray()[0]!, [0.9705, 0.99, 1.0], 10);
    near(r.returns.toArray()[0]!, [0.9705, 0.99, 1.0]);
    near(r.advantages.toArray()[0]!, [0.8423643, 0.2627889, -1.1051531]);
  });

  it("example 2: interior observation token, verl (skip) and OpenRLHF (terminal)", () => {
    const batch = { tokenRewards: [[0, 0, 0, 1]], values: [[0.5, 9.9, 0.6, 0.8]], mask: [[1, 0, 1, 1]] };
    const raw = gaeAdvantages(batch, { lambda: 0.95, whiten: false, ...f64 }).advantages.toArray()[0]!;
    near(raw, [0.4705, 0, 0.39, 0.2], 10);
    const w = gaeAdvantages(batch, { lambda: 0.95 }).advantages.toArray()[0]!;
    near(w, [0.8423643, 0, 0.2627889, -1.1051531]);
    const open = gaeAdvantages(batch, { lambda: 0.95, whiten: false, interiorMask: "terminal", ...f64 }).advantages.toArray()[0]!;
    near(open, [0.421975, 0, 0.39, 0.2], 10);
    near(gaeAdvantages(batch, { lambda: 0.95, whiten: false, interiorMask: "terminal" }).advantages.toArray()[0]!, [0.421975, 0, 0.39, 0.2]);
    expect(groupPresets.openrlhf.gae.interiorMask).toBe("terminal");
  });

  it("example 3: right padding, γ = 0.9, λ = 0.95", () => {
    const b3 = { tokenRewards: [[0, 0, 1, 0]], values: [[0.5, 0.6, 0.8, 0.3]], mask: [[1, 1, 1, 0]] };
    const r = gaeAdvantages(b3, { gamma: 0.9, lambda: 0.95, whiten: false, ...f64 });
    near(r.advantages.toArray()[0]!, [0.288805, 0.291, 0.2, 0], 10);
    expect(r.returns.toArray()[0]![3]).toBe(0);
    near(r.returns.toArray()[0]!, [0.788805, 0.891, 1.0, 0], 10);
    const stored = gaeAdvantages(b3, { gamma: 0.9, lambda: 0.95, whiten: false });
    near(stored.advantages.toArray()[0]!, [0.288805, 0.291, 0.2, 0]);
    expect(stored.returns.toArray()[0]![3]).toBe(0);
    near(stored.returns.toArray()[0]!, [0.788805, 0.891, 1.0, 0]);
  });
});

describe("gaeAdvantages — properties", () => {
  const arb = fc
    .record({ T: fc.integer({ min: 1, max: 6 }), B: fc.integer({ min: 1, max: 4 }) })
    .chain(({ T, B }) =>
      fc.record({
        r: fc.array(fc.array(fc.integer({ min: -8, max: 8 }).map((x) => x / 4), { minLength: T, maxLength: T }), { minLength: B, maxLength: B }),
        v: fc.array(fc.array(fc.integer({ min: -8, max: 8 }).map((x) => x / 4), { minLength: T, maxLength: T }), { minLength: B, maxLength: B }),
        len: fc.array(fc.integer({ min: 0, max: T }), { minLength: B, maxLength: B }),
      }),
    );

  it("γ = λ = 1 (no whitening) is the Monte-Carlo return minus V; padding 0", () => {
    fc.assert(
      fc.property(arb, ({ r, v, len }) => {
        const mask = r.map((row, b) => row.map((_, t) => (t < len[b]! ? 1 : 0)));
        const a = gaeAdvantages({ tokenRewards: r, values: v, mask }, { whiten: false, ...f64 }).advantages.toArray();
        return a.every((row, b) =>
          row.every((x, t) => {
            if (mask[b]![t] === 0) return Object.is(x, 0);
            const mc = r[b]!.slice(t, len[b]).reduce((p, q) => p + q, 0);
            return Math.abs(x - (mc - v[b]![t]!)) < 1e-9;
          }),
        );
      }),
      { numRuns: 100 },
    );
  });

  it("whitened advantages have masked mean 0 and unbiased variance ≈ 1 (or are all 0)", () => {
    fc.assert(
      fc.property(arb, fc.double({ min: 0, max: 1, noNaN: true }), ({ r, v, len }, lambda) => {
        const mask = r.map((row, b) => row.map((_, t) => (t < len[b]! ? 1 : 0)));
        const a = gaeAdvantages({ tokenRewards: r, values: v, mask }, { lambda, gamma: 0.9, ...f64 }).advantages.toArray();
        const vals = a.flatMap((row, b) => row.filter((_, t) => mask[b]![t] === 1));
        if (vals.length < 2) return vals.every((x) => x === 0);
        const m = vals.reduce((p, q) => p + q, 0) / vals.length;
        const variance = vals.reduce((p, q) => p + (q - m) ** 2, 0) / (vals.length - 1);
        return Math.abs(m) < 1e-6 && (Math.abs(variance - 1) < 1e-4 || variance < 1e-6);
      }),
      { numRuns: 100 },
    );
  });
});

describe("gaeAdvantages — output storage", () => {
  it("stores float32 by default: the float64 results rounded once per entry, bit for bit", () => {
    const b = {
      tokenRewards: [[-0.013, 0.1, 0.7, 0], [0.02, -0.031, 0.35, 1.3]],
      values: [[0.51, 0.33, 0.12, 9.9], [0.7, 2.2, 0.45, 0.05]],
      mask: [[1, 1, 1, 0], [1, 0, 1, 1]],
    };
    for (const config of [{}, { gamma: 0.99, lambda: 0.95 }, { whiten: false, lambda: 0.9, interiorMask: "terminal" as const }]) {
      const exact = gaeAdvantages(b, { ...config, ...f64 });
      const stored = gaeAdvantages(b, config);
      for (const key of ["advantages", "returns"] as const) {
        expect(exact[key].data).toBeInstanceOf(Float64Array);
        expect(Array.from(exact[key].data).some((x) => Math.fround(x) !== x)).toBe(true);
        expect(stored[key].data).toBeInstanceOf(Float32Array);
        expect(stored[key].data).toEqual(Float32Array.from(exact[key].data));
      }
    }
  });
});

describe("gaeAdvantages — errors", () => {
  it("values of another shape name both shapes; empty batch; non-finite values", () => {
    expect(() => gaeAdvantages({ tokenRewards: [[1, 2]], values: [[1]], mask: [[1, 1]] })).toThrow(
      "gaeAdvantages: values has shape [1,1], tokenRewards has [1,2]",
    );
    expect(() => gaeAdvantages({ tokenRewards: [], values: [], mask: [] })).toThrow(/gaeAdvantages: the batch is empty/);
    expect(() => gaeAdvantages({ tokenRewards: [[1]], values: [[Infinity]], mask: [[1]] })).toThrow(/values\[0\]\[0\] is Infinity/);
    expect(() => gaeAdvantages({ tokenRewards: [[1]], values: [[1]], mask: [[1]] }, { lambda: 1.5 })).toThrow(/invalid config/);
  });
});

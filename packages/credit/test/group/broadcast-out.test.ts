// The broadcast fast path (rows whose mask is ones then zeros are written with `fill`) and the
// `out` option of grpoAdvantages / rlooAdvantages.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Matrix, RLError } from "@rl/core";
import { grpoAdvantages, rlooAdvantages, type OutputDtype } from "../../src/index.js";

type Estimator = typeof grpoAdvantages | typeof rlooAdvantages;
const estimators: [string, Estimator][] = [
  ["grpoAdvantages", grpoAdvantages],
  ["rlooAdvantages", rlooAdvantages as Estimator],
];

const eighths = fc.integer({ min: -40, max: 40 }).map((k) => k / 8); // exact sums in any order
/** A mask row of one layout: right-padded, left-padded, or any 0/1 pattern (holes). */
const maskRow = (T: number): fc.Arbitrary<number[]> =>
  fc.oneof(
    fc.integer({ min: 0, max: T }).map((n) => Array.from({ length: T }, (_, t) => (t < n ? 1 : 0))),
    fc.integer({ min: 0, max: T }).map((n) => Array.from({ length: T }, (_, t) => (t >= T - n ? 1 : 0))),
    fc.array(fc.constantFrom(0, 1), { minLength: T, maxLength: T }),
  );

/** B rows of T tokens (T up to 11, so rows are not all multiples of 4) in up to 3 groups. */
const anyMaskBatch = fc
  .record({ B: fc.integer({ min: 1, max: 9 }), T: fc.integer({ min: 1, max: 11 }) })
  .chain(({ B, T }) =>
    fc.record({
      tokenRewards: fc.array(fc.array(eighths, { minLength: T, maxLength: T }), { minLength: B, maxLength: B }),
      mask: fc.array(maskRow(T), { minLength: B, maxLength: B }),
      groups: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: B, maxLength: B }),
    }),
  );

/** The per-row advantage, from the same estimator on one column of ones (no broadcast layout). */
function rowAdvantages(run: Estimator, batch: { tokenRewards: number[][]; groups: number[] }, dtype: OutputDtype): number[] {
  const outcomes = batch.tokenRewards.map((row) => row.reduce((a, v) => a + v, 0));
  return run({ rewards: outcomes, mask: outcomes.map(() => [1]), groups: batch.groups }, { dtype }).advantages.toFlatArray();
}

/** `A_b · mask[b][t]` with exact zeros (not -0) where the mask is 0. */
function expectBroadcast(got: number[][], rowAdv: number[], mask: number[][]): void {
  got.forEach((row, b) =>
    row.forEach((v, t) => {
      if (mask[b]![t] === 1) expect(v).toBe(rowAdv[b]);
      else expect(Object.is(v, 0)).toBe(true);
    }),
  );
}

describe.each(estimators)("%s — broadcast over any mask layout", (fn, run) => {
  it("equals A_b · mask for right-padded, left-padded and holed masks, from tokenRewards and from outcomes", () => {
    fc.assert(
      fc.property(anyMaskBatch, fc.constantFrom<OutputDtype>("float64", "float32"), (batch, dtype) => {
        const want = rowAdvantages(run, batch, dtype);
        expectBroadcast(run(batch, { dtype }).advantages.toArray(), want, batch.mask);
        const outcomes = batch.tokenRewards.map((row) => row.reduce((a, v) => a + v, 0));
        expectBroadcast(run({ rewards: outcomes, mask: batch.mask, groups: batch.groups }, { dtype }).advantages.toArray(), want, batch.mask);
      }),
      { numRuns: 150 },
    );
  });

  it("names the first bad mask entry even after a run of ones (the fast path does not skip validation)", () => {
    const ones = [1, 1, 1, 1, 1, 1, 1];
    const rewards = [ones.map(() => 0), ones.map(() => 0)];
    const bad = (row: number[]) => () => run({ tokenRewards: rewards, mask: [ones, row], groups: [0, 0] });
    expect(bad([1, 1, 1, 1, 1, 0, 2])).toThrow(`${fn}: mask[1][6] is 2; a mask holds only 0 and 1`);
    expect(bad([1, 1, 1, 1, 0.5, 0, 0])).toThrow(`${fn}: mask[1][4] is 0.5; a mask holds only 0 and 1`);
    expect(bad([1, 0, 1, NaN, 1, 1, 1])).toThrow(`${fn}: mask[1][3] is NaN; a mask holds only 0 and 1`);
    const outcomesBatch = { rewards: [1, 0], mask: [ones, [1, 1, 1, 1, 1, 1, -1]], groups: [0, 0] };
    expect(() => run(outcomesBatch)).toThrow(`${fn}: mask[1][6] is -1; a mask holds only 0 and 1`);
  });
});

describe("row scores stay the left-to-right sum of every token", () => {
  it("a lone row keeps its raw score: sum over masked and padded tokens in order", () => {
    // 0.1 + 0.2 + … in sequence differs in the last bits from other summation orders.
    const row = [0.1, 0.2, 0.3, 0.7, 1e-3, 0.9, 0.6, 0.35, 0.15, 0.05, 0.45];
    const sequential = row.reduce((a, v) => a + v, 0);
    for (const n of [0, 3, 4, 8, 11]) {
      const mask = [row.map((_, t) => (t < n ? 1 : 0))];
      const adv = rlooAdvantages({ tokenRewards: [row], mask, groups: ["p"] }, { dtype: "float64" }).advantages.toFlatArray();
      expect(adv).toEqual(row.map((_, t) => (t < n ? sequential : 0)));
      // the float32 default stores that sum rounded once, not a float32 running sum
      const stored = rlooAdvantages({ tokenRewards: [row], mask, groups: ["p"] }).advantages.toFlatArray();
      expect(stored).toEqual(row.map((_, t) => (t < n ? Math.fround(sequential) : 0)));
    }
  });

  it("a non-finite reward is reported with its position, on either side of the mask boundary", () => {
    const mask = [[1, 1, 1, 1, 1, 0, 0, 0, 0]];
    const at = (t: number) => [mask[0]!.map((_, j) => (j === t ? Infinity : 0))];
    expect(() => grpoAdvantages({ tokenRewards: at(2), mask, groups: [0] })).toThrow("grpoAdvantages: tokenRewards[0][2] is Infinity; expected a finite number");
    expect(() => grpoAdvantages({ tokenRewards: at(7), mask, groups: [0] })).toThrow("grpoAdvantages: tokenRewards[0][7] is Infinity; expected a finite number");
  });
});

describe.each(estimators)("%s — out option", (fn, run) => {
  const batch = {
    tokenRewards: [
      [0, 0, 1],
      [0, 0, 0],
      [0, 2, 0],
      [0, 0, 0.5],
    ],
    mask: [
      [1, 1, 1],
      [1, 0, 0],
      [0, 1, 1],
      [1, 0, 1],
    ],
    groups: [0, 0, 1, 1],
  };

  it("writes every entry of a caller's Float64Array (NaN garbage included) and returns it without a copy", () => {
    const out = new Float64Array(12).fill(NaN);
    const result = run(batch, { out });
    expect(result.advantages.data).toBe(out);
    expect(result.returns).toBe(result.advantages);
    expect(result.advantages.shape).toEqual([4, 3]);
    const fresh = run(batch, { dtype: "float64" }).advantages.toFlatArray();
    expect(Array.from(out)).toEqual(fresh);
    batch.mask.flat().forEach((m, k) => {
      if (m === 0) expect(Object.is(out[k], 0)).toBe(true);
    });
    expect(fresh.filter((v) => v !== 0).length).toBe(8); // every unmasked token carries a non-zero advantage
  });

  it("stores float32 when out is a Float32Array, equal to dtype float32", () => {
    const out = new Float32Array(12).fill(7);
    const a = run(batch, { out }).advantages;
    expect(a.data).toBe(out);
    expect(Array.from(out)).toEqual(run(batch, { dtype: "float32" }).advantages.toFlatArray());
    expect(out).toEqual(Float32Array.from(run(batch, { dtype: "float64" }).advantages.data));
    expect(run(batch, { out, dtype: "float32" }).advantages.data).toBe(out);
  });

  it("reusing one buffer across calls overwrites the previous result", () => {
    const out = new Float64Array(12);
    run(batch, { out });
    const other = { rewards: [3, 1, 2, 2], mask: batch.mask.map((r) => r.map((v) => 1 - v)), groups: [0, 0, 1, 1] };
    run(other, { out });
    expect(Array.from(out)).toEqual(run(other, { dtype: "float64" }).advantages.toFlatArray());
    const out32 = new Float32Array(12);
    run(batch, { out: out32 });
    run(other, { out: out32 });
    expect(Array.from(out32)).toEqual(run(other).advantages.toFlatArray());
  });

  it("rejects a buffer of the wrong length, a conflicting dtype, shared memory and a non-typed array", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof RLError ? e.code : "other";
      }
      return "no error";
    };
    expect(() => run(batch, { out: new Float64Array(11) })).toThrow(`${fn}: out has 11 entries, the batch [4,3] needs 12`);
    expect(code(() => run(batch, { out: new Float64Array(11) }))).toBe("SHAPE_MISMATCH");
    expect(() => run(batch, { out: new Float32Array(12), dtype: "float64" })).toThrow(`${fn}: dtype is "float64" but out is a Float32Array`);
    expect(code(() => run(batch, { out: new Float32Array(12), dtype: "float64" }))).toBe("INVALID_CONFIG");
    expect(() => run(batch, { out: new Float64Array(12), dtype: "float32" })).toThrow(`${fn}: dtype is "float32" but out is a Float64Array`);
    const pool = new Float64Array(24);
    const mask = new Matrix(pool.subarray(0, 12).fill(1), [4, 3]);
    expect(() => run({ ...batch, mask }, { out: pool.subarray(6, 18) })).toThrow(`${fn}: out shares memory with mask`);
    const besideMask = pool.subarray(12, 24); // same ArrayBuffer, no shared bytes: allowed
    expect(run({ ...batch, mask }, { out: besideMask }).advantages.data).toBe(besideMask);
    expect(Array.from(besideMask)).toEqual(run({ ...batch, mask: batch.mask.map((r) => r.map(() => 1)) }, { dtype: "float64" }).advantages.toFlatArray());
    const rewards = new Matrix(Float64Array.from(batch.tokenRewards.flat()), [4, 3]);
    expect(code(() => run({ ...batch, tokenRewards: rewards }, { out: rewards.data }))).toBe("INVALID_INPUT");
    expect(code(() => run(batch, { out: Array<number>(12).fill(0) as never }))).toBe("INVALID_CONFIG");
  });
});

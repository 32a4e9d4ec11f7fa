// The byte-compare reads of row-scan.ts (mask layout, row sums) against the per-entry loops they
// replace: the same prefixes and the same sums bit for bit, on Float32 and Float64 inputs, blocks
// of many rows, rows longer than the template, bad entries anywhere, and without Node's Buffer.
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { indexGroups } from "@rl/core";
import { maskPrefixes, maskRowPrefix, rowSums } from "../../src/group/row-scan.js";
import { grpoAdvantages, rlooAdvantages } from "../../src/index.js";

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Reference: the ones-then-zeros prefix of every row, read entry by entry. */
function prefixesByLoop(mask: Float32Array | Float64Array, rows: number, cols: number): number[] {
  return Array.from({ length: rows }, (_, b) => maskRowPrefix(mask, b * cols, cols));
}

/** Reference: left-to-right row sums. */
function sumsByLoop(r: Float32Array | Float64Array, rows: number, cols: number): number[] {
  return Array.from({ length: rows }, (_, b) => {
    let s = 0;
    for (let t = 0; t < cols; t++) s += r[b * cols + t] as number;
    return s;
  });
}

/** A batch whose rows are mostly right-padded, with outcome rewards on the last valid token. */
function batchOf(C: Ctor, rows: number, cols: number, seed: number): { mask: Float32Array | Float64Array; rewards: Float32Array | Float64Array } {
  let x = seed >>> 0;
  const rnd = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const mask = new C(rows * cols);
  const rewards = new C(rows * cols);
  for (let b = 0; b < rows; b++) {
    const n = rnd() < 0.3 ? cols : Math.floor(rnd() * (cols + 1));
    mask.fill(1, b * cols, b * cols + n);
    if (n > 0) rewards[b * cols + n - 1] = rnd() < 0.5 ? 1 : -0.25;
  }
  return { mask, rewards };
}

/** Entries that break the fast guesses: holes, non-0/1 mask values, rewards off the last token, −0, NaN, ±Inf. */
const breakers = fc.array(
  fc.record({ at: fc.nat(), kind: fc.constantFrom("hole", "half", "negZeroMask", "reward", "negZero", "nan", "inf") }),
  { maxLength: 6 },
);

function applyBreakers(mask: Float32Array | Float64Array, rewards: Float32Array | Float64Array, list: { at: number; kind: string }[]): void {
  for (const { at, kind } of list) {
    const k = at % mask.length;
    if (kind === "hole") mask[k] = mask[k] === 1 ? 0 : 1;
    else if (kind === "half") mask[k] = 0.5;
    else if (kind === "negZeroMask") mask[k] = -0;
    else if (kind === "reward") rewards[k] = 0.125;
    else if (kind === "negZero") rewards[k] = -0;
    else if (kind === "nan") rewards[k] = Number.NaN;
    else rewards[k] = Number.POSITIVE_INFINITY;
  }
}

/**
 * The loop's prefixes, except that a row holding a −0 (equal to 0, other bytes than +0) may come
 * out −1: the caller's per-entry loop then writes it, as correct and only slower.
 */
function expectPrefixes(prefix: Int32Array, mask: Float32Array | Float64Array, rows: number, cols: number): void {
  const want = prefixesByLoop(mask, rows, cols);
  const got = Array.from(prefix, (p, b) => (p === -1 && mask.subarray(b * cols, (b + 1) * cols).some((v) => Object.is(v, -0)) ? want[b] : p));
  expect(got).toEqual(want);
}

const cases = fc.record({
  f64: fc.boolean(),
  rows: fc.integer({ min: 1, max: 300 }),
  // up to 70,000 columns: longer than the 256 KiB template of Float32 rows (65,536 entries)
  cols: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(512, 1000, 70_000)),
  seed: fc.nat(),
  broken: breakers,
});

function check(c: { f64: boolean; rows: number; cols: number; seed: number; broken: { at: number; kind: string }[] }): void {
  const rows = c.cols > 1000 ? Math.min(c.rows, 4) : c.rows;
  const { mask, rewards } = batchOf(c.f64 ? Float64Array : Float32Array, rows, c.cols, c.seed);
  applyBreakers(mask, rewards, c.broken);
  const prefix = maskPrefixes(mask, rows, c.cols);
  expectPrefixes(prefix, mask, rows, c.cols);
  const scores = new Float64Array(rows);
  rowSums(rewards, rows, c.cols, prefix, scores);
  // toEqual compares with Object.is: NaN equals NaN, and +0 differs from −0
  expect(Array.from(scores)).toEqual(sumsByLoop(rewards, rows, c.cols));
}

describe("row-scan: mask layout and row sums by byte compares", () => {
  it("equal the per-entry loops (Float32 and Float64, any layout, bad entries anywhere)", () => {
    fc.assert(fc.property(cases, check), { numRuns: 120 });
  });

  it("a batch of full rows (the self-compare block) and one bad entry in its middle", () => {
    for (const C of [Float32Array, Float64Array]) {
      const rows = 300;
      const cols = 512;
      const mask = new C(rows * cols).fill(1);
      const rewards = new C(rows * cols);
      for (let b = 0; b < rows; b++) rewards[b * cols + cols - 1] = b % 3;
      expect(Array.from(maskPrefixes(mask, rows, cols))).toEqual(new Array(rows).fill(cols));
      mask[200 * cols + 7] = 0;
      const prefix = maskPrefixes(mask, rows, cols);
      expect(prefix[200]).toBe(-1);
      expect(Array.from(prefix)).toEqual(prefixesByLoop(mask, rows, cols));
      const scores = new Float64Array(rows);
      rowSums(rewards, rows, cols, prefix, scores);
      expect(Array.from(scores)).toEqual(sumsByLoop(rewards, rows, cols));
    }
  });

  it("views at an offset into a larger buffer read only their own bytes", () => {
    const rows = 40;
    const cols = 9;
    const big = new Float32Array(3 + rows * cols + 5).fill(7);
    const mask = big.subarray(3, 3 + rows * cols).fill(1);
    const rewards = new Float32Array(rows * cols);
    rewards[cols - 1] = 2;
    expect(Array.from(maskPrefixes(mask, rows, cols))).toEqual(new Array(rows).fill(cols));
    const scores = new Float64Array(rows);
    rowSums(rewards, rows, cols, maskPrefixes(mask, rows, cols), scores);
    expect(scores[0]).toBe(2);
    expect(big[0]).toBe(7); // inputs are only read
  });

  it("without Node's Buffer (browsers) the per-entry loops give the same results", async () => {
    vi.resetModules();
    vi.stubGlobal("Buffer", undefined);
    try {
      const scan = await import("../../src/group/row-scan.js");
      fc.assert(
        fc.property(cases, (c) => {
          const rows = c.cols > 1000 ? Math.min(c.rows, 4) : c.rows;
          const { mask, rewards } = batchOf(c.f64 ? Float64Array : Float32Array, rows, c.cols, c.seed);
          applyBreakers(mask, rewards, c.broken);
          const prefix = scan.maskPrefixes(mask, rows, c.cols);
          expectPrefixes(prefix, mask, rows, c.cols);
          const scores = new Float64Array(rows);
          scan.rowSums(rewards, rows, c.cols, prefix, scores);
          expect(Array.from(scores)).toEqual(sumsByLoop(rewards, rows, c.cols));
        }),
        { numRuns: 30 },
      );
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });

  it("GRPO and RLOO on a 1M-token Float32 batch: per-row values broadcast, mask errors named", () => {
    const [G, K, T] = [64, 8, 512];
    const B = G * K;
    const { mask, rewards } = batchOf(Float32Array, B, T, 3);
    const groups = Array.from({ length: B }, (_, b) => Math.floor(b / K));
    for (const run of [grpoAdvantages, rlooAdvantages as typeof grpoAdvantages]) {
      const out = run({ tokenRewards: { data: rewards, shape: [B, T] }, mask: { data: mask, shape: [B, T] }, groups }).advantages.data;
      // the same scores as one column each: no broadcast layout
      const column = Array.from({ length: B }, () => [1]);
      const perRow = run({ tokenRewards: sumsByLoop(rewards, B, T).map((s) => [s]), mask: column, groups }).advantages.data;
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          const want = mask[b * T + t] === 1 ? (perRow[b] as number) : 0;
          if (!Object.is(out[b * T + t], want === 0 ? 0 : want)) throw new Error(`row ${b} token ${t}: ${out[b * T + t]} vs ${want}`);
        }
      }
    }
    mask[77 * T + 3] = 2;
    expect(() => grpoAdvantages({ tokenRewards: { data: rewards, shape: [B, T] }, mask: { data: mask, shape: [B, T] }, groups })).toThrow(
      "grpoAdvantages: mask[77][3] is 2; a mask holds only 0 and 1",
    );
    expect(indexGroups(groups, B).count).toBe(G);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { opoAdvantages } from "../../src/index.js";
import { closeTo, groupBatch, paddingIsZero, shiftGroup } from "./arbitraries.js";

const col = (m: number[][], t = 0) => m.map((r) => r[t]!);
const ones = (B: number) => Array.from({ length: B }, () => [1]);

describe("opoAdvantages (spec §6)", () => {
  it("worked example: s = [1, 0], lengths [2, 6] → b = 0.25", () => {
    const mask = [
      [1, 1, 0, 0, 0, 0],
      [1, 1, 1, 1, 1, 1],
    ];
    const a = opoAdvantages({ rewards: [1, 0], mask, groups: ["p", "p"] }).advantages.toArray();
    expect(a).toEqual([
      [0.75, 0.75, 0, 0, 0, 0],
      [-0.25, -0.25, -0.25, -0.25, -0.25, -0.25],
    ]);
  });

  it("equal lengths reduce to Dr. GRPO (mean baseline)", () => {
    const a = col(opoAdvantages({ rewards: [1, 0, 0, 3], mask: ones(4), groups: [0, 0, 0, 0] }).advantages.toArray());
    expect(a).toEqual([0, -1, -1, 2]);
  });

  it("group of one: baseline 0 (verl) or 0; all rows empty: baseline 0", () => {
    expect(opoAdvantages({ rewards: [0.7], mask: [[1]], groups: [0] }, { dtype: "float64" }).advantages.toArray()).toEqual([[0.7]]);
    expect(opoAdvantages({ rewards: [0.7], mask: [[1]], groups: [0] }).advantages.toArray()).toEqual([[Math.fround(0.7)]]);
    expect(opoAdvantages({ rewards: [0.7], mask: [[1]], groups: [0] }, { singleton: "zero" }).advantages.toArray()).toEqual([[0]]);
    expect(opoAdvantages({ rewards: [1, 0], mask: [[0], [0]], groups: [0, 0] }).advantages.toArray()).toEqual([[0], [0]]);
  });

  it("stores float32 by default: the float64 result rounded once per entry, bit for bit", () => {
    const b = { rewards: [0.7, 0.1, 0.35, 1.3, 0.2], mask: [[1, 1, 1], [1, 1, 0], [1, 0, 0], [1, 1, 1], [1, 0, 1]], groups: [0, 0, 0, 1, 1] };
    const exact = opoAdvantages(b, { dtype: "float64" }).advantages;
    expect(exact.data).toBeInstanceOf(Float64Array);
    expect(Array.from(exact.data).some((x) => Math.fround(x) !== x)).toBe(true);
    const stored = opoAdvantages(b).advantages;
    expect(stored.data).toBeInstanceOf(Float32Array);
    expect(stored.data).toEqual(Float32Array.from(exact.data));
  });

  it("shift invariant; padding 0", () => {
    fc.assert(
      fc.property(groupBatch({ minGroupSize: 2 }), fc.integer({ min: -40, max: 40 }), (batch, k) => {
        const a = opoAdvantages(batch, { dtype: "float64" }).advantages.toArray();
        const hasLength = batch.mask.some((r, b) => batch.groups[b] === batch.groups[0] && r[0] === 1);
        const shifted = opoAdvantages(shiftGroup(batch, batch.groups[0]!, k / 8), { dtype: "float64" }).advantages.toArray();
        return paddingIsZero(a, batch.mask) && (!hasLength || closeTo(a, shifted));
      }),
      { numRuns: 100 },
    );
  });
});

import { describe, expect, it } from "vitest";
import { remaxAdvantages } from "../../src/index.js";

describe("remaxAdvantages (spec §5)", () => {
  it("worked examples", () => {
    const f64 = { dtype: "float64" } as const;
    const a = remaxAdvantages({ tokenRewards: [[0, 0, 1]], mask: [[1, 1, 1]], baselines: [0.4] }, f64);
    expect(a.returns.toArray()).toEqual([[1, 1, 1]]);
    expect(a.advantages.toArray()[0]!.map((x) => +x.toFixed(12))).toEqual([0.6, 0.6, 0.6]);
    const klBatch = { tokenRewards: [[-0.02, 0, 1.05]], mask: [[1, 1, 1]], baselines: [0.4] };
    const kl = remaxAdvantages(klBatch, f64);
    expect(kl.returns.toArray()[0]!.map((x) => +x.toFixed(12))).toEqual([1.03, 1.05, 1.05]);
    expect(kl.advantages.toArray()[0]!.map((x) => +x.toFixed(12))).toEqual([0.63, 0.65, 0.65]);
    // the float32 default, as a loss reads it
    const stored = remaxAdvantages(klBatch);
    expect(stored.returns.toArray()[0]).toEqual([1.03, 1.05, 1.05].map(Math.fround));
    expect(stored.advantages.toArray()[0]).toEqual([0.63, 0.65, 0.65].map(Math.fround));
  });

  it("stores float32 by default: the float64 results rounded once per entry, bit for bit", () => {
    const b = { tokenRewards: [[-0.013, 0.1, 0.7, 0], [0.02, -0.031, 0.35, 1.3]], mask: [[1, 1, 1, 0], [1, 0, 1, 1]], baselines: [0.3, 0.45] };
    const exact = remaxAdvantages(b, { dtype: "float64" });
    const stored = remaxAdvantages(b);
    for (const key of ["advantages", "returns"] as const) {
      expect(exact[key].data).toBeInstanceOf(Float64Array);
      expect(Array.from(exact[key].data).some((x) => Math.fround(x) !== x)).toBe(true);
      expect(stored[key].data).toBeInstanceOf(Float32Array);
      expect(stored[key].data).toEqual(Float32Array.from(exact[key].data));
    }
  });

  it("padding is 0 in both outputs; a fully masked row is all 0", () => {
    const a = remaxAdvantages({ tokenRewards: [[1, 2, 0], [5, 5, 5]], mask: [[1, 1, 0], [0, 0, 0]], baselines: [1, 3] });
    expect(a.returns.toArray()).toEqual([[3, 2, 0], [0, 0, 0]]);
    expect(a.advantages.toArray()).toEqual([[2, 1, 0], [0, 0, 0]]);
  });

  it("missing or wrong-length baselines are clear errors", () => {
    expect(() => remaxAdvantages({ tokenRewards: [[1]], mask: [[1]] } as never)).toThrow("remaxAdvantages: baselines is required");
    expect(() => remaxAdvantages({ tokenRewards: [[1], [1]], mask: [[1], [1]], baselines: [1, 2, 3] })).toThrow(
      "remaxAdvantages: baselines has 3 entries, mask has 2 rows",
    );
    expect(() => remaxAdvantages({ tokenRewards: [[1]], mask: [[1]], baselines: [NaN] })).toThrow(/NaN/);
  });
});

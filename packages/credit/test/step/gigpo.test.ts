import { RLError } from "@rl/core";
import { assertClose } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anchorGroups, gigpoAdvantages, gigpoConfig, gigpoStepReturns } from "../../src/step/index.js";
import { creditRegistry } from "../../src/index.js";

// spec §23: τ1 visits [s0, s1, s2] with rewards [0, 0, 10]; τ2 visits [s0, s3, s1, s4] with 0
const worked = {
  mask: [[1, 1], [1, 0], [1, 1], [1, 1], [1, 1], [1, 0], [1, 1]],
  groups: [0, 0, 0, 0, 0, 0, 0],
  trajectories: ["t1", "t1", "t1", "t2", "t2", "t2", "t2"],
  anchors: ["s0", "s1", "s2", "s0", "s3", "s1", "s4"],
  episodeReturns: [10, 10, 10, 0, 0, 0, 0],
  stepRewards: [0, 0, 10, 0, 0, 0, 0],
};

describe("gigpoStepReturns", () => {
  it("discounts within each trajectory (spec §23)", () => {
    assertClose(gigpoStepReturns(worked.stepRewards, worked.trajectories).returns.toFlatArray(), [9.025, 9.5, 10, 0, 0, 0, 0], 1e-12, 0);
  });
  it("trajectories may interleave", () => {
    assertClose(gigpoStepReturns([1, 2, 3, 4], ["a", "b", "a", "b"], { gamma: 0.5 }).returns.toFlatArray(), [2.5, 4, 3, 4], 1e-12, 0);
  });
  it("errors", () => {
    expect(() => gigpoStepReturns([1, 2], ["a"])).toThrow(/trajectories has 1 entries, stepRewards has 2/);
    expect(() => gigpoStepReturns([Infinity], ["a"])).toThrow(RLError);
  });
});

describe("gigpoAdvantages (spec §23 worked example)", () => {
  it("mean_norm, ω = 1, per-trajectory episode statistics", () => {
    const out = gigpoAdvantages(worked);
    assertClose(out.stepAdvantages.toFlatArray(), [4.5125, 4.75, 0, -4.5125, 0, -4.75, 0], 1e-12, 0);
    // float32 storage: within a relative 1e-7 (one float32 rounding is ≤ 2⁻²⁴ ≈ 6e-8)
    expect(out.advantages.data).toBeInstanceOf(Float32Array);
    assertClose(out.advantages.toArray().map((r) => r[0] as number), [9.5125, 9.75, 5, -9.5125, -5, -9.75, -5], 0, 1e-7);
    const out64 = gigpoAdvantages(worked, { dtype: "float64" });
    assertClose(out64.advantages.toArray().map((r) => r[0] as number), [9.5125, 9.75, 5, -9.5125, -5, -9.75, -5], 1e-12, 0);
    expect(out.advantages.get(1, 1)).toBe(0);
  });
  it("mean_std_norm episode part ±0.7071067", () => {
    const out = gigpoAdvantages(worked, { mode: "mean_std_norm" });
    assertClose(out.episodeAdvantages.toFlatArray(), [0.7071067, 0.7071067, 0.7071067, -0.7071067, -0.7071067, -0.7071067, -0.7071067], 1e-6, 1e-6);
  });
  it("row-weighted episode statistics (old verl-agent default): 5.7142857 and −4.2857143", () => {
    const out = gigpoAdvantages(worked, { episodeStats: "rowWeighted" });
    assertClose(out.episodeAdvantages.toFlatArray(), [5.7142857, 5.7142857, 5.7142857, -4.2857143, -4.2857143, -4.2857143, -4.2857143], 1e-6, 1e-6);
  });
  it("episode returns from tokenRewards row sums equal explicit episodeReturns", () => {
    const { episodeReturns: _unused, ...rest } = worked;
    const tokenRewards = worked.episodeReturns.map((r) => [0, r]);
    const a = gigpoAdvantages({ ...rest, tokenRewards }, { dtype: "float64" }).advantages.toArray();
    expect(a).toEqual(gigpoAdvantages(worked, { dtype: "float64" }).advantages.toArray());
  });
  it("a group of one trajectory uses mean 0, std 1; a step group of one gives 0", () => {
    const out = gigpoAdvantages(
      { mask: [[1], [1]], groups: [0, 0], trajectories: ["t", "t"], anchors: ["a", "b"], episodeReturns: [3, 3], stepReturns: [2.85, 3] },
      { gamma: 0.95, mode: "mean_std_norm", dtype: "float64" },
    );
    assertClose(out.advantages.toFlatArray(), [3 / (1 + 1e-6), 3 / (1 + 1e-6)], 1e-12, 0);
  });
  it("anchors group only inside an episode group", () => {
    expect(Array.from(anchorGroups(["s0", "s1", "s0", "s0"], [0, 0, 0, 1]))).toEqual([0, 1, 0, 2]);
  });
});

const batchArb = fc.integer({ min: 1, max: 8 }).chain((n) =>
  fc.record({
    groups: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
    traj: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
    anchors: fc.array(fc.constantFrom("a", "b", "c"), { minLength: n, maxLength: n }),
    rewards: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n, maxLength: n }),
    len: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: n, maxLength: n }),
  }),
);

function build(b: { groups: number[]; traj: number[]; anchors: string[]; rewards: number[]; len: number[] }) {
  // a trajectory lives inside one group: id = group:traj; its episode return is the sum of its rewards
  const trajectories = b.groups.map((g, i) => `${g}:${b.traj[i]}`);
  const total = new Map<string, number>();
  trajectories.forEach((t, i) => total.set(t, (total.get(t) ?? 0) + (b.rewards[i] as number)));
  return {
    mask: b.len.map((l) => [0, 1, 2].map((t) => (t < l ? 1 : 0))),
    groups: b.groups,
    trajectories,
    anchors: b.anchors,
    episodeReturns: trajectories.map((t) => total.get(t) as number),
    stepRewards: b.rewards,
  };
}

describe("gigpoAdvantages properties", () => {
  it("ω = 0 equals the episode part; padding is 0; everything finite", () => {
    fc.assert(
      fc.property(batchArb, fc.constantFrom("mean_norm", "mean_std_norm") as fc.Arbitrary<"mean_norm" | "mean_std_norm">, (b, mode) => {
        const input = build(b);
        const out = gigpoAdvantages(input, { stepAdvantageWeight: 0, mode, dtype: "float64" });
        out.advantages.toArray().forEach((row, i) =>
          row.forEach((v, t) => {
            expect(Number.isFinite(v)).toBe(true);
            expect(v).toBe(input.mask[i]?.[t] === 1 ? out.episodeAdvantages.data[i] : 0);
          }),
        );
      }),
      { numRuns: 100 },
    );
  });
  it("adding a constant to every episode return and step return leaves the advantages unchanged (groups of ≥ 2 trajectories)", () => {
    fc.assert(
      fc.property(batchArb, fc.double({ min: -10, max: 10, noNaN: true }), (b, c) => {
        const input = build({ ...b, groups: b.groups.map(() => 0) });
        if (new Set(input.trajectories).size < 2) return;
        const stepReturns = Array.from(gigpoStepReturns(input.stepRewards, input.trajectories).returns.data);
        const base = gigpoAdvantages({ ...input, stepReturns }, { dtype: "float64" }).advantages.toFlatArray();
        const shifted = gigpoAdvantages(
          { ...input, episodeReturns: input.episodeReturns.map((r) => r + c), stepReturns: stepReturns.map((r) => r + c) },
          { dtype: "float64" },
        ).advantages.toFlatArray();
        base.forEach((v, k) => expect(shifted[k] as number).toBeCloseTo(v, 8));
      }),
      { numRuns: 100 },
    );
  });
});

describe("gigpoAdvantages output storage", () => {
  it("default float32 advantages are the float64 ones rounded entry by entry; diagnostics stay float64", () => {
    for (const mode of ["mean_norm", "mean_std_norm"] as const) {
      const x = gigpoAdvantages(worked, { mode, gamma: 0.9, dtype: "float64" });
      const y = gigpoAdvantages(worked, { mode, gamma: 0.9 });
      expect(x.advantages.data).toBeInstanceOf(Float64Array);
      expect(y.advantages.data).toBeInstanceOf(Float32Array);
      expect(Array.from(x.advantages.data).some((v) => Math.fround(v) !== v)).toBe(true);
      expect(y.advantages.data).toEqual(Float32Array.from(x.advantages.data));
      for (const key of ["episodeAdvantages", "stepAdvantages", "stepReturns"] as const) {
        expect(y[key].data).toBeInstanceOf(Float64Array);
        expect(y[key].data).toEqual(x[key].data);
      }
    }
    fc.assert(
      fc.property(batchArb, (b) => {
        const input = build(b);
        const x = gigpoAdvantages(input, { mode: "mean_std_norm", dtype: "float64" });
        expect(gigpoAdvantages(input, { mode: "mean_std_norm" }).advantages.data).toEqual(Float32Array.from(x.advantages.data));
      }),
      { numRuns: 100 },
    );
  });
  it("rl/gigpo's schema carries dtype", () => {
    expect(gigpoConfig.parse({}).dtype).toBe("float32");
    const run = (dtype?: "float64") =>
      creditRegistry().create<(b: typeof worked) => { advantages: { data: unknown } }>("credit-assigner", "rl/gigpo", dtype ? { dtype } : {})(worked).advantages.data;
    expect(run()).toBeInstanceOf(Float32Array);
    expect(run("float64")).toBeInstanceOf(Float64Array);
  });
});

describe("gigpoAdvantages errors", () => {
  it("empty batch, mismatched lengths, missing returns", () => {
    expect(() => gigpoAdvantages({ ...worked, mask: [] })).toThrow(/gigpoAdvantages: mask is empty/);
    expect(() => gigpoAdvantages({ ...worked, anchors: ["s0"] })).toThrow(/anchors has 1 entries, mask rows has 7/);
    expect(() => gigpoAdvantages({ ...worked, stepRewards: [1, 2] })).toThrow(/stepRewards has 2 entries, mask rows has 7/);
    const { episodeReturns: _e, ...noEpisode } = worked;
    expect(() => gigpoAdvantages(noEpisode)).toThrow(/give episodeReturns or tokenRewards/);
    const { stepRewards: _s, ...noStep } = worked;
    expect(() => gigpoAdvantages(noStep)).toThrow(/give stepReturns or stepRewards/);
    expect(() => gigpoAdvantages(worked, { mode: "std" as never })).toThrow(/invalid config/);
  });
});

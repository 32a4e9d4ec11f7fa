import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RLError } from "@rl/core/arrays";
import { dynamicSamplingFilter, pfPpoResample, pfPpoWeights, promptCurriculumSelection, rewardRankedSelection } from "../../src/index.js";

const reasons = (r: { dropped: readonly { row: number; reason: string }[] }) => r.dropped.map((d) => `${d.row}:${d.reason}`);

/** kept ∪ dropped rows = every row once (kept may repeat only for a resampler). */
function partitions(kept: readonly number[], dropped: readonly { row: number }[], rows: number): boolean {
  const seen = new Set([...kept, ...dropped.map((d) => d.row)]);
  const overlap = dropped.some((d) => kept.includes(d.row));
  return !overlap && seen.size === rows && [...seen].every((i) => i >= 0 && i < rows);
}

const scoresAndGroups = fc
  .array(fc.record({ g: fc.integer({ min: 0, max: 5 }), s: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 24 })
  .map((rows) => ({ rewards: rows.map((r) => r.s / 2), groups: rows.map((r) => r.g) }));

describe("dynamicSamplingFilter (DAPO)", () => {
  it("worked example: equal groups dropped, the batch refilled across rounds, then cut", () => {
    const round1 = { rewards: [1, 1, 0, 1, 0, 0], groups: ["a", "a", "b", "b", "c", "c"] };
    const r1 = dynamicSamplingFilter(round1, { promptBatchSize: 2 });
    expect(r1.kept).toEqual([2, 3]);
    expect(reasons(r1)).toEqual(["0:zero-variance", "1:zero-variance", "4:zero-variance", "5:zero-variance"]);
    expect(r1).toMatchObject({ keptPrompts: 1, full: false, missingPrompts: 1 });
    // round 2 appended: d and e vary; the batch is full with b and d, e overflows
    const both = { rewards: [...round1.rewards, 0, 1, 1, 0.5], groups: [...round1.groups, "d", "d", "e", "e"] };
    const r2 = dynamicSamplingFilter(both, { promptBatchSize: 2 });
    expect(r2.kept).toEqual([2, 3, 6, 7]);
    expect(reasons(r2).slice(-2)).toEqual(["8:overflow", "9:overflow"]);
    expect(r2).toMatchObject({ keptPrompts: 3, full: true, missingPrompts: 0 });
  });

  it("a group of one is kept (verl); rolloutsPerPrompt cuts by rows like verl's batch[:traj_bsz]", () => {
    expect(dynamicSamplingFilter({ rewards: [1], groups: [0] }, { promptBatchSize: 1 }).kept).toEqual([0]);
    const r = dynamicSamplingFilter({ rewards: [1, 0, 0, 1, 1, 0], groups: [0, 0, 1, 1, 2, 2] }, { promptBatchSize: 2, rolloutsPerPrompt: 1 });
    expect(r.kept).toEqual([0, 1]);
    expect(reasons(r)).toEqual(["2:overflow", "3:overflow", "4:overflow", "5:overflow"]);
  });

  it("bad input: RLError", () => {
    expect(() => dynamicSamplingFilter({ rewards: [1, 0], groups: [0] }, { promptBatchSize: 1 })).toThrow(/groups has 1 entries, rewards has 2 rows/);
    expect(() => dynamicSamplingFilter({ rewards: [1, Number.NaN], groups: [0, 0] }, { promptBatchSize: 1 })).toThrow(RLError);
    expect(() => dynamicSamplingFilter({ rewards: [1], groups: [0] }, { promptBatchSize: 0 })).toThrow(RLError);
  });

  it("properties: a partition of the rows; kept groups vary or are singletons; whole groups unless cut by rows", () => {
    fc.assert(
      fc.property(scoresAndGroups, fc.integer({ min: 1, max: 6 }), ({ rewards, groups }, n) => {
        const r = dynamicSamplingFilter({ rewards, groups }, { promptBatchSize: n });
        if (!partitions(r.kept, r.dropped, rewards.length)) return false;
        const keptGroups = new Set(r.kept.map((i) => groups[i]));
        for (const g of keptGroups) {
          const rows = groups.map((x, i) => (x === g ? i : -1)).filter((i) => i >= 0);
          const vals = rows.map((i) => rewards[i]!);
          if (rows.length > 1 && Math.min(...vals) === Math.max(...vals)) return false;
          if (!rows.every((i) => r.kept.includes(i))) return false;
        }
        return keptGroups.size === Math.min(n, r.keptPrompts) && r.full === r.keptPrompts >= n;
      }),
      { numRuns: 200 },
    );
  });
});

describe("PF-PPO (verl compute_pf_ppo_reweight_data)", () => {
  it("weights match verl's compute_weights + clamp(w + 1e-8, min=1e-8) for the three methods", () => {
    const s = [0.5, -1, 2, 0, 2];
    expect(Array.from(pfPpoWeights(s))).toEqual([0.25 + 1e-8, 1 + 1e-8, 4 + 1e-8, 1e-8, 4 + 1e-8]);
    expect(Array.from(pfPpoWeights(s, { reweightMethod: "pow", weightPow: 3 }))).toEqual([0.125 + 1e-8, 1 + 1e-8, 8 + 1e-8, 1e-8, 8 + 1e-8]);
    expect(Array.from(pfPpoWeights(s, { reweightMethod: "max_min" }))).toEqual([1e-8, 1 + 1e-8, 1 + 1e-8, 1e-8, 1 + 1e-8]);
    expect(Array.from(pfPpoWeights(s, { reweightMethod: "max_random" }))).toEqual([0.1 + 1e-8, 0.1 + 1e-8, 0.4 + 1e-8, 0.1 + 1e-8, 0.4 + 1e-8]);
  });

  it("resamples B rows with replacement, seeded; max_min draws (almost) only the best and worst", () => {
    const s = [0.3, 1, 0.5, 0, 0.7, 0.2, 0.6, 0.4];
    const a = pfPpoResample(s, { reweightMethod: "max_min", seed: 3 });
    expect(a.kept).toHaveLength(8);
    expect(a.kept.every((i) => i === 1 || i === 3)).toBe(true);
    expect(a).toEqual(pfPpoResample(s, { reweightMethod: "max_min", seed: 3 }));
    expect(a.dropped.map((d) => d.reason).every((x) => x === "not-drawn")).toBe(true);
  });

  it("frequencies follow the weights (max_random: best drawn with probability 0.4 / (0.4 + 0.1·3))", () => {
    const s = [1, 0, 0, 0];
    let best = 0;
    for (let seed = 0; seed < 400; seed++) best += pfPpoResample(s, { reweightMethod: "max_random", seed }).kept.filter((i) => i === 0).length;
    expect(best / 1600).toBeGreaterThan(0.53);
    expect(best / 1600).toBeLessThan(0.61); // 4/7 = 0.571
  });

  it("bad input: RLError", () => {
    expect(() => pfPpoWeights([])).toThrow(/empty/);
    expect(() => pfPpoWeights([Number.POSITIVE_INFINITY])).toThrow(RLError);
    expect(() => pfPpoWeights([1e300], { weightPow: 2 })).toThrow(/overflows/);
    expect(() => pfPpoResample([1], { reweightMethod: "best" as never })).toThrow(RLError);
  });

  it("property: kept has B entries in [0, B); dropped are exactly the rows never drawn", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 1, maxLength: 20 }), fc.integer(), (xs, seed) => {
        const r = pfPpoResample(xs, { seed });
        const drawn = new Set(r.kept);
        return r.kept.length === xs.length && r.dropped.every((d) => !drawn.has(d.row)) && drawn.size + r.dropped.length === xs.length;
      }),
    );
  });
});

describe("promptCurriculumSelection (PCL)", () => {
  it("worked example: the prompts nearest p = 0.5", () => {
    const r = promptCurriculumSelection([0.95, 0.5, 0.1, 0.6, 0.0, 0.3], { promptBatchSize: 3 });
    expect(r.kept).toEqual([1, 3, 5]);
    expect(reasons(r)).toEqual(["0:too-easy", "2:too-hard", "4:too-hard"]);
    expect(promptCurriculumSelection([0.9, 0.2], { promptBatchSize: 1, target: 0.8 }).kept).toEqual([0]);
  });

  it("bad input: RLError", () => {
    expect(() => promptCurriculumSelection([1.2], { promptBatchSize: 1 })).toThrow(/\[0, 1\]/);
    expect(() => promptCurriculumSelection([0.5], {} as never)).toThrow(RLError);
  });

  it("property: keeps min(n, B) prompts, every kept one at least as near the target as every dropped one", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }).map((k) => k / 20), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 10 }), (p, n) => {
        const r = promptCurriculumSelection(p, { promptBatchSize: n });
        const far = Math.max(...r.kept.map((i) => Math.abs(p[i]! - 0.5)));
        return r.kept.length === Math.min(n, p.length) && partitions(r.kept, r.dropped, p.length) && r.dropped.every((d) => Math.abs(p[d.row]! - 0.5) >= far);
      }),
    );
  });
});

describe("rewardRankedSelection (RAFT)", () => {
  it("worked example: best per prompt; ties to the lower index; global ranking without groups", () => {
    const rewards = [0.2, 0.9, 0.5, 0.1, 0.7, 0.7];
    expect(rewardRankedSelection({ rewards, groups: [0, 0, 0, 1, 1, 1] }).kept).toEqual([1, 4]);
    expect(rewardRankedSelection({ rewards }, { topK: 2 }).kept).toEqual([1, 4]);
    const r = rewardRankedSelection({ rewards, groups: [0, 0, 0, 1, 1, 1] }, { topK: 2, minReward: 0.6 });
    expect(r.kept).toEqual([1, 4, 5]);
    expect(reasons(r)).toEqual(["0:below-top-k", "2:below-min-reward", "3:below-top-k"]);
  });

  it("bad input: RLError", () => {
    expect(() => rewardRankedSelection({ rewards: [1, 2], groups: [0, 0, 0] })).toThrow(/groups has 3 entries, rewards has 2 rows/);
    expect(() => rewardRankedSelection({ rewards: [1] }, { topK: 0 })).toThrow(RLError);
  });

  it("property: min(topK, |g|) rows per group, each scoring at least as high as the group's dropped rows", () => {
    fc.assert(
      fc.property(scoresAndGroups, fc.integer({ min: 1, max: 4 }), ({ rewards, groups }, k) => {
        const r = rewardRankedSelection({ rewards, groups }, { topK: k });
        if (!partitions(r.kept, r.dropped, rewards.length)) return false;
        return [...new Set(groups)].every((g) => {
          const rows = groups.map((x, i) => (x === g ? i : -1)).filter((i) => i >= 0);
          const kept = rows.filter((i) => r.kept.includes(i));
          const low = Math.min(...kept.map((i) => rewards[i]!));
          return kept.length === Math.min(k, rows.length) && rows.every((i) => r.kept.includes(i) || rewards[i]! <= low);
        });
      }),
    );
  });
});

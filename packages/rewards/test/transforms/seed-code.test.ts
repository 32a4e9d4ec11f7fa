import { RLError } from "@rl/core";
import { loadConformanceCases, type ConformanceCase } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ensembleRewards, linearOverlongPenalty, lscReference, lscTransform, parTransform, preferenceAsReward } from "../../src/index.js";

function close(got: readonly (number | null)[], want: readonly number[], tol: ConformanceCase["tol"], where: string): void {
  expect(got.length, where).toBe(want.length);
  want.forEach((w, k) => {
    const g = got[k] as number;
    expect(Math.abs(g - w) <= tol.abs + tol.rel * Math.abs(w), `${where}[${k}]: got ${g}, want ${w}`).toBe(true);
  });
}

const shaping = (a: Record<string, unknown>) => ({
  rewardCeil: a.rewardCeil as number | null,
  penalizeLength: a.penalizeLength as boolean,
  genValidLen: a.genValidLen as number,
  lenPenalty: a.lenPenalty as number,
});
const input = (a: Record<string, unknown>) => ({
  rewards: a.rewards as number[],
  context: { refRewards: a.refRewards as number[][], responseLengths: a.responseLengths as number[] },
});

// Vectors of seed-repos.json: PorUna-byte/PAR @ b8caf406 and tlc4418/llm_optimization @ 416b03cc.
describe("PAR and the PAR repository's LSC baseline against the official code", () => {
  const par = loadConformanceCases(["reward.par"]);
  const lsc = loadConformanceCases(["reward.lscPar"]);
  it("has the 15 + 10 cases", () => expect([par.length, lsc.length]).toEqual([15, 10]));
  for (const c of par) {
    it(c.id, () => {
      const t = parTransform({ k: c.args.sigmoidK as number, maxRef: c.args.maxRef as number, ...shaping(c.args) });
      close(t.update(input(c.args), undefined).output, c.expected.rewards as number[], c.tol, c.id);
    });
  }
  for (const c of lsc) {
    it(c.id, () => {
      close(lscTransform(shaping(c.args)).update(input(c.args), undefined).output, c.expected.rewards as number[], c.tol, c.id);
    });
  }
});

describe("ensembles against the official code (reward.ensemble)", () => {
  const cases = loadConformanceCases(["reward.ensemble"]);
  it("has the 20 cases", () => expect(cases.length).toBe(20));
  for (const c of cases) {
    it(c.id, () => {
      const scores = c.args.scores as number[][];
      const members = (scores[0] as number[]).map((_, i) => scores.map((row) => row[i] as number));
      const bon = c.args.variant === "bon";
      const coeff = c.args.coeff as number | null;
      // best-of-n: `weight if weight else 1`, the code's truthiness test, reproduced by the caller
      const lambda = bon ? coeff || 1 : coeff;
      const mode = (c.args.objective as string).toLowerCase() as "mean";
      const out = ensembleRewards(members, { mode, unbiased: !bon, ...(lambda === null ? {} : { lambda }) });
      close(out.rewards.toFlatArray(), c.expected.rewards as number[], c.tol, c.id);
      if ("variance" in c.expected) close(out.variance.toFlatArray(), c.expected.variance as number[], c.tol, `${c.id} variance`);
    });
  }
});

describe("PAR code defaults, hand-worked", () => {
  const refRewards = [[0, 0.5, 2]];
  it("the length penalty is on by default and comes before the sigmoid", () => {
    const out = parTransform().update({ rewards: [1], context: { refRewards, responseLengths: [350] } }, undefined).output;
    expect(out[0]).toBeCloseTo(preferenceAsReward(0.5, [0, 0.5, 2]), 15); // 1 − 0.01·(350 − 300)
    expect(out[0]).toBeCloseTo(0.4349616, 7);
  });
  it("the ceiling comes before the penalty", () => {
    // min(2, 1) − 0.5 = 0.5 (the other order would give min(1.5, 1) = 1)
    const t = parTransform({ rewardCeil: 1 });
    expect(t.update({ rewards: [2], context: { refRewards, responseLengths: [350] } }, undefined).output[0]).toBeCloseTo(0.4349616, 7);
  });
  it("lengths are required with the penalty on; checked", () => {
    expect(() => parTransform().update({ rewards: [1], context: { refRewards } }, undefined)).toThrow(
      /parTransform: context.responseLengths is required when penalizeLength is true/,
    );
    expect(() => parTransform().update({ rewards: [1], context: { refRewards, responseLengths: [] } }, undefined)).toThrow(
      /responseLengths has 0 entries, rewards has 1/,
    );
    expect(() => parTransform().update({ rewards: [1], context: { refRewards, responseLengths: [-1] } }, undefined)).toThrow(RLError);
    expect(parTransform().update({ rewards: [null], context: { refRewards, responseLengths: [900] } }, undefined).output).toEqual([null]);
  });
  it("linearOverlongPenalty", () => {
    expect([250, 300, 350].map((n) => linearOverlongPenalty(n))).toEqual([0, 0, -0.5]);
    expect(Object.is(linearOverlongPenalty(400, { lenPenalty: 0 }), 0)).toBe(true);
    expect(linearOverlongPenalty(15, { genValidLen: 10, lenPenalty: 0.1 })).toBeCloseTo(-0.5, 15);
    expect(() => linearOverlongPenalty(1.5)).toThrow(/linearOverlongPenalty: length must be a non-negative integer/);
  });
  it("lscTransform: no penalty by default; the PAR baseline preset penalises first", () => {
    const ctx = { refRewards, responseLengths: [350] };
    const ref = lscReference([0, 0.5, 2]);
    expect(lscTransform().update({ rewards: [1], context: ctx }, undefined).output[0]).toBeCloseTo(Math.log(1 / (1 + Math.exp(-(1 - ref)))), 12);
    expect(lscTransform({ penalizeLength: true }).update({ rewards: [1], context: ctx }, undefined).output[0]).toBeCloseTo(
      Math.log(1 / (1 + Math.exp(-(0.5 - ref)))),
      12,
    );
  });
  it("the penalty never raises a reward, and PAR stays monotone in the raw reward at a fixed length (property)", () => {
    const finite = fc.double({ min: -20, max: 20, noNaN: true });
    fc.assert(
      fc.property(finite, finite, fc.integer({ min: 0, max: 1000 }), (a, b, len) => {
        expect(linearOverlongPenalty(len)).toBeLessThanOrEqual(0);
        const t = parTransform();
        const [pa, pb] = t.update({ rewards: [a, b], context: { refRewards: [[0], [0]], responseLengths: [len, len] } }, undefined).output as number[];
        if (a < b) expect(pa).toBeLessThanOrEqual(pb as number);
      }),
      { numRuns: 100 },
    );
  });
});

describe("ensemble variance and λ, hand-worked", () => {
  const members = [[1.0, 0.5, 1.5]];
  it("λ defaults to 1 (the code's coeff); unbiased divides by k − 1", () => {
    expect(ensembleRewards(members, { mode: "uwo" }).rewards.get(0)).toBeCloseTo(1 - 1 / 6, 12);
    const u = ensembleRewards(members, { mode: "uwo", unbiased: true });
    expect(u.variance.get(0)).toBeCloseTo(0.25, 12);
    expect(u.rewards.get(0)).toBeCloseTo(0.75, 12);
    expect(ensembleRewards(members, { mode: "uwo", lambda: 0 }).rewards.get(0)).toBe(1); // 0 means 0
  });
  it("one member: variance 0 unbiased or not, every mode is the member", () => {
    for (const unbiased of [false, true]) {
      const out = ensembleRewards([[2], [-1]], { mode: "uwo", unbiased });
      expect(out.variance.toFlatArray()).toEqual([0, 0]);
      expect(out.rewards.toFlatArray()).toEqual([2, -1]);
    }
  });
  it("unbiased variance = population variance · k/(k − 1) (property)", () => {
    const row = fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 2, maxLength: 8 });
    fc.assert(
      fc.property(row, (r) => {
        const pop = ensembleRewards([r]).variance.get(0);
        const unb = ensembleRewards([r], { unbiased: true }).variance.get(0);
        expect(Math.abs(unb - (pop * r.length) / (r.length - 1))).toBeLessThanOrEqual(1e-9 * (1 + unb));
      }),
      { numRuns: 100 },
    );
  });
});

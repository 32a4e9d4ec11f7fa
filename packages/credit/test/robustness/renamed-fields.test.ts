import { describe, expect, it } from "vitest";
import { Matrix, RLError } from "@rl/core";
import {
  gpgAdvantages,
  grpoAdvantages,
  grpoPasskAdvantages,
  klPenalizedRewards,
  opoAdvantages,
  prefixTree,
  primeAdvantages,
  reinforcePlusPlusBaselineAdvantages,
  rlooAdvantages,
  spoChainBatchAdvantages,
  tempoAdvantages,
} from "../../src/index.js";

// Round 2 renamed batch fields to the glossary (docs/glossary.md): `outcomes` → `rewards`,
// `responses` → `tokenIds`, `tokenScores` → `tokenRewards`. The old names stay accepted for one
// release; both names with different values throw an RLError naming both fields.

const mask = [[1, 1, 0], [1, 1, 1], [1, 0, 0], [1, 1, 1]];
const groups = [0, 0, 0, 0];
const rewards = [1, 0, 0.5, 0];
const f64 = { dtype: "float64" } as const;

function expectNamesBoth(f: () => unknown, fn: string, name: string, old: string, at: number): void {
  let caught: unknown;
  try {
    f();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(RLError);
  expect((caught as RLError).code).toBe("INVALID_INPUT");
  expect((caught as RLError).message).toBe(`${fn}: ${name} and ${old} (its deprecated name) are both given and differ at entry ${at}; give only ${name}`);
}

describe("group estimators: rewards (outcomes is its deprecated alias)", () => {
  const estimators = { grpoAdvantages, rlooAdvantages, opoAdvantages, gpgAdvantages, grpoPasskAdvantages, reinforcePlusPlusBaselineAdvantages };
  for (const [fn, run] of Object.entries(estimators)) {
    it(`${fn}: the old name gives the same numbers; equal values under both names pass; different values throw`, () => {
      const a = run({ rewards, mask, groups }, f64).advantages.toArray();
      expect(a.flat().some((v) => v !== 0)).toBe(true);
      expect(run({ outcomes: rewards, mask, groups }, f64).advantages.toArray()).toEqual(a);
      expect(run({ rewards, outcomes: [...rewards], mask, groups }, f64).advantages.toArray()).toEqual(a);
      expect(run({ rewards: Matrix.from(rewards), outcomes: rewards, mask, groups }, f64).advantages.toArray()).toEqual(a);
      expectNamesBoth(() => run({ rewards, outcomes: [1, 0, 0.25, 0], mask, groups }, f64), fn, "rewards", "outcomes", 2);
      expectNamesBoth(() => run({ rewards, outcomes: [1, 0, 0.5], mask, groups }, f64), fn, "rewards", "outcomes", 3);
    });
  }

  it("GRPO worked values under both names: rewards [1, 0, 0.5, 0] in one group", () => {
    // μ = 0.375, unbiased σ = √(0.6875/3) = 0.478714; A = (s − μ)/(σ + 1e-6)
    const col = (m: number[][]): number[] => m.map((r) => r[0] as number);
    const want = [1.30558, -0.783348, 0.261116, -0.783348];
    for (const batch of [{ rewards }, { outcomes: rewards }]) {
      col(grpoAdvantages({ ...batch, mask, groups }, f64).advantages.toArray()).forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 5));
    }
  });

  it("a null outcome agrees with a 0 reward (the pair rolloutGroupsToBatch writes) and keeps the row unscored", () => {
    const withNull = grpoAdvantages({ rewards: [1, null, 0, 0.5], mask, groups }, f64).advantages.toArray();
    expect(withNull[1]).toEqual([0, 0, 0]);
    expect(grpoAdvantages({ rewards: Matrix.from([1, 0, 0, 0.5]), outcomes: [1, null, 0, 0.5], mask, groups }, f64).advantages.toArray()).toEqual(withNull);
    expect(grpoAdvantages({ outcomes: [1, null, 0, 0.5], mask, groups }, f64).advantages.toArray()).toEqual(withNull);
    // a null reward does not agree with a nonzero outcome, nor a nonzero reward with a null outcome
    expectNamesBoth(() => grpoAdvantages({ rewards: [1, 0.5, 0, 0.5], outcomes: [1, null, 0, 0.5], mask, groups }), "grpoAdvantages", "rewards", "outcomes", 1);
    expectNamesBoth(() => grpoAdvantages({ rewards: [1, null, 0, 0.5], outcomes: [1, 1, 0, 0.5], mask, groups }), "grpoAdvantages", "rewards", "outcomes", 1);
  });
});

describe("TEMPO and prefixTree: rewards and tokenIds (outcomes, responses are deprecated aliases)", () => {
  const tokenIds = [[5, 7, 9], [5, 7, 8], [5, 6, 1], [5, 6, 1]];
  const full = tokenIds.map((r) => r.map(() => 1));

  it("tempoAdvantages: the same numbers under the old names; differing values throw naming both", () => {
    const a = tempoAdvantages({ tokenIds, rewards, mask: full, groups }, f64).advantages.toArray();
    expect(a.flat().some((v) => v !== 0)).toBe(true);
    expect(tempoAdvantages({ responses: tokenIds, outcomes: rewards, mask: full, groups }, f64).advantages.toArray()).toEqual(a);
    expect(tempoAdvantages({ tokenIds, responses: tokenIds, rewards, outcomes: rewards, mask: full, groups }, f64).advantages.toArray()).toEqual(a);
    expectNamesBoth(() => tempoAdvantages({ tokenIds, rewards, outcomes: [0, 0, 0.5, 0], mask: full, groups }), "tempoAdvantages", "rewards", "outcomes", 0);
  });

  it("prefixTree: the same node values under the old names; differing values throw naming both", () => {
    const forest = prefixTree({ tokenIds, rewards });
    const old = prefixTree({ responses: tokenIds, outcomes: rewards });
    expect(Array.from(old.value)).toEqual(Array.from(forest.value));
    expect(forest.value[forest.nodeAfter[1] as number]).toBeCloseTo(0.5, 12); // V(5,7) = mean(1, 0)
    expectNamesBoth(() => prefixTree({ tokenIds, responses: [[5, 7, 9], [5, 7, 8], [5, 6, 1], [5, 6, 2]], rewards }), "prefixTree", "tokenIds", "responses", 11);
    expectNamesBoth(() => prefixTree({ tokenIds, rewards, outcomes: [1, 0, 0.5, 1] }), "prefixTree", "rewards", "outcomes", 3);
    expect(() => prefixTree({ tokenIds })).toThrow("prefixTree: rewards (one per row, [B]) is required");
  });
});

describe("primeAdvantages: rewards (outcomes is its deprecated alias)", () => {
  const batch = { processRewards: [[0.1, 0.3, -0.2], [0.2, -0.4, 0]], mask: [[1, 1, 1], [1, 1, 0]], groups: [0, 0] };
  const config = { processCoef: 1, outcomeCoef: 1, whiten: false, dtype: "float64" } as const;

  it("the worked example under both names; differing values throw naming both", () => {
    const r = primeAdvantages({ ...batch, rewards: [1, 0] }, config).returns.toArray();
    [1.5, 1.3, 0.9].forEach((v, t) => expect(r[0]?.[t]).toBeCloseTo(v, 12));
    expect(primeAdvantages({ ...batch, outcomes: [1, 0] }, config).returns.toArray()).toEqual(r);
    expectNamesBoth(() => primeAdvantages({ ...batch, rewards: [1, 0], outcomes: [0, 1] }, config), "primeAdvantages", "rewards", "outcomes", 0);
    expect(() => primeAdvantages(batch, config)).toThrow("primeAdvantages: rewards is required");
  });
});

describe("klPenalizedRewards: tokenRewards (tokenScores is its deprecated alias)", () => {
  const input = { logProbs: [[-1, -0.5, -2]], refLogProbs: [[-1.2, -0.5, -1.5]], mask: [[1, 1, 1]] };

  it("the worked example under both names; differing values throw naming both", () => {
    const r = klPenalizedRewards({ ...input, tokenRewards: [[0, 0, 1]] }, { beta: 0.1 }).tokenRewards.toArray()[0] as number[];
    [-0.02, 0, 1.05].forEach((v, t) => expect(r[t]).toBeCloseTo(v, 6));
    expect(klPenalizedRewards({ ...input, tokenScores: [[0, 0, 1]] }, { beta: 0.1 }).tokenRewards.toArray()).toEqual([r]);
    expect(klPenalizedRewards({ ...input, tokenRewards: [[0, 0, 1]], tokenScores: [[0, 0, 1]] }, { beta: 0.1 }).tokenRewards.toArray()).toEqual([r]);
    expectNamesBoth(() => klPenalizedRewards({ ...input, tokenRewards: [[0, 0, 1]], tokenScores: [[0, 1, 1]] }), "klPenalizedRewards", "tokenRewards", "tokenScores", 1);
    expect(() => klPenalizedRewards(input as never)).toThrow("klPenalizedRewards: tokenRewards is required");
  });
});

describe("spoChainBatchAdvantages: rewards (scores is its deprecated alias)", () => {
  const base = { probs: [[0.5, 0.95, 0.6, 0.99]], mask: [[1, 1, 1, 1]], cutValues: [{ "-1": 0.3 }] };
  it("the worked example under both names; differing values throw naming both; missing is required", () => {
    const now = spoChainBatchAdvantages({ ...base, rewards: [0] }).advantages.toArray();
    expect(now).toEqual([[-0.30000001192092896, 0, -0.30000001192092896, 0]]);
    expect(spoChainBatchAdvantages({ ...base, scores: [0] }).advantages.toArray()).toEqual(now);
    expect(spoChainBatchAdvantages({ ...base, rewards: [0], scores: [0] }).advantages.toArray()).toEqual(now);
    expect(() => spoChainBatchAdvantages({ ...base, rewards: [0], scores: [1] })).toThrow(
      "spoChainBatchAdvantages: rewards and scores (its deprecated name) are both given and differ at entry 0; give only rewards",
    );
    expect(() => spoChainBatchAdvantages(base as never)).toThrow(RLError);
    expect(() => spoChainBatchAdvantages(base as never)).toThrow(/spoChainBatchAdvantages: rewards is required/);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RLError } from "@rl/core/arrays";
import { igpoTurnRewards, placeStepRewards } from "../../src/index.js";

const L = Math.log;

describe("igpoTurnRewards (IGPO)", () => {
  // Official code (scrl/llm_agent/generation.py): p = exp(mean of the answer-token log-probs);
  // the gain of turn k is p_{k+1} − p_k; info_gain.py puts the outcome (alpha = 1) on the last turn.
  it("worked example: two trajectories of 3 and 1 turns", () => {
    const r = igpoTurnRewards({
      answerLogProbs: [
        [[L(0.2), L(0.05)], [L(0.5), L(0.5)], [L(0.4), L(0.9)]],
        [[L(0.3), L(0.3)]],
      ],
      rewards: [0.8, 0],
    });
    // p = sqrt(0.2·0.05) = 0.1, 0.5, sqrt(0.36) = 0.6  →  gains 0.4, 0.1, then the outcome 0.8
    const a = r.stepRewards.toArray();
    expect(a[0]![0]).toBeCloseTo(0.4, 12);
    expect(a[0]![1]).toBeCloseTo(0.1, 12);
    expect(a[0]![2]).toBe(0.8);
    expect(a[1]).toEqual([0, 0, 0]);
    expect(r.stepMask.toArray()).toEqual([[1, 1, 1], [1, 0, 0]]);
    expect(r.answerScores.toArray()[0]!.map((x) => +x.toFixed(12))).toEqual([0.1, 0.5, 0.6]);
  });

  it("logProbability form: Δ mean log p; outcomeWeight scales the last turn", () => {
    const r = igpoTurnRewards({ answerLogProbs: [[[L(0.1)], [L(0.4)]]], rewards: [1] }, { form: "logProbability", outcomeWeight: 2 });
    expect(r.stepRewards.toArray()[0]![0]).toBeCloseTo(Math.log(4), 12);
    expect(r.stepRewards.toArray()[0]![1]).toBe(2);
  });

  it("composes with placeStepRewards: each turn's reward on its last token", () => {
    const r = igpoTurnRewards({ answerLogProbs: [[[L(0.1)], [L(0.4)]]], rewards: [1] });
    const placed = placeStepRewards({ ...r, stepEnds: [[1, 4]], mask: [[1, 1, 0, 1, 1]] }).tokenRewards.toArray();
    expect(placed[0]!.map((x) => +x.toFixed(6))).toEqual([0, 0.3, 0, 0, 1]);
  });

  it("bad input: RLError naming the entry", () => {
    expect(() => igpoTurnRewards({ answerLogProbs: [[]], rewards: [1] })).toThrow(/at least one/);
    expect(() => igpoTurnRewards({ answerLogProbs: [[[-1], [-1, -2]]], rewards: [1] })).toThrow(/has 2 tokens/);
    expect(() => igpoTurnRewards({ answerLogProbs: [[[0.5]]], rewards: [1] })).toThrow(/≤ 0/);
    expect(() => igpoTurnRewards({ answerLogProbs: [[[Number.NaN]]], rewards: [1] })).toThrow(RLError);
    expect(() => igpoTurnRewards({ answerLogProbs: [[[-1]]], rewards: [1, 2] })).toThrow(/1 trajectories/);
    expect(() => igpoTurnRewards({ answerLogProbs: [[[-1]]], rewards: [1] }, { form: "sum" as never })).toThrow(RLError);
  });

  it("property: the gains telescope, Σ_{k<K−1} r_k = p_{K−1} − p_0", () => {
    const lp = fc.integer({ min: -60, max: 0 }).map((k) => k / 10);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.array(lp, { minLength: 15, maxLength: 15 }), (n, K, pool) => {
        const turns = Array.from({ length: K }, (_, k) => Array.from({ length: n }, (_, j) => pool[(k * n + j) % 15]!));
        const r = igpoTurnRewards({ answerLogProbs: [turns], rewards: [0] });
        const s = r.answerScores.toArray()[0]!;
        const sum = r.stepRewards.toArray()[0]!.slice(0, K - 1).reduce((a, b) => a + b, 0);
        return Math.abs(sum - (s[K - 1]! - s[0]!)) < 1e-12;
      }),
    );
  });
});

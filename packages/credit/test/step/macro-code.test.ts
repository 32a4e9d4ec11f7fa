import { assertClose, loadConformanceCases } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectCloseMasked as expectClose } from "../conformance-helpers.js";
import { macroAggregate, macroBoundaries, macroGae } from "../../src/step/index.js";

// Vectors of seed-repos.json: computed by ernie-research/MA-RLHF @ 807551d5 (ppo_trainer.py).
describe("MA-RLHF against the official code (conformance advantage.macroGae, layout code)", () => {
  const cases = loadConformanceCases(["advantage.macroGae"]);
  it("has the 17 cases", () => expect(cases.length).toBe(17));
  for (const c of cases) {
    it(c.id, () => {
      const a = c.args;
      const e = c.expected;
      const mask = [a.mask as number[]];
      const rule =
        a.termination === "ppl"
          ? ({ rule: "perplexity", ppl: [a.ppl as number[]], layout: "code" } as const)
          : ({ rule: "fixed", n: a.ngram as number, layout: "code" } as const);
      const starts = macroBoundaries(mask, rule).starts;
      expect(starts[0]).toEqual(e.boundaries);
      const out = macroGae(
        { values: [a.values as number[]], tokenRewards: [a.tokenRewards as number[]], mask, starts },
        { gamma: a.gamma as number, lambda: a.lambda as number, weighting: a.valueFunction as "equal", layout: "code", dtype: "float64" },
      );
      expectClose(out.macroValues.toFlatArray(), e.macroValues as number[], c.tol, undefined, `${c.id} values`);
      expectClose(out.macroRewards.toFlatArray(), e.macroRewards as number[], c.tol, undefined, `${c.id} rewards`);
      expectClose(out.macroAdvantages.toFlatArray(), e.advantages as number[], c.tol, undefined, `${c.id} advantages`);
      expectClose(out.macroReturns.toFlatArray(), e.returns as number[], c.tol, undefined, `${c.id} returns`);
    });
  }
});

describe("MA-RLHF layout code, hand-worked", () => {
  const ones = (n: number) => [Array.from({ length: n }, () => 1)];

  it("fixed n = 2 over 5 tokens: the code keeps the duplicate boundary 4 (an empty macro action)", () => {
    expect(macroBoundaries(ones(5), { rule: "fixed", n: 2, layout: "code" }).starts).toEqual([[0, 2, 4, 4]]);
    expect(macroBoundaries(ones(5), { rule: "fixed", n: 2 }).starts).toEqual([[0, 2, 4]]);
    expect(macroBoundaries(ones(1), { rule: "fixed", n: 3, layout: "code" }).starts).toEqual([[0, 0]]);
  });

  it("the empty macro action takes a GAE step with V = R = 0", () => {
    // values 1..5, score 1 on the last token, γ = 1, λ = 0.5, equal weighting
    // code: V = [1.5, 3.5, 0, 5], R = [0, 0, 0, 1]; A3 = 1 − 5 = −4, A2 = 0 + 5 − 0 + 0.5·(−4) = 3,
    //       A1 = −3.5 + 0.5·3 = −2, A0 = 3.5 − 1.5 + 0.5·(−2) = 1
    // valid: V = [1.5, 3.5, 5]; A2 = −4, A1 = 5 − 3.5 − 2 = −0.5, A0 = 2 − 0.25 = 1.75
    const input = { values: [[1, 2, 3, 4, 5]], tokenRewards: [[0, 0, 0, 0, 1]], mask: ones(5) };
    const code = macroGae(
      { ...input, starts: macroBoundaries(ones(5), { rule: "fixed", n: 2, layout: "code" }).starts },
      { gamma: 1, lambda: 0.5, layout: "code", dtype: "float64" },
    );
    expect(code.macroValues.toArray()).toEqual([[1.5, 3.5, 0, 5]]);
    expect(code.macroRewards.toArray()).toEqual([[0, 0, 0, 1]]);
    expect(code.macroAdvantages.toArray()).toEqual([[1, -2, 3, -4]]);
    expect(code.macroMask.toArray()).toEqual([[1, 1, 1, 1]]);
    const valid = macroGae({ ...input, starts: macroBoundaries(ones(5), { rule: "fixed", n: 2 }).starts }, { gamma: 1, lambda: 0.5, dtype: "float64" });
    expect(valid.macroAdvantages.toArray()).toEqual([[1.75, -0.5, -4]]);
    // tokens of the code's macro actions: [0, 1] → 1, [2, 3] → −2, [4] → −4
    expect(code.advantages.toArray()).toEqual([[1, 1, -2, -2, -4]]);
  });

  it("a padded row: the code's last macro action is the last position, the last valid token is not alone", () => {
    const mask = [[1, 1, 1, 0, 0]];
    const starts = macroBoundaries(mask, { rule: "fixed", n: 5, layout: "code" }).starts;
    expect(starts).toEqual([[0, 4]]);
    expect(macroBoundaries(mask, { rule: "fixed", n: 5 }).starts).toEqual([[0, 2]]);
    // equal weighting averages the score on token 2 with tokens 0 and 1; the padding-only span is 0
    const agg = macroAggregate([[0, 0, 0.9, 7, 7]], mask, starts, { layout: "code" }).values.toArray();
    assertClose(agg, [[0.3, 0]], 1e-12, 0);
  });

  it("perplexity: a macro action starts at i when ppl[i+1] > ppl[i], over every position", () => {
    const ppl = [[3, 1, 2, 5, 4, 6]];
    expect(macroBoundaries([[1, 1, 1, 1, 0, 0]], { rule: "perplexity", ppl, layout: "code" }).starts).toEqual([[0, 1, 2, 4, 5]]);
  });

  it("without a duplicate boundary and padding, both layouts agree; else the code has one more macro action (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 6 }), (L, n) => {
        const mask = ones(L);
        const valid = macroBoundaries(mask, { rule: "fixed", n }).starts[0] as number[];
        const code = macroBoundaries(mask, { rule: "fixed", n, layout: "code" }).starts[0] as number[];
        if ((L - 1) % n !== 0) expect(code).toEqual(valid);
        else expect(code).toEqual([...valid, L - 1]);
      }),
      { numRuns: 100 },
    );
  });

  it("rejects starts that do not fit the layout", () => {
    const V = [[1, 2, 3]];
    const mask = ones(3);
    expect(() => macroAggregate(V, mask, [[1, 2]], { layout: "code" })).toThrow(/must begin at position 0 \(layout "code"\), got 1/);
    expect(() => macroAggregate(V, mask, [[0, 2, 1]], { layout: "code" })).toThrow(/must be non-decreasing token indices in \[0, 3\)/);
    expect(() => macroAggregate(V, mask, [[0, 2, 2]])).toThrow(/strictly increasing/);
    expect(() => macroBoundaries(mask, { rule: "separator", isEnd: [[0, 0, 0]], layout: "code" } as never)).toThrow(/macroBoundaries: invalid config/);
  });
});

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RLError } from "@rl/core";
import { bleuReward, bleuScore } from "../../src/index.js";
import { tokenize13a } from "../../src/verifiable/index.js";

const ws = { tokenizer: "whitespace" } as const;

describe("bleuScore (spec §20)", () => {
  it("worked example 1: smoothed and unsmoothed", () => {
    const r = bleuScore("the cat sat on the mat", ["the cat is on the mat"], ws);
    [6 / 7, 4 / 6, 2 / 5, 1 / 4].forEach((p, k) => expect(r.precisions[k]).toBeCloseTo(p, 12));
    expect(r.brevityPenalty).toBe(1);
    expect(r.bleu).toBeCloseTo(0.488923, 6);
    expect(bleuScore("the cat sat on the mat", ["the cat is on the mat"], { ...ws, smooth: false }).bleu).toBe(0);
  });
  it("worked example 2: union of references", () => {
    const r = bleuScore("the cat sat on the mat", ["the cat is on the mat", "a cat sat on a mat today"], ws);
    [1, 1, 0.6, 0.25].forEach((p, k) => expect(r.precisions[k]).toBeCloseTo(p, 12));
    expect(r.bleu).toBeCloseTo(0.622333, 6);
  });
  it("worked example 3: brevity penalty with the shortest reference", () => {
    expect(bleuScore("the cat", ["the cat is on the mat"], ws).bleu).toBeCloseTo(0.1353353, 7);
    expect(bleuScore("the cat", ["the cat is on the mat", "the cat is here"], ws).brevityPenalty).toBeCloseTo(Math.exp(-1), 12);
  });
  it("edge cases and errors", () => {
    expect(bleuScore("", ["a b"]).bleu).toBe(0);
    expect(bleuScore("a", [""]).bleu).toBe(0);
    expect(() => bleuScore("a", [])).toThrow(RLError);
    expect(() => bleuScore("a", ["b"], { maxOrder: 0 })).toThrow(/bleuScore/);
  });
  it("is in [0, 1] and 1 for an exact match of ≥ maxOrder tokens", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "c", "d"), { minLength: 1, maxLength: 12 }), fc.array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 12 }), (h, r) => {
        const s = bleuScore(h.join(" "), [r.join(" ")], ws).bleu;
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1 + 1e-12);
        if (h.length >= 4) expect(bleuScore(h.join(" "), [h.join(" ")], ws).bleu).toBeCloseTo(1, 12);
      }),
      { numRuns: 100 },
    );
  });
});

describe("tokenize13a", () => {
  it("splits punctuation but keeps decimals and thousands", () => {
    expect(tokenize13a("Hello, world! It costs $3.50.")).toEqual(["Hello", ",", "world", "!", "It", "costs", "$", "3.50", "."]);
    expect(tokenize13a("1,000 items")).toEqual(["1,000", "items"]);
    expect(tokenize13a("2-3 a-b")).toEqual(["2", "-", "3", "a-b"]);
    expect(tokenize13a("x &amp; y")).toEqual(["x", "&", "y"]);
  });
});

describe("bleuReward", () => {
  it("uses the answer tag when present; empty -> 0; no references -> null", () => {
    const refs = ["the cat is on the mat"];
    expect(bleuReward("<think>x y z</think><answer>the cat sat on the mat</answer>", refs, ws)).toBeCloseTo(0.488923, 6);
    expect(bleuReward("the cat sat on the mat", refs, ws)).toBeCloseTo(0.488923, 6);
    expect(bleuReward("<answer> </answer>", refs)).toBe(0);
    expect(bleuReward("anything", [])).toBeNull();
  });
});

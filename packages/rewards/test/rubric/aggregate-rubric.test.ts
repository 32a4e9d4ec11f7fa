import { RLError } from "@rl/core";
import { assertClose, rlErrorCode } from "@rl/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aggregateRubric, parseRubric, rubricReward } from "../../src/index.js";
import { normalizeLikert } from "../../src/rubric/index.js";

const rar = parseRubric({
  id: "rar",
  criteria: [
    { id: "a", text: "Gives the right answer", category: "essential" },
    { id: "b", text: "Explains the method", category: "important" },
    { id: "c", text: "Is concise", category: "optional" },
    { id: "p", text: "Invents a citation", category: "pitfall" },
  ],
});

const code = rlErrorCode;

describe("parseRubric", () => {
  it("fills defaults and rejects empty, duplicate and pitfall-only rubrics", () => {
    expect(rar.criteria[0]?.kind).toBe("principle");
    expect(parseRubric({ id: "x", criteria: [{ id: "a", text: "t" }] }).criteria[0]?.category).toBe("important");
    expect(code(() => parseRubric({ id: "x", criteria: [] }))).toBe("INVALID_INPUT");
    expect(code(() => parseRubric({ id: "x", criteria: [{ id: "a", text: "t" }, { id: "a", text: "u" }] }))).toBe("INVALID_INPUT");
    expect(code(() => parseRubric({ id: "x", criteria: [{ id: "a", text: "t", category: "pitfall" }] }))).toBe("INVALID_INPUT");
    expect(() => parseRubric({ id: "x", criteria: [{ id: "a", text: "t" }, { id: "a", text: "u" }] })).toThrow(/duplicate criterion id/);
  });
});

describe("aggregateRubric", () => {
  it("reproduces spec §15 worked examples", () => {
    assertClose(aggregateRubric(rar, { a: 1, b: 0, c: 1, p: 0 }).reward, 6 / 9);
    assertClose(aggregateRubric(rar, { a: 1, b: 0, c: 1, p: 1 }).reward, 4 / 9);
    assertClose(normalizeLikert(8, { min: 1, max: 10 }), 0.7777778);
    expect(aggregateRubric(rar, { a: 0, b: 0, c: 0, p: 1 }).reward).toBe(0); // clipped
  });

  it("reproduces spec §13 (RLBFF principles, probabilities vs thresholded)", () => {
    const r = parseRubric({ id: "rlbff", criteria: [{ id: "acc", text: "accuracy of information", weight: 2 }, { id: "read", text: "code readability", weight: 1 }] });
    assertClose(aggregateRubric(r, { acc: 0.9, read: 0.4 }).reward, 0.7333333);
    assertClose(aggregateRubric(r, { acc: 0.9, read: 0.4 }, { threshold: 0.5 }).reward, 0.6666667);
    expect(aggregateRubric(r, { acc: 0.9, read: 0.4 }, { mode: "all" }).reward).toBe(0);
    expect(aggregateRubric(r, { acc: 0.9, read: 0.6 }, { mode: "all" }).reward).toBe(1);
  });

  it("gates on hard rules", () => {
    const r = parseRubric({
      id: "g",
      criteria: [
        { id: "len", text: "Under 100 words", kind: "hard_rule" },
        { id: "q", text: "Sound reasoning", category: "important" },
      ],
    });
    expect(aggregateRubric(r, { len: 0, q: 1 })).toEqual({ reward: 0, gated: true, dropped: [] });
    expect(aggregateRubric(r, { len: 0, q: 1 }, { hardRuleFailValue: -1 }).reward).toBe(-1);
    expect(aggregateRubric(r, { len: 1, q: 0.5 }).reward).toBe(0.5);
    expect(aggregateRubric(r, { len: 0, q: 1 }, { hardRulePolicy: "weighted" }).reward).toBe(0.5);
    expect(aggregateRubric(r, { len: null, q: 1 }).reward).toBeNull();
  });

  it("null verdicts: essential → null, others dropped; missing verdict → error", () => {
    expect(aggregateRubric(rar, { a: null, b: 1, c: 1, p: 0 }).reward).toBeNull();
    const out = aggregateRubric(rar, { a: 1, b: null, c: 0, p: 0 });
    assertClose(out.reward, 5 / 6);
    expect(out.dropped).toEqual(["b"]);
    expect(aggregateRubric(rar, { a: 1, b: null, c: 1, p: 0 }, { mode: "all" }).reward).toBeNull();
    expect(code(() => aggregateRubric(rar, { a: 1, b: 1, c: 1 }))).toBe("INVALID_INPUT");
    expect(code(() => aggregateRubric(rar, { a: 2, b: 1, c: 1, p: 0 }))).toBe("INVALID_INPUT");
    const zero = parseRubric({ id: "z", criteria: [{ id: "a", text: "t", weight: 0 }] });
    expect(code(() => aggregateRubric(zero, { a: 1 }))).toBe("INVALID_INPUT");
  });

  it("stays in [0,1] and is monotone in every positive verdict (property)", () => {
    const v = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(v, v, v, v, v, (a, b, c, p, bump) => {
        const base = aggregateRubric(rar, { a, b, c, p }).reward as number;
        const up = aggregateRubric(rar, { a, b: Math.max(b, bump), c, p }).reward as number;
        return base >= 0 && base <= 1 && up >= base - 1e-12;
      }),
      { numRuns: 100 },
    );
  });
});

describe("rubricReward", () => {
  it("judges every criterion and turns PARSE errors into null verdicts", async () => {
    const seen: string[] = [];
    const judge = async (_p: string, _r: string, c: { id: string }) => {
      seen.push(c.id);
      if (c.id === "c") throw new RLError("PARSE", "bad verdict");
      return c.id === "p" ? 0 : 1;
    };
    const out = await rubricReward("Q", "A", rar, judge);
    expect(seen.sort()).toEqual(["a", "b", "c", "p"]);
    expect(out.verdicts.c).toBeNull();
    assertClose(out.reward, 1);
    await expect(rubricReward("Q", "A", rar, judge, { onParseError: "throw" })).rejects.toThrow(/bad verdict/);
    const failing = async () => {
      throw new RLError("NETWORK", "down");
    };
    await expect(rubricReward("Q", "A", rar, failing)).rejects.toThrow(/down/);
  });
});

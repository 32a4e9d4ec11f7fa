import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RLError } from "../../src/errors.js";
import { draftsToPairs, starsToPairs, thumbsToPairs, type StarRating } from "../../src/data/index.js";

describe("thumbsToPairs", () => {
  it("pairs every up with every down of the same prompt, in order", () => {
    const r = thumbsToPairs([
      { prompt: "p", response: "a", thumb: "up" },
      { prompt: "q", response: "x", thumb: "down" },
      { prompt: "p", response: "b", thumb: "down" },
      { prompt: "p", response: "c", thumb: true },
      { prompt: "p", response: "d", thumb: false },
    ]);
    expect(r.pairs).toEqual([
      { prompt: "p", chosen: "a", rejected: "b" },
      { prompt: "p", chosen: "a", rejected: "d" },
      { prompt: "p", chosen: "c", rejected: "b" },
      { prompt: "p", chosen: "c", rejected: "d" },
    ]);
    expect(r).toMatchObject({ ties: [], duplicates: 0, conflicts: [] });
  });

  it("de-duplicates per user (last wins), nets conflicting votes, never pairs a response with itself", () => {
    const r = thumbsToPairs([
      { prompt: "p", response: "a", thumb: "up", userId: "u1" },
      { prompt: "p", response: "a", thumb: "up", userId: "u1" }, // duplicate
      { prompt: "p", response: "b", thumb: "up", userId: "u1" },
      { prompt: "p", response: "b", thumb: "down", userId: "u1" }, // u1 changed their mind: down
      { prompt: "p", response: "c", thumb: "up", userId: "u1" },
      { prompt: "p", response: "c", thumb: "down", userId: "u2" }, // conflict: 1 up, 1 down
      { prompt: "p", response: "a", thumb: "down" }, // anonymous
      { prompt: "p", response: "a", thumb: "down" }, // identical anonymous duplicate
    ]);
    expect(r.duplicates).toBe(3);
    // a: up(u1) + down(anon) = 0 → conflict; b: down; c: conflict → nothing to pair
    expect(r.conflicts).toEqual([
      { prompt: "p", response: "a" },
      { prompt: "p", response: "c" },
    ]);
    expect(r.pairs).toEqual([]);
  });

  it("best-worst gives one pair per prompt; a seed shuffles deterministically", () => {
    const ratings = Array.from({ length: 6 }, (_, i) => ({ prompt: `p${i % 2}`, response: `r${i}`, thumb: i % 3 === 0 }));
    expect(thumbsToPairs(ratings, { pairing: "best-worst" }).pairs).toHaveLength(2);
    const a = thumbsToPairs(ratings, { seed: 7 }).pairs;
    expect(thumbsToPairs(ratings, { seed: 7 }).pairs).toEqual(a);
    expect(new Set(a.map((p) => JSON.stringify(p)))).toEqual(new Set(thumbsToPairs(ratings).pairs.map((p) => JSON.stringify(p))));
  });

  it("property: never self-paired, every pair is up over down, no duplicate pairs", () => {
    const arb = fc.array(
      fc.record({
        prompt: fc.constantFrom("p", "q"),
        response: fc.constantFrom("a", "b", "c"),
        thumb: fc.boolean(),
        userId: fc.constantFrom("u1", "u2", "u3"),
      }),
      { maxLength: 15 },
    );
    fc.assert(
      fc.property(arb, (ratings) => {
        const r = thumbsToPairs(ratings);
        const keys = r.pairs.map((p) => `${p.prompt}|${p.chosen}|${p.rejected}`);
        expect(new Set(keys).size).toBe(keys.length);
        for (const p of r.pairs) {
          expect(p.chosen).not.toBe(p.rejected);
          expect(ratings.some((x) => x.prompt === p.prompt && x.response === p.chosen && x.thumb)).toBe(true);
          expect(ratings.some((x) => x.prompt === p.prompt && x.response === p.rejected && !x.thumb)).toBe(true);
          expect(r.conflicts).not.toContainEqual({ prompt: p.prompt, response: p.chosen });
        }
      }),
      { numRuns: 100 },
    );
  });

  it("rejects bad ratings naming the index and field", () => {
    const err = (() => {
      try {
        thumbsToPairs([{ prompt: "p", response: "a", thumb: "meh" as never }]);
      } catch (e) {
        return e;
      }
    })();
    expect(RLError.isInstance(err) && err.code).toBe("INVALID_INPUT");
    expect((err as Error).message).toMatch(/thumbsToPairs: invalid ratings: 0\.thumb/);
  });
});

describe("starsToPairs", () => {
  it("worked example: margins are star differences, ties are reported, repeated ratings averaged", () => {
    const r = starsToPairs([
      { prompt: "p", response: "a", stars: 5, userId: "u1" },
      { prompt: "p", response: "a", stars: 3, userId: "u2" }, // a: mean 4
      { prompt: "p", response: "b", stars: 2 },
      { prompt: "p", response: "c", stars: 2 },
      { prompt: "p", response: "d", stars: 4 },
      { prompt: "p", response: "d", stars: 1, userId: "u3" },
      { prompt: "p", response: "d", stars: 5, userId: "u3" }, // u3 re-rates d: 5 replaces 1 → d mean (4+5)/2 = 4.5
    ]);
    expect(r.duplicates).toBe(1);
    expect(r.pairs).toEqual([
      { prompt: "p", chosen: "d", rejected: "a", margin: 0.5 },
      { prompt: "p", chosen: "d", rejected: "b", margin: 2.5 },
      { prompt: "p", chosen: "d", rejected: "c", margin: 2.5 },
      { prompt: "p", chosen: "a", rejected: "b", margin: 2 },
      { prompt: "p", chosen: "a", rejected: "c", margin: 2 },
    ]);
    expect(r.ties).toEqual([{ prompt: "p", a: "b", b: "c", score: 2 }]);
  });

  it("best-worst", () => {
    const r = starsToPairs(
      [
        { prompt: "p", response: "a", stars: 3 },
        { prompt: "p", response: "b", stars: 1 },
        { prompt: "p", response: "c", stars: 5 },
        { prompt: "q", response: "x", stars: 3 },
        { prompt: "q", response: "y", stars: 3 },
      ],
      { pairing: "best-worst" },
    );
    expect(r.pairs).toEqual([{ prompt: "p", chosen: "c", rejected: "b", margin: 4 }]);
    expect(r.ties).toEqual([{ prompt: "q", a: "x", b: "y", score: 3 }]);
  });

  it("rejects non-finite stars", () => {
    expect(() => starsToPairs([{ prompt: "p", response: "a", stars: Number.NaN }])).toThrow(/0\.stars/);
  });

  const arbStars = fc.array(
    fc.record(
      {
        prompt: fc.constantFrom("p", "q"),
        response: fc.constantFrom("a", "b", "c", "d"),
        stars: fc.integer({ min: 1, max: 5 }),
        userId: fc.constantFrom("u1", "u2"),
      },
      { requiredKeys: ["prompt", "response", "stars"] },
    ),
    { maxLength: 20 },
  ) as fc.Arbitrary<StarRating[]>;

  it("property: never pairs a response with itself, margins > 0, chosen scored higher, deterministic", () => {
    fc.assert(
      fc.property(arbStars, fc.constantFrom("all" as const, "best-worst" as const), (ratings, pairing) => {
        const r = starsToPairs(ratings, { pairing });
        for (const p of r.pairs) {
          expect(p.chosen).not.toBe(p.rejected);
          expect(p.margin).toBeGreaterThan(0);
        }
        const keys = r.pairs.map((p) => `${p.prompt}|${p.chosen}|${p.rejected}`);
        expect(new Set(keys).size).toBe(keys.length);
        expect(starsToPairs(ratings, { pairing })).toEqual(r);
        for (const t of r.ties) expect(t.a).not.toBe(t.b);
      }),
      { numRuns: 100 },
    );
  });

  it("property: with all pairing, pairs + ties = all distinct response pairs per prompt", () => {
    fc.assert(
      fc.property(arbStars, (ratings) => {
        const r = starsToPairs(ratings);
        const byPrompt = new Map<string, Set<string>>();
        for (const x of ratings) byPrompt.set(x.prompt, (byPrompt.get(x.prompt) ?? new Set()).add(x.response));
        const expected = [...byPrompt.values()].reduce((s, set) => s + (set.size * (set.size - 1)) / 2, 0);
        expect(r.pairs.length + r.ties.length).toBe(expected);
      }),
      { numRuns: 100 },
    );
  });
});

describe("draftsToPairs", () => {
  it("worked example: best vs worst and all pairs", () => {
    const groups = [
      {
        prompt: "p",
        drafts: [
          { response: "a", score: 0.9 },
          { response: "b", score: 0.25 },
          { response: "c", score: 0.5 },
        ],
      },
    ];
    expect(draftsToPairs(groups, { pairing: "best-worst" }).pairs).toEqual([{ prompt: "p", chosen: "a", rejected: "b", margin: 0.9 - 0.25 }]);
    expect(draftsToPairs(groups).pairs.map((p) => [p.chosen, p.rejected])).toEqual([
      ["a", "c"],
      ["a", "b"],
      ["c", "b"],
    ]);
  });

  it("identical drafts are merged (averaged) and never paired with themselves", () => {
    const r = draftsToPairs([
      {
        prompt: "p",
        drafts: [
          { response: "same", score: 1 },
          { response: "same", score: 0 },
          { response: "other", score: 0.25 },
        ],
      },
    ]);
    expect(r.duplicates).toBe(1);
    expect(r.pairs).toEqual([{ prompt: "p", chosen: "same", rejected: "other", margin: 0.25 }]);
  });

  it("property: margins > 0 and no self-pairs for arbitrary drafts", () => {
    const arb = fc.array(
      fc.record({
        prompt: fc.constantFrom("p", "q"),
        drafts: fc.array(fc.record({ response: fc.constantFrom("a", "b", "c"), score: fc.double({ min: -10, max: 10, noNaN: true }) }), {
          maxLength: 6,
        }),
      }),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(arb, fc.integer(), (groups, seed) => {
        const r = draftsToPairs(groups, { seed });
        for (const p of r.pairs) {
          expect(p.chosen).not.toBe(p.rejected);
          expect(p.margin).toBeGreaterThan(0);
        }
      }),
      { numRuns: 100 },
    );
  });
});

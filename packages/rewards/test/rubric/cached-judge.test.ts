import { RLError } from "@rl/core";
import { rlErrorCode } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { cachedJudge, parseRubric, rubricReward, type RubricCriterion, type RubricJudge } from "../../src/index.js";

const rubric = parseRubric({
  id: "r",
  criteria: [
    { id: "a", text: "States 4", category: "essential" },
    { id: "b", text: "Is polite", category: "optional" },
  ],
});

/** A deterministic judge that records its calls; by default 1 when the response contains "4", else 0. */
function countingJudge(answer: (response: string, c: RubricCriterion) => number | null = (r) => (r.includes("4") ? 1 : 0)) {
  const calls: string[] = [];
  const judge: RubricJudge = async (_p, response, c) => {
    calls.push(`${response}|${c.text}`);
    await new Promise((r) => setTimeout(r, 5));
    return answer(response, c);
  };
  return { judge, calls };
}

describe("cachedJudge", () => {
  it("answers repeated questions from the cache with the same reward", async () => {
    const { judge, calls } = countingJudge();
    const cached = cachedJudge(judge);
    const first = await rubricReward("2+2?", "4", rubric, cached);
    const second = await rubricReward("2+2?", "4", rubric, cached);
    expect(second).toEqual(first);
    expect(calls).toHaveLength(2);
    expect(cached.stats()).toEqual({ hits: 2, misses: 2, size: 2 });
    await rubricReward("2+2?", "5", rubric, cached); // another response: new questions
    expect(calls).toHaveLength(4);
  });

  it("shares one call between identical requests in flight", async () => {
    const { judge, calls } = countingJudge();
    const cached = cachedJudge(judge);
    const c = rubric.criteria[0] as RubricCriterion;
    const vs = await Promise.all([cached("q", "4", c), cached("q", "4", c), cached("q", "4", c)]);
    expect(vs).toEqual([1, 1, 1]);
    expect(calls).toHaveLength(1);
    expect(cached.stats().hits).toBe(2);
  });

  it("keys on the criterion's text, kind and category, not its id", async () => {
    const { judge, calls } = countingJudge();
    const cached = cachedJudge(judge);
    const c = rubric.criteria[0] as RubricCriterion;
    await cached("q", "4", c);
    await cached("q", "4", { ...c, id: "renamed" });
    await cached("q", "4", { ...c, category: "important" });
    expect(calls).toHaveLength(2);
  });

  it("evicts the least recently used verdict", async () => {
    const { judge, calls } = countingJudge();
    const cached = cachedJudge(judge, { maxEntries: 2 });
    const c = rubric.criteria[0] as RubricCriterion;
    await cached("q", "1", c);
    await cached("q", "2", c);
    await cached("q", "1", c); // refreshes "1"
    await cached("q", "3", c); // evicts "2"
    expect(cached.stats().size).toBe(2);
    await cached("q", "1", c);
    expect(calls).toHaveLength(3);
    await cached("q", "2", c);
    expect(calls).toHaveLength(4);
  });

  it("does not cache failures or (by default) null verdicts", async () => {
    let fail = true;
    const judge: RubricJudge = async () => {
      if (fail) throw new RLError("NETWORK", "judge: 503");
      return 1;
    };
    const cached = cachedJudge(judge);
    const c = rubric.criteria[0] as RubricCriterion;
    await expect(cached("q", "r", c)).rejects.toThrow(/503/);
    fail = false;
    expect(await cached("q", "r", c)).toBe(1);

    const nulls = countingJudge(() => null);
    const noNull = cachedJudge(nulls.judge);
    await noNull("q", "r", c);
    await noNull("q", "r", c);
    expect(nulls.calls).toHaveLength(2);
    const withNull = cachedJudge(nulls.judge, { cacheNull: true });
    await withNull("q", "r", c);
    await withNull("q", "r", c);
    expect(nulls.calls).toHaveLength(3);
  });

  it("clears, and rejects a bad config", async () => {
    const { judge, calls } = countingJudge();
    const cached = cachedJudge(judge);
    const c = rubric.criteria[0] as RubricCriterion;
    await cached("q", "4", c);
    cached.clear();
    await cached("q", "4", c);
    expect(calls).toHaveLength(2);
    expect(rlErrorCode(() => cachedJudge(judge, { maxEntries: 0 }))).toBe("INVALID_CONFIG");
  });
});

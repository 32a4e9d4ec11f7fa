import { loadConformanceCases } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { gsm8kVerlReward, minervaVerlReward, verlMathReward } from "../../src/index.js";

interface Case {
  id: string;
  op: string;
  args: Record<string, unknown>;
  expected: Record<string, unknown>;
}

const cases = loadConformanceCases(["reward.minervaVerl", "reward.mathEquivVerl", "reward.gsm8kVerl"]) as unknown as Case[];

function run(c: Case): Record<string, unknown> {
  const a = c.args;
  if (c.op === "reward.minervaVerl") {
    return { ...minervaVerlReward(a.solution as string, a.groundTruth as string, { strictBox: a.strictBox as boolean }) };
  }
  if (c.op === "reward.mathEquivVerl") return verlMathReward(a.solution as string, a.groundTruth as string);
  return {
    score: gsm8kVerlReward(a.solution as string, a.groundTruth as string, {
      method: a.method as "strict" | "flexible",
      formatScore: a.formatScore as number,
      score: a.score as number,
    }).score,
  };
}

describe("conformance: verl verifiable graders", () => {
  const mine = cases.filter((c) => ["reward.minervaVerl", "reward.mathEquivVerl", "reward.gsm8kVerl"].includes(c.op));
  it("has the expected number of cases (24 + 12 + 24)", () => {
    expect(mine.filter((c) => c.op === "reward.minervaVerl")).toHaveLength(24);
    expect(mine.filter((c) => c.op === "reward.mathEquivVerl")).toHaveLength(12);
    expect(mine.filter((c) => c.op === "reward.gsm8kVerl")).toHaveLength(24);
  });
  it.each(mine.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const got = run(c);
    for (const [k, v] of Object.entries(c.expected)) expect(got[k], k).toEqual(v);
  });
});

import { describe, expect, it } from "vitest";
import { RLError } from "@rl/core";
import { mathAnswerRewardAsync, randomEvaluationEquivalence, type AsyncEquivalence } from "../../src/index.js";

const sym = randomEvaluationEquivalence();
const asyncSym: AsyncEquivalence = { equal: async (a, b) => sym(a, b) };

describe("mathAnswerRewardAsync", () => {
  it("uses the backend only when stages 1-2 cannot decide", async () => {
    let calls = 0;
    const counting: AsyncEquivalence = {
      equal: async (a, b) => {
        calls++;
        return sym(a, b);
      },
    };
    expect((await mathAnswerRewardAsync("\\boxed{0.5}", "\\frac12", { equivalence: counting })).reward).toBe(1);
    expect(calls).toBe(0);
    const r = await mathAnswerRewardAsync("\\boxed{2x+1}", "1+2x", { equivalence: counting });
    expect(r.reward).toBe(1);
    expect(r.debug.symbolic).toBe("used");
    expect(calls).toBe(1);
    expect((await mathAnswerRewardAsync("\\boxed{2x+1}", "1+3x", { equivalence: asyncSym })).reward).toBe(0);
  });
  it("without a backend equals the sync reward; null gold stays null", async () => {
    expect((await mathAnswerRewardAsync("\\boxed{2x+1}", "1+2x")).debug.symbolic).toBe("unavailable");
    expect((await mathAnswerRewardAsync("\\boxed{1}", "", { equivalence: asyncSym })).reward).toBeNull();
  });
  it("timeout, error and undecided count as not equal", async () => {
    let aborted = false;
    const hang: AsyncEquivalence = {
      equal: (_a, _b, { signal }) =>
        new Promise(() => {
          signal.addEventListener("abort", () => {
            aborted = true;
          });
        }),
    };
    const t = await mathAnswerRewardAsync("\\boxed{2x+1}", "1+2x", { equivalence: hang, timeoutMs: 20 });
    expect(t).toMatchObject({ reward: 0, debug: { symbolic: "timeout" } });
    expect(aborted).toBe(true);
    const boom: AsyncEquivalence = { equal: async () => Promise.reject(new Error("cas crashed")) };
    expect((await mathAnswerRewardAsync("\\boxed{2x+1}", "1+2x", { equivalence: boom })).debug.symbolic).toBe("error");
    const unsure: AsyncEquivalence = { equal: async () => null };
    expect(await mathAnswerRewardAsync("\\boxed{2x+1}", "1+2x", { equivalence: unsure, incorrect: -1 })).toMatchObject({ reward: -1, debug: { symbolic: "undecided" } });
  });
  it("bad config", async () => {
    await expect(mathAnswerRewardAsync("a", "b", { timeoutMs: 0 })).rejects.toThrow(RLError);
    await expect(mathAnswerRewardAsync("a", "b", { equivalence: {} as AsyncEquivalence })).rejects.toThrow(/mathAnswerRewardAsync/);
  });
});

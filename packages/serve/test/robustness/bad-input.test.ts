// Regression tests for issue 19 found by pnpm fuzz (tools/fuzz): @rl/serve's pure helpers give an
// RLError naming the function, never a TypeError.
import { createRegistry } from "@rl/core";
import { expectRLError } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { abortReason, computeScoreRequest, createServeMetrics, getRewardRequest, itemsFromComputeScore, itemsFromGetReward, registryReward, resolveRewardName, scoreItems } from "../../src/index.js";

describe("found by pnpm fuzz: serve helpers", () => {
  const composition = { rewards: { len: (item: { response: string }) => item.response.length } };
  it("RLError for malformed arguments", async () => {
    expectRLError(() => abortReason(null as never), /abortReason: signal must be an AbortSignal/);
    expectRLError(() => getRewardRequest(-1), /getRewardRequest: maxBatch must be a positive integer/);
    expectRLError(() => computeScoreRequest(1.5), /computeScoreRequest: maxBatch must be a positive integer/);
    expectRLError(() => createServeMetrics(null as never), /createServeMetrics: sources must be an object/);
    expectRLError(() => itemsFromComputeScore({ items: 1.5 } as never), /itemsFromComputeScore: invalid body/);
    expectRLError(() => itemsFromGetReward({ query: [1] } as never), /itemsFromGetReward: invalid body/);
    expectRLError(() => registryReward(-1 as never, "acme/x"), /registryReward: registry must be a Registry/);
    expectRLError(() => registryReward(createRegistry(), "acme/x"), /acme\/x/);
    expectRLError(() => resolveRewardName([] as never, "len"), /defineRewards/);
    await expect(scoreItems(composition, "len", [1.5 as never])).rejects.toThrow(/scoreItems: items must be an array/);
    expect(itemsFromGetReward({ query: ["2+2=4"], prompts: ["2+2="], labels: ["4"] })[0]?.response).toBe("4");
  });
});

describe("found by pnpm fuzz (round 2): scoreItems arguments", () => {
  const composition = { rewards: { len: (item: { response: string }) => item.response.length } };
  const items = [{ query: "q", prompt: "p", response: "abc", label: null, dataSource: null, extraInfo: null }] as never;
  it("a non-string name, a bad concurrency, signal or gate → RLError (was TypeError / 'Tensor is disposed')", async () => {
    await expect(scoreItems(composition, undefined as never, items)).rejects.toThrow(/scoreItems: name must be a reward name, got undefined/);
    await expect(scoreItems(composition, { toString: () => { throw new Error("Tensor is disposed."); } } as never, items)).rejects.toThrow(/scoreItems: name must be a reward name, got object/);
    await expect(scoreItems(composition, "len", items, { concurrency: "2" as never })).rejects.toThrow(/scoreItems: options\.concurrency must be a number, got string "2"/);
    await expect(scoreItems(composition, "len", items, { signal: 1 as never })).rejects.toThrow(/scoreItems: options\.signal must be an AbortSignal/);
    await expect(scoreItems(composition, "len", items, { gate: {} as never })).rejects.toThrow(/scoreItems: options\.gate must be a Semaphore/);
    await expect(scoreItems(composition, "nope", items)).rejects.toThrow(/unknown reward "nope"/);
    expect((await scoreItems(composition, "len", items))[0]).toMatchObject({ score: 3 });
  });
});

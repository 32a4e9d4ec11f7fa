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

// Seeds for @rl/serve's pure exports (issue 19); servers, queues and the CLI are exempt (they open
// ports or connect to Redis) and are tested with bad requests in packages/serve/test.
import { createRegistry, defineDefinition, klEstimateConfig } from "@rl/core";

type Seed = () => unknown[];
const composition = () => ({ rewards: { len: (item: { response: string }) => item.response.length / 10 } });
const item = () => ({ query: "2+2=4", prompt: "2+2=", response: "4", label: "4", dataSource: null, extraInfo: null });
const registry = () =>
  createRegistry().register(
    defineDefinition({ kind: "reward-function", name: "acme/len", version: "1.0.0", specVersion: "v1", configSchema: klEstimateConfig, create: () => (i: { response: string }) => i.response.length }),
  );

export const seeds: Record<string, Record<string, Seed>> = {
  serve: {
    abortReason: () => [AbortSignal.abort(new Error("client went away"))],
    computeScoreRequest: () => [8],
    getRewardRequest: () => [8],
    itemsFromComputeScore: () => [{ items: [{ solution_str: "4", ground_truth: "4", data_source: "gsm8k" }] }],
    itemsFromGetReward: () => [{ query: ["2+2=4"], prompts: ["2+2="], labels: ["4"] }],
    labelText: () => [{ answer: 4 }],
    defineRewards: () => [composition()],
    resolveRewardName: () => [composition(), "len", null],
    scoreItems: () => [composition(), "len", [item(), item()], { concurrency: 2 }],
    toScoredItem: () => [0.5, "len"],
    registryReward: () => [registry(), "acme/len", {}],
    createServeMetrics: () => [{}],
    redisOptions: () => ["redis://127.0.0.1:6379/0"],
  },
};

const redis = "connects to Redis (BullMQ); tested against a local redis-server in packages/serve/test";
export const exempt: Record<string, Record<string, string>> = {
  serve: {
    createRewardServer: "builds the Fastify HTTP server (not fuzzable: routes and ports); its request bodies go through getRewardRequest / computeScoreRequest (fuzzed) and bad requests are tested in packages/serve/test",
    serverMetrics: "reads a running Fastify server's metrics (not fuzzable: needs createRewardServer)",
    runCli: "starts the reward server or workers (not fuzzable: opens ports, reads config modules); tested in packages/serve/test",
    loadRewardConfig: "imports a user's JavaScript config module from a path (not fuzzable: runs arbitrary code); tested in packages/serve/test",
    createBatchQueue: redis,
    createBatchWorker: redis,
    rewardQueue: redis,
    rewardWorker: redis,
    rolloutQueue: redis,
    rolloutWorker: redis,
  },
};

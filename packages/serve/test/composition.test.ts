import { describe, expect, it } from "vitest";
import { RLError } from "@rl/core/arrays";
import { createRegistry, defineDefinition } from "@rl/core";
import { z } from "zod";
import { defineRewards, redisOptions, registryReward, resolveRewardName, runCli, scoreItems, Semaphore, toScoredItem, type RewardItem } from "../src/index.js";

const item = (response: string): RewardItem => ({ query: response, prompt: null, response, label: null, dataSource: null, extraInfo: null });
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return RLError.isInstance(e) ? e.code : "not an RLError";
  }
  return "no error";
};

describe("compositions", () => {
  it("defineRewards rejects an empty composition, a non-function and names that do not exist", () => {
    expect(code(() => defineRewards({ rewards: {} }))).toBe("INVALID_CONFIG");
    expect(code(() => defineRewards({ rewards: { a: 1 as never } }))).toBe("INVALID_CONFIG");
    expect(code(() => defineRewards({ rewards: { a: () => 1 }, default: "b" }))).toBe("INVALID_CONFIG");
    expect(code(() => defineRewards({ rewards: { a: () => 1 }, dataSources: { x: "b" } }))).toBe("INVALID_CONFIG");
  });

  it("resolveRewardName: the request's name, else the data source's, else the default, else the first", () => {
    const c = defineRewards({ rewards: { a: () => 1, b: () => 2, c: () => 3 }, default: "b", dataSources: { gsm: "c" } });
    expect(resolveRewardName(c, "a", "gsm")).toBe("a");
    expect(resolveRewardName(c, null, "gsm")).toBe("c");
    expect(resolveRewardName(c, null, "other")).toBe("b");
    expect(resolveRewardName(defineRewards({ rewards: { z: () => 0 } }), null)).toBe("z");
    expect(code(() => resolveRewardName(c, "nope"))).toBe("REGISTRY_NOT_FOUND");
  });

  it("toScoredItem: numbers, null, outcomes with extras; NaN and Infinity are errors, never passed on", () => {
    expect(toScoredItem(0.5, "r")).toEqual({ score: 0.5, extras: {} });
    expect(toScoredItem(null, "r")).toEqual({ score: null, extras: {} });
    expect(toScoredItem({ score: 1, acc: 1, ok: true, note: "x" }, "r")).toEqual({ score: 1, extras: { acc: 1, ok: 1 } });
    expect(code(() => toScoredItem(Number.NaN, "r"))).toBe("NON_FINITE");
    expect(code(() => toScoredItem({ score: Infinity }, "r"))).toBe("NON_FINITE");
    expect(code(() => toScoredItem("1" as never, "r"))).toBe("PLUGIN_OUTPUT");
  });

  it("scoreItems keeps input order with async rewards of uneven latency, and a shared gate bounds concurrency", async () => {
    let running = 0;
    let peak = 0;
    const c = defineRewards({
      rewards: {
        len: async (it) => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, (7 * it.response.length) % 5));
          running--;
          return it.response.length;
        },
      },
    });
    const items = Array.from({ length: 40 }, (_, i) => item("x".repeat(i)));
    const out = await scoreItems(c, "len", items, { gate: new Semaphore(3) });
    expect(out.map((s) => s.score)).toEqual(items.map((_, i) => i));
    expect(peak).toBeLessThanOrEqual(3);
  });

  it("registryReward wraps a reward-function plugin, its config checked by its schema", () => {
    const registry = createRegistry().register(
      defineDefinition({
        kind: "reward-function",
        name: "acme/length",
        version: "1.0.0",
        specVersion: "v1",
        configSchema: z.object({ max: z.number().positive() }),
        create: ({ max }: { max: number }) => (it: RewardItem) => Math.min(1, it.response.length / max),
      }),
    );
    const reward = registryReward(registry, "acme/length", { max: 10 });
    expect(reward(item("hello"), { signal: new AbortController().signal })).toBe(0.5);
    expect(code(() => registryReward(registry, "acme/length", { max: -1 }))).toBe("INVALID_CONFIG");
    expect(code(() => registryReward(registry, "acme/nope"))).toBe("REGISTRY_NOT_FOUND");
  });
});

describe("queue and CLI arguments", () => {
  it("redisOptions parses redis:// URLs (db, password) and rejects others", () => {
    expect(redisOptions("redis://:s3cret@10.0.0.2:6380/2")).toMatchObject({ host: "10.0.0.2", port: 6380, db: 2, password: "s3cret", maxRetriesPerRequest: null });
    expect(redisOptions("redis://localhost")).toMatchObject({ host: "localhost", port: 6379, db: 0 });
    expect(code(() => redisOptions("http://localhost:6379"))).toBe("INVALID_CONFIG");
    expect(code(() => redisOptions("not a url"))).toBe("INVALID_CONFIG");
  });

  it("rl-serve: usage without a command; clear errors for a missing config, an unknown command, an unset key variable", async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), env: {} };
    await runCli([], io);
    expect(lines.join("\n")).toContain("rl-serve rewards --config");
    await expect(runCli(["rewards"], io)).rejects.toThrow(/--config is required/);
    await expect(runCli(["serve", "--config", "x.ts"], io)).rejects.toThrow(/unknown command "serve"/);
    await expect(runCli(["rewards", "--config", "nope.ts"], io)).rejects.toThrow(/no file/);
    const fixture = new URL("./fixtures/rewards.ts", import.meta.url).pathname;
    await expect(runCli(["rewards", "--config", fixture, "--api-key-env", "RL_TEST_UNSET_KEY"], io)).rejects.toThrow(/RL_TEST_UNSET_KEY, which is not set/);
    await expect(runCli(["worker", "--config", fixture], io)).rejects.toThrow(/--queue/);
  });
});

import { createRegistry, guardedDefinition, ready } from "@rl/core";
import { testPlugin } from "@rl/core/testing";
import { describe, expect, it } from "vitest";
import { lengthPenalty, lengthPenaltyDefinition } from "../src/index.js";

await ready();

describe("lengthPenalty", () => {
  it("worked examples", () => {
    expect(lengthPenalty("a".repeat(250))).toBeCloseTo(-0.05, 12);
    expect(lengthPenalty("short")).toBe(0);
    expect(lengthPenalty("")).toBeNull();
    expect(() => lengthPenalty(42 as unknown as string)).toThrow("lengthPenalty: text must be a string");
  });
});

describe("the plugin", () => {
  it("passes the @rl plugin test kit", async () => {
    const report = await testPlugin(lengthPenaltyDefinition, {
      samples: [["hello"], [""], ["x".repeat(1000)]],
      validConfigs: [{ perCharacter: 0.01, free: 0 }],
      invalidConfigs: [{ perCharacter: -1 }, { free: 1.5 }],
    });
    expect(report.checks.length).toBeGreaterThan(0);
  });

  it("registers explicitly and runs, guarded", () => {
    const registry = createRegistry().register(guardedDefinition(lengthPenaltyDefinition));
    const reward = registry.create<(text: string) => number | null>("reward-function", "acme/length-penalty", { free: 0, perCharacter: 0.5 });
    expect(reward("abcd")).toBe(-2);
  });
});

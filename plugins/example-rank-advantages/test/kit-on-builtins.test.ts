import { testPlugin } from "@rl/core/testing";
import { creditRegistry } from "@rl/credit";
import { describe, expect, it } from "vitest";

// The kit must not reject good plugins: the built-in group estimators pass it as plugins would.
describe("the plugin kit on @rl/credit's built-in group estimators", () => {
  const registry = creditRegistry();
  for (const name of ["rl/grpo", "rl/dr-grpo", "rl/rloo", "rl/reinforce-plus-plus-baseline"]) {
    it(`${name} passes, shift invariance included`, async () => {
      const report = await testPlugin(registry.get("credit-assigner", name), { shiftInvariant: true, runs: 30, fuzzRuns: 100 });
      expect(report.checks.length).toBeGreaterThan(5);
    });
  }
});
